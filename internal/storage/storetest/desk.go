package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
)

// deskEnv is a service desk over the engine, on the shipped calendar.
type deskEnv struct {
	*env
	svc *desk.Service
	cs  int64 // customer service department
}

func newDesk(t *testing.T, e *env) *deskEnv {
	eff, err := sla.NewEffective(sla.Config{Location: Zone}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &deskEnv{env: e, cs: e.dept(t, "cs"),
		svc: &desk.Service{Store: e.db.Desk(), Now: e.clock.Now, Loc: Zone, Calendar: func() *sla.Calendar { return eff.Calendar }}}
}

// shifts adds the early (08:00–16:00) and late (16:00–24:00) shifts.
func (d *deskEnv) shifts(t *testing.T, mgr desk.Actor) {
	for _, sh := range []desk.Shift{{Code: "early", Name: "早班", Start: "08:00", Minutes: 480}, {Code: "late", Name: "晚班", Start: "16:00", Minutes: 480}} {
		if err := d.svc.CreateShift(d.ctx, &sh, mgr); err != nil {
			t.Fatal(err)
		}
	}
}

// slot puts u on shift code of day and returns the slot's id.
func (d *deskEnv) slot(t *testing.T, mgr desk.Actor, u *org.User, day, code string, dutyManager bool) int64 {
	t.Helper()
	sl, err := d.svc.AddToRoster(d.ctx, d.cs, []desk.RosterEntry{{Day: day, Shift: code, UserID: u.ID, DutyManager: dutyManager}}, mgr)
	if err != nil {
		t.Fatalf("roster %s %s %s: %v", u.Username, day, code, err)
	}
	return sl[0].ID
}

func testDeskSwapRules(t *testing.T, e *env) {
	d := newDesk(t, e)
	e.clock.Set(time.Date(2026, 9, 1, 9, 0, 0, 0, Zone))
	mgrU := e.user(t, "desk.mgr", org.RoleManager, d.cs)
	mgr := actorOf(mgrU)
	users := map[string]*org.User{}
	for _, n := range []string{"a", "b", "c", "dd", "e", "f", "g", "h"} {
		users[n] = e.user(t, "agent."+n, org.RoleAgent, d.cs)
	}
	act := func(n string) desk.Actor { return actorOf(users[n]) }
	d.shifts(t, mgr)
	if err := d.svc.CreateShift(d.ctx, &desk.Shift{Code: "x", Name: "x", Start: "8:00", Minutes: 10}, mgr); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("a bad shift pattern: %v", err)
	}
	slot := func(n, day, code string) int64 { return d.slot(t, mgr, users[n], day, code, false) }

	// The swap 换班 and its pay-back 还班: both parties agree, the manager
	// approves, and both are recorded on the roster.
	a10, b12 := slot("a", "2026-09-10", "early"), slot("b", "2026-09-12", "early")
	sw, err := d.svc.RequestSwap(e.ctx, a10, b12, users["b"].ID, "家中有事", act("a"))
	if err != nil {
		t.Fatal(err)
	}
	if sw.Day != "2026-09-10" || sw.PaybackDay != "2026-09-12" || sw.Status != desk.SwapRequested {
		t.Fatalf("swap %+v", sw)
	}
	wantField(t, func() error { _, err := d.svc.AgreeSwap(e.ctx, sw.ID, act("c")); return err }(), apperr.Conflict, "user", desk.RuleSwapNotPartner)
	wantField(t, func() error { _, err := d.svc.DecideSwap(e.ctx, sw.ID, true, "", mgr); return err }(), apperr.Conflict, "status", desk.RuleSwapNotAgreed)
	if _, err := d.svc.AgreeSwap(e.ctx, sw.ID, act("b")); err != nil {
		t.Fatal(err)
	}
	wantField(t, func() error { _, err := d.svc.DecideSwap(e.ctx, sw.ID, true, "", act("dd")); return err }(), apperr.Conflict, "user", desk.RuleSwapNotManager)
	if sw, err = d.svc.DecideSwap(e.ctx, sw.ID, true, "同意", mgr); err != nil || sw.Status != desk.SwapApproved {
		t.Fatalf("approve %+v %v", sw, err)
	}
	for id, want := range map[int64]int64{a10: users["b"].ID, b12: users["a"].ID} {
		sl, err := e.db.Desk().Slot(e.ctx, id)
		if err != nil || sl.UserID != want || sl.SwapID == nil || *sl.SwapID != sw.ID {
			t.Fatalf("slot %d after the swap: %+v %v", id, sl, err)
		}
	}

	// A party to the swap never approves it.
	c24, m26 := slot("c", "2026-09-03", "early"), d.slot(t, mgr, mgrU, "2026-09-05", "early", false)
	own, err := d.svc.RequestSwap(e.ctx, c24, m26, mgrU.ID, "培训", act("c"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.AgreeSwap(e.ctx, own.ID, mgr); err != nil {
		t.Fatal(err)
	}
	wantField(t, func() error { _, err := d.svc.DecideSwap(e.ctx, own.ID, true, "", mgr); return err }(), apperr.Conflict, "user", desk.RuleSwapSelfApproval)

	// Two more swaps for a this month (September): 20/22 and 15/17.
	a20, c22 := slot("a", "2026-09-20", "early"), slot("c", "2026-09-22", "early")
	if _, err := d.svc.RequestSwap(e.ctx, a20, c22, users["c"].ID, "体检", act("a")); err != nil {
		t.Fatal(err)
	}
	a15, d17 := slot("a", "2026-09-15", "early"), slot("dd", "2026-09-17", "early")
	if _, err := d.svc.RequestSwap(e.ctx, a15, d17, users["dd"].ID, "搬家", act("a")); err != nil {
		t.Fatal(err)
	}

	swaps := func() int { return e.count(t, "desk_swaps") }
	before := swaps()
	refused := func(name string, slotID, backID, partner int64, by desk.Actor, code apperr.Code, field, rule string) {
		t.Helper()
		_, err := d.svc.RequestSwap(e.ctx, slotID, backID, partner, "有事", by)
		ae := wantCode(t, err, code)
		if ae == nil || len(ae.Fields) != 1 || ae.Fields[0].Field != field || ae.Fields[0].Rule != rule {
			t.Fatalf("%s: error %+v, want %s/%s", name, ae, field, rule)
		}
		if ae.Message == "" {
			t.Errorf("%s: the refusal has no message", name)
		}
		if swaps() != before {
			t.Fatalf("%s: a refused swap was written", name)
		}
	}
	// 每人每月换班不得超过3次: a's fourth swap of September.
	a28, d29 := slot("a", "2026-09-28", "early"), slot("dd", "2026-09-29", "late")
	refused("monthly limit", a28, d29, users["dd"].ID, act("a"), apperr.Conflict, "requester_id", desk.RuleSwapMonthlyLimit)
	// 不允许连续换班: b swapped on the 12th, so not on the 13th …
	b13, d30 := slot("b", "2026-09-13", "early"), slot("dd", "2026-09-30", "early")
	refused("back-to-back", b13, d30, users["dd"].ID, act("b"), apperr.Conflict, "requester_id", desk.RuleSwapConsecutive)
	// … and a shift that came by a swap is not swapped on.
	refused("swapped shift", a10, d30, users["dd"].ID, act("b"), apperr.Conflict, "slot_id", desk.RuleSwapConsecutive)
	// 换班者、还班者不允许连班: f works the early shift of the 6th and
	// would take e's late shift right after it.
	e6, f6, f8 := slot("e", "2026-09-06", "late"), slot("f", "2026-09-06", "early"), slot("f", "2026-09-08", "early")
	_ = f6
	refused("double shift", e6, f8, users["f"].ID, act("e"), apperr.Conflict, "slot_id", desk.RuleSwapDoubleShift)
	// 节假日当班人员不允许换班: 2 October is National Day.
	g2, h29 := slot("g", "2026-10-02", "early"), slot("h", "2026-09-29", "early")
	refused("holiday", g2, h29, users["h"].ID, act("g"), apperr.Conflict, "slot_id", desk.RuleSwapHoliday)
	// Only one's own shift is given away, and the pay-back is the partner's.
	refused("not yours", b13, h29, users["h"].ID, act("g"), apperr.Conflict, "slot_id", desk.RuleSwapNotYourShift)
	refused("pay-back not the partner's", g2, b13, users["h"].ID, act("g"), apperr.Conflict, "payback_slot_id", desk.RuleSwapNotYourShift)
	refused("same person", g2, h29, users["g"].ID, act("g"), apperr.Conflict, "partner_id", desk.RuleSwapSamePerson)
	// A shift that has begun is not swapped.
	h1 := slot("h", "2026-09-01", "early")
	g5 := slot("g", "2026-09-05", "early")
	refused("begun", g5, h1, users["h"].ID, act("g"), apperr.Conflict, "payback_slot_id", desk.RuleSwapPast)
	// The request needs a reason.
	_, err = d.svc.RequestSwap(e.ctx, g5, h29, users["h"].ID, " ", act("g"))
	wantField(t, err, apperr.Invalid, "reason", "required")
	if swaps() != before {
		t.Fatal("a swap without a reason was written")
	}
	// A refused swap does not count: the manager refuses own, c's count
	// drops back.
	if r, err := d.svc.DecideSwap(e.ctx, own.ID, false, "人手不足", actorOf(e.user(t, "desk.mgr2", org.RoleManager, d.cs))); err != nil || r.Status != desk.SwapRefused {
		t.Fatalf("refuse %+v %v", r, err)
	}
	list, err := d.svc.Swaps(e.ctx, "2026-09")
	if err != nil || len(list) != 4 {
		t.Fatalf("September swaps %d %v", len(list), err)
	}
}

func testDeskRosterBoard(t *testing.T, e *env) {
	d := newDesk(t, e)
	mgr := actorOf(e.user(t, "desk.mgr", org.RoleManager, d.cs))
	agent := e.user(t, "agent.a", org.RoleAgent, d.cs)
	lead := e.user(t, "lead.a", org.RoleHandler, d.cs)
	d.shifts(t, mgr)
	// Only a desk manager plans.
	_, err := d.svc.AddToRoster(e.ctx, d.cs, []desk.RosterEntry{{Day: "2026-11-25", Shift: "early", UserID: agent.ID}}, actorOf(agent))
	wantCode(t, err, apperr.Forbidden)
	_, err = d.svc.AddToRoster(e.ctx, d.cs, []desk.RosterEntry{{Day: "2026-11-25", Shift: "early", UserID: agent.ID}, {Day: "2026-13-01", Shift: "night", UserID: agent.ID}}, mgr)
	if ae := wantCode(t, err, apperr.Invalid); len(ae.Fields) != 2 || e.count(t, "desk_roster") != 0 {
		t.Fatalf("bad roster lines: %+v, %d written", ae, e.count(t, "desk_roster"))
	}
	d.slot(t, mgr, agent, "2026-11-25", "early", false)
	d.slot(t, mgr, lead, "2026-11-25", "early", true)
	d.slot(t, mgr, agent, "2026-11-26", "late", false)
	_, err = d.svc.AddToRoster(e.ctx, d.cs, []desk.RosterEntry{{Day: "2026-11-25", Shift: "early", UserID: agent.ID}}, mgr)
	wantCode(t, err, apperr.Conflict)

	b, err := d.svc.Board(e.ctx, d.cs) // 2026-11-25 10:00
	if err != nil || len(b.OnDuty) != 2 || len(b.DutyManagers) != 1 || b.DutyManagers[0].UserID != lead.ID || b.DutyManagers[0].UserName != "lead.a" {
		t.Fatalf("board %+v %v", b, err)
	}
	ids, err := d.svc.DutyManagers(e.ctx, e.dept(t, "qa"), e.clock.Now())
	if err != nil || len(ids) != 1 || ids[0] != lead.ID {
		t.Fatalf("duty managers for another team %v %v", ids, err)
	}
	e.clock.Set(time.Date(2026, 11, 25, 17, 0, 0, 0, Zone))
	if b, _ := d.svc.Board(e.ctx, 0); len(b.OnDuty) != 0 {
		t.Fatalf("after the early shift: %+v", b.OnDuty)
	}
	if ids, _ := d.svc.DutyManagers(e.ctx, d.cs, e.clock.Now()); len(ids) != 0 {
		t.Fatalf("no roster running, yet duty managers %v", ids)
	}
	month, err := d.svc.Month(e.ctx, d.cs, "2026-11")
	if err != nil || len(month) != 3 || month[0].Day != "2026-11-25" || month[2].ShiftCode != "late" {
		t.Fatalf("month %+v %v", month, err)
	}
	if err := d.svc.RemoveSlot(e.ctx, month[2].ID, mgr); err != nil {
		t.Fatal(err)
	}
}

func testDeskHandover(t *testing.T, e *env) {
	d := newDesk(t, e)
	out := e.user(t, "agent.out", org.RoleAgent, d.cs)
	in := e.user(t, "agent.in", org.RoleAgent, d.cs)
	c := e.create(t, NewComplaint("客户反复来电"))
	h := &desk.Handover{DepartmentID: d.cs, Equipment: "3 号座席耳机失灵，已报修", Issues: "张先生漏水投诉待回电", Staffing: "李娜与王芳换班",
		ComplaintIDs: []int64{c.ID}}
	if err := d.svc.WriteHandover(e.ctx, h, actorOf(out)); err != nil {
		t.Fatal(err)
	}
	js, err := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: desk.JobHandoverReminder})
	if err != nil || len(js) != 1 || !js[0].RunAt.Equal(e.clock.Now().Add(30*time.Minute)) {
		t.Fatalf("reminder jobs %+v %v", js, err)
	}
	bad := &desk.Handover{DepartmentID: d.cs, Issues: "x", ComplaintIDs: []int64{999999}}
	wantField(t, d.svc.WriteHandover(e.ctx, bad, actorOf(out)), apperr.Invalid, "complaint_ids", "not_found")
	wantField(t, d.svc.WriteHandover(e.ctx, &desk.Handover{DepartmentID: d.cs}, actorOf(out)), apperr.Invalid, "equipment", "required")
	wantField(t, func() error { _, err := d.svc.AckHandover(e.ctx, h.ID, actorOf(out)); return err }(), apperr.Conflict, "user", "handover_own")
	got, err := d.svc.AckHandover(e.ctx, h.ID, actorOf(in))
	if err != nil || got.AckBy == nil || *got.AckBy != in.ID || got.AckName != "agent.in" || len(got.ComplaintIDs) != 1 || got.ComplaintIDs[0] != c.ID {
		t.Fatalf("acknowledged %+v %v", got, err)
	}
	_, err = d.svc.AckHandover(e.ctx, h.ID, actorOf(in))
	wantField(t, err, apperr.Conflict, "status", "handover_acknowledged")
	hs, err := d.svc.Handovers(e.ctx, d.cs, 10)
	if err != nil || len(hs) != 1 || hs[0].FromName != "agent.out" {
		t.Fatalf("handovers %+v %v", hs, err)
	}
}

