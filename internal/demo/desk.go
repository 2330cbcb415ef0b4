package demo

import (
	"context"
	"time"

	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/desk"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// deskEntries are standard answers drawn from 004 §6 (the last one is
// confidential technical data).
var deskEntries = []desk.Entry{
	{Category: "配件", Title: "终端用户要求补发配件", Keywords: "配件 补发 终端用户",
		Body: "您好，终端用户的售后服务由购买处的经销商负责，请您联系经销商处理；如确实需要配件，可按配件零售价从公司购买。"},
	{Category: "配件", Title: "散户保修期内的配件", Keywords: "散户 保修 免费",
		Body: "您好，在保修期内我们将免费为您寄送配件；保修期外可按配件零售价购买。"},
	{Category: "价格", Title: "价格及市场咨询", Keywords: "报价 价格 市场",
		Body: "您好，产品价格及市场方面的问题由销售部负责，我们已为您转接，销售部电话 0571-8888-0000。"},
	{Category: "漏水", Title: "净水器接头漏水", Keywords: "漏水 滴水 接头",
		Body: "请先关闭进水阀和电源，检查快接头是否插到位并重新插紧；如仍漏水，请拍照后联系我们安排上门。"},
	{Category: "技术资料", Title: "RO 膜内控指标（内部）", Keywords: "脱盐率 内控", Internal: true,
		Body: "RO-400G 膜片出厂脱盐率内控不低于百分之九十七点五，供应商检验报告仅限内部使用。"},
}

// loadDesk gives customer service its shifts, this month's roster with a
// duty manager on each shift, standard answers and a few contacts.
func loadDesk(ctx context.Context, db *sqlstore.DB, refs *Refs, now time.Time) error {
	dept := refs.Departments["cs"].ID
	var cs []org.User // manager, team lead, agents: the order of staff
	for _, u := range refs.Users {
		if u.DepartmentID != nil && *u.DepartmentID == dept {
			cs = append(cs, u)
		}
	}
	if len(cs) < 4 {
		return nil
	}
	mgr := cs[0]
	act := func(u org.User) casework.Actor {
		return casework.Actor{User: &u, Audit: audit.Actor{UserID: u.ID, Name: u.Name}}
	}
	svc := &desk.Service{Store: db.Desk(), Now: func() time.Time { return now }, Loc: sla.Shanghai()}
	for _, sh := range []desk.Shift{{Code: "early", Name: "早班", Start: "08:00", Minutes: 480}, {Code: "late", Name: "晚班", Start: "16:00", Minutes: 480}} {
		if err := svc.CreateShift(ctx, &sh, act(mgr)); err != nil {
			return err
		}
	}
	local := now.In(svc.Location())
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, local.Location())
	var lines []desk.RosterEntry
	agents := cs[2:]
	for d, i := first, 0; d.Month() == first.Month(); d, i = d.AddDate(0, 0, 1), i+1 {
		day := d.Format("2006-01-02")
		// The manager and the team lead take turns as duty manager.
		lead := cs[i%2]
		lines = append(lines, desk.RosterEntry{Day: day, Shift: "early", UserID: lead.ID, DutyManager: true},
			desk.RosterEntry{Day: day, Shift: "early", UserID: agents[i%len(agents)].ID},
			desk.RosterEntry{Day: day, Shift: "late", UserID: cs[(i+1)%2].ID, DutyManager: true},
			desk.RosterEntry{Day: day, Shift: "late", UserID: agents[(i+1)%len(agents)].ID})
	}
	if _, err := svc.AddToRoster(ctx, dept, lines, act(mgr)); err != nil {
		return err
	}
	for _, e := range deskEntries {
		if err := svc.CreateEntry(ctx, &e, act(mgr)); err != nil {
			return err
		}
	}
	deps := desk.ContactDeps{Department: db.Cases().DepartmentByCode}
	for _, c := range []desk.Contact{
		{Kind: desk.ContactPrice, Channel: "phone", Name: "孙经理", Company: "杭州某酒店", Subject: "RO-600 批量采购价格", Question: "酒店客房要装五十台 RO-600，批量价格多少？"},
		{Kind: desk.ContactEnquiry, Channel: "phone", Name: "钱女士", Phone: "13900001111", Subject: "滤芯多久换一次", Question: "家里的 RO-400 滤芯多久换一次？"},
		{Kind: desk.ContactEnquiry, Channel: "wechat", Name: "吴先生", Subject: "RO 膜脱盐率", Question: "你们的 RO 膜脱盐率具体是多少？能提供检验报告吗？"},
	} {
		if err := svc.LogContact(ctx, deps, &c, act(agents[0])); err != nil {
			return err
		}
	}
	return nil
}
