package printform

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/letter"
	"kesu/internal/org"
)

// Form names, as the web routes know them.
const (
	FormHandling = "handling" // 客户投诉处理单
	FormLetter   = "letter"   // 受理函
	Form8D       = "8d"       // 8D 报告
)

// Forms lists the form names.
var Forms = []string{FormHandling, FormLetter, Form8D, FormCredit, FormReturn, FormPenalty}

// HandlingCopies are the numbered copies of the handling form, one for
// each department that keeps it (003 第九条(七)).
var HandlingCopies = []string{"第1联 质保部", "第2联 生产部", "第3联 销售部", "第4联 财务部", "第5联 总经办"}

// Case is what the case forms print. The caller resolves names and
// labels, and masks personal data the reader may not see.
type Case struct {
	Complaint *complaint.Complaint
	Record    *casework.Record // nil before the workflow has a record
	Approvals []casework.Approval
	CAPA      []casework.CAPAAction
	FollowUps []casework.FollowUp
	Company   string
	// Labels in Chinese of the complaint's category, state, department
	// and holder.
	Category, Status, Department, Holder string
	// Name returns the name of a user, department or supplier owning a
	// CAPA action, or the name of a user id.
	Owner func(a casework.CAPAAction) string
	Name  func(id *int64) string
	Loc   *time.Location
	// Printed is the print time shown in the footer.
	Printed time.Time
}