func testDeskKnowledgeBase(t *testing.T, e *env) {
	d := newDesk(t, e)
	mgr := actorOf(e.user(t, "desk.mgr", org.RoleManager, d.cs))
	agent := actorOf(e.user(t, "agent.a", org.RoleAgent, d.cs))
	leak := &desk.Entry{Category: "漏水", Title: "净水器接头漏水的处理", Body: "请先关闭进水阀，检查快接头是否插到位，再重新插紧。", Keywords: "渗水 滴水"}
	secret := &desk.Entry{Category: "技术资料", Title: "RO 膜脱盐率内控指标", Internal: true,
		Body: "内控指标：RO-400G 膜片出厂脱盐率不低于百分之九十七点五。配方与供应商资料不得外传。"}
	filter := &desk.Entry{Category: "滤芯", Title: "滤芯更换周期", Body: "ＰＰ棉滤芯建议每 6 个月更换一次。"}
	if err := d.svc.CreateEntry(e.ctx, leak, agent); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("an agent wrote the knowledge base: %v", err)
	}
	for _, en := range []*desk.Entry{leak, secret, filter} {
		if err := d.svc.CreateEntry(e.ctx, en, mgr); err != nil {
			t.Fatal(err)
		}
	}
	wantField(t, d.svc.CreateEntry(e.ctx, &desk.Entry{Category: "x", Body: "y"}, mgr), apperr.Invalid, "title", "required")

	search := func(q string, publicOnly bool) []string {
		t.Helper()
		es, err := d.svc.Search(e.ctx, desk.KBQuery{Text: q, PublicOnly: publicOnly})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, en := range es {
			out = append(out, en.Title)
		}
		return out
	}
	for q, want := range map[string]int{"接头漏": 1, "漏水": 1, "滴水": 1, "pp棉": 1, "脱盐率": 1, "水器接头漏水": 1, "头漏水的处": 1, "漏接头": 0, "水": 1, "滤芯": 1} {
		if got := search(q, false); len(got) != want {
			t.Errorf("search %q found %v, want %d", q, got, want)
		}
	}
	if got := search("脱盐率", true); len(got) != 0 {
		t.Errorf("an internal entry among the canned replies: %v", got)
	}
	// Words too common for the index to narrow: the walk in the order of
	// use finds the same.
	e.db.KBNarrow = 1
	for q, want := range map[string]int{"接头漏": 1, "水": 1, "漏接头": 0, "内控 脱盐率": 1, "脱盐率 外传": 1} {
		if got := search(q, false); len(got) != want {
			t.Errorf("walking, search %q found %v, want %d", q, got, want)
		}
	}
	e.db.KBNarrow = 0

	// Versions: an edit is a new version; one over a newer version is refused.
	edit := *leak
	edit.Body = "请先关闭进水阀，再检查快接头。"
	if err := d.svc.UpdateEntry(e.ctx, &edit, "简化步骤", mgr); err != nil || edit.Version != 2 {
		t.Fatalf("update %v, version %d", err, edit.Version)
	}
	stale := *leak
	err := d.svc.UpdateEntry(e.ctx, &stale, "", mgr)
	wantField(t, err, apperr.Conflict, "version", "stale")
	vs, err := d.svc.EntryVersions(e.ctx, leak.ID)
	if err != nil || len(vs) != 2 || vs[0].Body != leak.Body || vs[1].Note != "简化步骤" {
		t.Fatalf("versions %+v %v", vs, err)
	}
	if got := search("插紧", false); len(got) != 0 {
		t.Errorf("the old version's text is still found: %v", got)
	}

	// Canned replies are counted; an internal entry is never one.
	c := e.create(t, NewComplaint("接头漏水"))
	for range 2 {
		if _, err := d.svc.UseEntry(e.ctx, leak.ID, &c.ID, nil, agent); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := d.svc.Entry(e.ctx, leak.ID); got.Uses != 2 {
		t.Errorf("uses %d, want 2", got.Uses)
	}
	_, err = d.svc.UseEntry(e.ctx, secret.ID, &c.ID, nil, agent)
	wantField(t, err, apperr.Forbidden, "body", desk.RuleInternal)

	// Outgoing text quoting an internal entry is refused, the rest passes.
	wantField(t, d.svc.CheckOutgoing(e.ctx, "您好，RO-400G 膜片出厂脱盐率不低于百分之九十七点五，请放心。"), apperr.Forbidden, "body", desk.RuleInternal)
	wantField(t, d.svc.CheckOutgoing(e.ctx, "配方与供应商资料不得外传"), apperr.Forbidden, "body", desk.RuleInternal)
	if err := d.svc.CheckOutgoing(e.ctx, edit.Body+" 脱盐率合格。"); err != nil {
		t.Errorf("a public answer was refused: %v", err)
	}
	// Unmarking an entry releases its text.
	sec := *secret
	sec.Internal = false
	if err := d.svc.UpdateEntry(e.ctx, &sec, "公开", mgr); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.CheckOutgoing(e.ctx, "配方与供应商资料不得外传"); err != nil {
		t.Errorf("no longer internal, still refused: %v", err)
	}
}