func (c *Case) dt(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	loc := c.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func (c *Case) date(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func (c *Case) name(id *int64) string {
	if id == nil || c.Name == nil {
		return ""
	}
	return c.Name(id)
}

func (c *Case) footer() string {
	return "打印时间：" + c.dt(&c.Printed)
}

func num(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// money renders fen as yuan with two decimals.
func money(fen int64, currency string) string {
	if fen == 0 && currency == "" {
		return ""
	}
	s := fmt.Sprintf("%d.%02d", fen/100, abs(fen%100))
	if fen < 0 && fen > -100 {
		s = "-" + s
	}
	return strings.TrimSpace(s + " " + currency)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// problem is the complaint part every case form starts with.
func (c *Case) problem() []Field {
	m := c.Complaint
	customerName := m.CustomerName
	if customerName == "" {
		customerName = m.Complainant.Company
	}
	requests := make([]string, len(m.Requests))
	for i, r := range m.Requests {
		requests[i] = complaint.Requests.Label(r, "zh")
	}
	qty := num(m.QtyDefective)
	if m.QtyShipped != nil {
		qty += " / " + num(m.QtyShipped)
	}
	return []Field{
		{Label: "受理时间", Value: c.dt(&m.ReceivedAt)},
		{Label: "客诉来源", Value: complaint.Channels.Label(m.Channel, "zh")},
		{Label: "严重等级", Value: complaint.Severities.Label(m.Severity, "zh") + map[bool]string{true: "（涉及安全）"}[m.Safety]},
		{Label: "投诉类别", Value: c.Category},
		{Label: "客户", Value: customerName},
		{Label: "客户类别", Value: customer.Classes.Label(m.CustomerClass, "zh")},
		{Label: "投诉人", Value: m.Complainant.Name},
		{Label: "联系电话", Value: m.Complainant.Phone},
		{Label: "产品", Value: strings.TrimSpace(m.ProductName + " " + m.Model)},
		{Label: "批号", Value: m.BatchNo},
		{Label: "订单号", Value: m.OrderNo},
		{Label: "不良/发货数", Value: qty},
		{Label: "投诉主题", Value: m.Subject, Wide: true},
		{Label: "投诉内容", Value: m.Description + fmt.Sprintf("\n（图片附件 %d 张）", m.AttachmentCount), Wide: true},
		{Label: "客户诉求", Value: strings.Join(requests, "、"), Wide: true},
	}
}

// decision is the investigation and decision part.
func (c *Case) decision() []Field {
	r := c.Record
	if r == nil {
		return nil
	}
	est := ""
	if r.Established != nil {
		est = map[bool]string{true: "成立", false: "不成立"}[*r.Established]
	}
	resp := casework.Responsibilities.Label(r.Responsibility, "zh")
	if r.ResponsibilityNote != "" {
		resp = strings.TrimSpace(resp + " — " + r.ResponsibilityNote)
	}
	return []Field{
		{Label: "投诉是否成立", Value: est},
		{Label: "有效性", Value: casework.Validities.Label(r.Validity, "zh")},
		{Label: "责任判定", Value: resp, Wide: true},
		{Label: "原因分析", Value: r.RootCause, Wide: true},
	}
}

func (c *Case) resolution() []Field {
	r := c.Record
	if r == nil {
		return nil
	}
	return []Field{
		{Label: "处理方式", Value: casework.Resolutions.Label(r.Resolution, "zh")},
		{Label: "金额", Value: money(r.Amount, r.Currency)},
		{Label: "是否已执行", Value: yesNo(r.ResolutionExecuted)},
		{Label: "结案时间", Value: c.dt(r.ClosedAt)},
	}
}

func (c *Case) capaTable(kinds ...string) *Table {
	t := &Table{Head: []string{"类型", "措施", "负责", "期限", "状态 / 验证"}, Widths: []float64{1.2, 4, 1.8, 1.4, 2}}
	for _, a := range c.CAPA {
		if len(kinds) > 0 && !contains(kinds, a.Kind) {
			continue
		}
		owner := ""
		if c.Owner != nil {
			owner = c.Owner(a)
		}
		st := map[string]string{"open": "进行中", "done": "已完成"}[a.Status]
		if st == "" {
			st = a.Status
		}
		if a.Verification != "" {
			st += " / " + casework.CAPAVerifications.Label(a.Verification, "zh")
		}
		t.Rows = append(t.Rows, []string{casework.CAPAKinds.Label(a.Kind, "zh"), a.Description, owner, c.date(a.DueDate), st})
	}
	if len(t.Rows) == 0 {
		t.Rows = [][]string{{"—", "无", "", "", ""}}
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Case) approvalTable() *Table {
	t := &Table{Head: []string{"审批级别", "审批人", "意见", "金额", "时间"}, Widths: []float64{1.5, 1.5, 3.5, 1.5, 2}}
	for _, a := range c.Approvals {
		who := a.Approver
		if who == "" {
			who = c.name(&a.ApproverID)
		}
		op := map[string]string{"approved": "同意", "rejected": "驳回"}[a.Decision]
		if a.Comment != "" {
			op += "：" + a.Comment
		}
		t.Rows = append(t.Rows, []string{roleLabel(a.LevelRole), who, op, money(a.Amount, a.Currency), c.dt(&a.At)})
	}
	if len(t.Rows) == 0 {
		t.Rows = [][]string{{"—", "", "", "", ""}}
	}
	return t
}

// HandlingForm is the complaint handling form 客户投诉处理单: the complaint,
// the investigation and decision, the resolution, the approvals and the
// CAPA summary, printed once for each numbered copy.
func HandlingForm(c Case) Doc {
	m := c.Complaint
	d := Doc{Company: c.Company, Title: "客户投诉处理单", Number: m.Number, Copies: HandlingCopies, Footer: c.footer()}
	d.Sections = append(d.Sections, Section{Heading: "一、投诉信息", Fields: c.problem()})
	d.Sections = append(d.Sections, Section{Heading: "二、受理与处理", Fields: []Field{
		{Label: "当前状态", Value: c.Status},
		{Label: "责任部门", Value: c.Department},
		{Label: "处理人", Value: c.Holder},
		{Label: "首接人", Value: m.FirstReceiver},
		{Label: "预计完成", Value: c.dt(&m.ExpectedBy)},
	}})
	if c.Record != nil {
		d.Sections = append(d.Sections,
			Section{Heading: "三、调查与判定", Fields: c.decision()},
			Section{Heading: "四、处理方案", Fields: c.resolution()},
			Section{Heading: "五、审批", Table: c.approvalTable()},
			Section{Heading: "六、纠正与预防措施（CAPA）", Table: c.capaTable()})
	}
	d.Sections = append(d.Sections, Section{Heading: "签收", Signatures: []string{"经办人", "部门负责人", "签收部门"}})
	return d
}

// Report8D is the 8D report: D1 team to D8 closure.
func Report8D(c Case) Doc {
	m := c.Complaint
	d := Doc{Company: c.Company, Title: "8D 报告", Number: m.Number, Footer: c.footer()}
	var team [][]string
	seen := map[string]bool{}
	add := func(name, role string) {
		if name == "" || seen[name+role] {
			return
		}
		seen[name+role] = true
		team = append(team, []string{role, name})
	}
	add(c.Holder, "处理人")
	if c.Record != nil {
		add(c.name(c.Record.BackupID), "代理人")
	}
	for _, a := range c.CAPA {
		if c.Owner != nil {
			add(c.Owner(a), "措施负责人")
		}
	}
	for _, a := range c.Approvals {
		if a.Decision == "approved" {
			who := a.Approver
			if who == "" {
				who = c.name(&a.ApproverID)
			}
			add(who, "审批人")
		}
	}
	if len(team) == 0 {
		team = [][]string{{"—", ""}}
	}
	d.Sections = append(d.Sections,
		Section{Heading: "D1 成立小组", Table: &Table{Head: []string{"角色", "姓名"}, Widths: []float64{1, 3}, Rows: team}},
		Section{Heading: "D2 问题描述", Fields: c.problem()},
		Section{Heading: "D3 临时围堵措施", Table: c.capaTable("containment")})
	if r := c.Record; r != nil {
		d.Sections = append(d.Sections,
			Section{Heading: "D4 根本原因分析", Fields: c.decision()},
			Section{Heading: "D5 永久纠正措施", Table: c.capaTable("corrective"), Fields: c.resolution()[:2]},
			Section{Heading: "D6 实施与效果验证", Table: c.capaTable()},
			Section{Heading: "D7 预防再发与标准化", Table: c.capaTable("preventive")},
			Section{Heading: "D8 结案与祝贺小组", Fields: []Field{{Label: "结案时间", Value: c.dt(r.ClosedAt)}, {Label: "当前状态", Value: c.Status}},
				Table: c.approvalTable(), Signatures: []string{"编制", "审核", "批准"}})
	}
	return d
}

// Letter is the acknowledgement letter 受理函 as a form, from the same
// text as the email.
func Letter(l *letter.Letter, number, company string) Doc {
	return Doc{Company: company, Title: "受理函", Number: number, Sections: []Section{{Text: strings.TrimSpace(l.Text)}}}
}

// roleLabel names an approval level's role in Chinese.
func roleLabel(role string) string { return org.Roles.Label(role, "zh") }