func testDeskContacts(t *testing.T, e *env) {
	d := newDesk(t, e)
	mgr := actorOf(e.user(t, "desk.mgr", org.RoleManager, d.cs))
	agent := actorOf(e.user(t, "agent.a", org.RoleAgent, d.cs))
	secret := &desk.Entry{Category: "技术资料", Title: "电机参数", Body: "增压泵电机内部绕组参数为机密资料。", Internal: true}
	answer := &desk.Entry{Category: "价格", Title: "价格咨询", Body: "价格请咨询销售部，电话 0571-8888-0000。"}
	for _, en := range []*desk.Entry{secret, answer} {
		if err := d.svc.CreateEntry(e.ctx, en, mgr); err != nil {
			t.Fatal(err)
		}
	}
	deps := desk.ContactDeps{
		Department: e.db.Cases().DepartmentByCode,
		Intake: func(ctx context.Context, c *complaint.Complaint, actor audit.Actor) error {
			_, err := e.svc.Create(ctx, c, complaint.CreateOptions{Actor: actor})
			return err
		},
	}
	price := &desk.Contact{Kind: desk.ContactPrice, Channel: "phone", Name: "周先生", Phone: "13800138000", Subject: "RO-600 报价", Question: "RO-600 批量采购价格？"}
	if err := d.svc.LogContact(e.ctx, deps, price, agent); err != nil {
		t.Fatal(err)
	}
	if price.DepartmentID == nil || *price.DepartmentID != e.dept(t, "sales") {
		t.Fatalf("a price question routed to %v, want sales", price.DepartmentID)
	}
	n := e.count(t, "contacts")
	wantField(t, d.svc.LogContact(e.ctx, deps, &desk.Contact{Kind: "gossip", Channel: "phone", Name: "x", Subject: "x", Question: "x"}, agent),
		apperr.Invalid, "kind", "invalid_value")
	if e.count(t, "contacts") != n {
		t.Fatal("a bad contact was written")
	}
	_, err := d.svc.AnswerContact(e.ctx, deps, price.ID, "", secret.ID, agent)
	wantField(t, err, apperr.Forbidden, "body", desk.RuleInternal)
	_, err = d.svc.AnswerContact(e.ctx, deps, price.ID, "绕组参数：增压泵电机内部绕组参数为机密资料", 0, agent)
	wantField(t, err, apperr.Forbidden, "body", desk.RuleInternal)
	got, err := d.svc.AnswerContact(e.ctx, deps, price.ID, "", answer.ID, agent)
	if err != nil || got.Status != desk.ContactAnswered || got.Answer != answer.Body {
		t.Fatalf("answered %+v %v", got, err)
	}
	if en, _ := d.svc.Entry(e.ctx, answer.ID); en.Uses != 1 {
		t.Errorf("the answer's entry used %d times", en.Uses)
	}

	enq := &desk.Contact{Kind: desk.ContactEnquiry, Channel: "phone", Name: "吴女士", Subject: "净水器出水慢", Question: "出水越来越慢，是不是坏了？"}
	if err := d.svc.LogContact(e.ctx, deps, enq, agent); err != nil {
		t.Fatal(err)
	}
	if enq.DepartmentID == nil || *enq.DepartmentID != d.cs {
		t.Fatalf("an enquiry routed to %v, want customer service", enq.DepartmentID)
	}
	c, cm, err := d.svc.ConvertContact(e.ctx, deps, enq.ID, agent)
	if err != nil || c.Status != desk.ContactConverted || c.ComplaintID == nil || cm.Number == "" {
		t.Fatalf("convert %+v %+v %v", c, cm, err)
	}
	stored, err := e.db.Complaints().Get(e.ctx, *c.ComplaintID)
	if err != nil || stored.Subject != "净水器出水慢" || !strings.Contains(stored.Description, "出水越来越慢") || !strings.Contains(stored.Description, "routed") {
		t.Fatalf("the complaint from the contact %+v %v", stored, err)
	}
	_, _, err = d.svc.ConvertContact(e.ctx, deps, enq.ID, agent)
	wantField(t, err, apperr.Conflict, "status", "contact_finished")
	evs, err := d.svc.ContactEvents(e.ctx, enq.ID)
	if err != nil || len(evs) != 3 || evs[2].Kind != "converted" || evs[2].Body != cm.Number {
		t.Fatalf("history %+v %v", evs, err)
	}
	st, err := d.svc.ContactStats(e.ctx, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
	if err != nil || st.Total != 2 || st.ByKind[desk.ContactPrice] != 1 || st.Converted != 1 || st.ByStatus[desk.ContactAnswered] != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	list, err := d.svc.Contacts(e.ctx, desk.ContactFilter{Kind: desk.ContactPrice})
	if err != nil || len(list) != 1 || list[0].ID != price.ID {
		t.Fatalf("price contacts %+v %v", list, err)
	}
}
