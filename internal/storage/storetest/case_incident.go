package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/customer"
	"kesu/internal/incident"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/workflow"
)

// Contract tests of the incident stores: batch incidents, complaint links
// and the dealer ledger.

func actorOf(u *org.User) casework.Actor {
	return casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username}}
}

const day = 24 * time.Hour

func testCaseBatchIncident(t *testing.T, e *env) {
	rs := e.db.Registers()
	p := &product.Product{Code: "RO-500", Name: "净水器 RO-500"}
	if err := rs.CreateProduct(e.ctx, p, audit.System); err != nil {
		t.Fatal(err)
	}
	b := &product.Batch{ProductID: p.ID, LotNo: "L20261101"}
	if err := rs.CreateBatch(e.ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	var managers []int64
	for _, code := range incident.NotifyDepartments {
		u := e.user(t, "mgr."+code, org.RoleManager, e.dept(t, code))
		if _, err := e.db.W.ExecContext(e.ctx, e.db.Dialect.Rebind("UPDATE departments SET manager_id = ? WHERE code = ?"), u.ID, code); err != nil {
			t.Fatal(err)
		}
		managers = append(managers, u.ID)
	}
	slices.Sort(managers)
	qa := e.user(t, "qa.eng", org.RoleQAEngineer, e.dept(t, "qa"))
	agent := e.user(t, "agent", org.RoleAgent, 0)

	var told [][]int64
	svc := &incident.Service{Store: e.db.Incidents(), Batches: rs, Rule: incident.BatchRule{Threshold: 3, Window: 30 * day}, Now: e.clock.Now,
		Notify: func(_ context.Context, _ *incident.Incident, to []int64) { told = append(told, to) }}
	complain := func(at time.Time, category string) int64 {
		t.Helper()
		e.clock.Set(at)
		c := NewComplaint("批次 " + category)
		c.Category, c.BatchNo, c.ProductID = category, b.LotNo, &p.ID
		return e.create(t, c).ID
	}
	check := func(id int64) (*incident.Incident, bool) {
		t.Helper()
		inc, raised, err := svc.Check(e.ctx, id, audit.System)
		if err != nil {
			t.Fatalf("check %d: %v", id, err)
		}
		return inc, raised
	}
	for _, id := range []int64{
		complain(Start.Add(-40*day), "quality.leak"), // outside the window
		complain(Start.Add(-20*day), "service"),      // not quality
		complain(Start.Add(-10*day), "quality.leak"),
		complain(Start.Add(-5*day), "quality.function"),
	} {
		if inc, _ := check(id); inc != nil {
			t.Fatalf("incident before the third quality complaint in the window: %+v", inc)
		}
	}
	third := complain(Start, "quality.appearance")
	inc, raised := check(third)
	if !raised || inc == nil || inc.ID == 0 || inc.ComplaintCount != 3 || inc.UnitCount != 3 || inc.BatchNo != b.LotNo || inc.BatchID == nil || *inc.BatchID != b.ID ||
		inc.ProductID == nil || *inc.ProductID != p.ID || inc.TriggerComplaintID != third || inc.Status != incident.StatusOpen {
		t.Fatalf("raised %v incident %+v", raised, inc)
	}
	if len(told) != 1 || !slices.Equal(told[0], managers) {
		t.Errorf("notified %v, want the managers %v", told, managers)
	}
	got, err := e.db.Incidents().Incident(e.ctx, inc.ID)
	if err != nil || !slices.Equal(got.Recipients, managers) || !got.OpenedAt.Equal(Start) || got.Quarantined || got.Version != 1 {
		t.Fatalf("stored incident %+v %v", got, err)
	}
	if k := e.kinds(t, third); !slices.Contains(k, "batch_incident") {
		t.Errorf("triggering complaint's timeline %v", k)
	}
	if a := e.auditActions(t, "complaint:"+itoa(third)); !slices.Contains(a, "incident.raise") {
		t.Errorf("audit %v", a)
	}

	// Idempotent: later complaints and repeated checks join the open
	// incident, which keeps the count that raised it.
	fourth := complain(Start.Add(time.Hour), "quality.leak")
	again, raised := check(fourth)
	if raised || again.ID != inc.ID || again.ComplaintCount != 3 {
		t.Errorf("fourth complaint: raised %v %+v", raised, again)
	}
	if again, raised := check(third); raised || again.ID != inc.ID || again.ComplaintCount != 3 {
		t.Errorf("checking the third again: raised %v %+v", raised, again)
	}
	if n := e.count(t, "batch_incidents"); n != 1 || len(told) != 1 {
		t.Errorf("%d incidents, %d notifications", n, len(told))
	}
	if open, err := e.db.Incidents().OpenIncident(e.ctx, b.LotNo); err != nil || open.ID != inc.ID {
		t.Errorf("open incident %+v %v", open, err)
	}
	if _, err := e.db.Incidents().OpenIncident(e.ctx, "NONE"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("no incident: %v", err)
	}

	wantCode(t, func() error { _, err := svc.Quarantine(e.ctx, inc.ID, actorOf(agent)); return err }(), apperr.Forbidden)
	q, err := svc.Quarantine(e.ctx, inc.ID, actorOf(qa))
	if err != nil || !q.Quarantined || q.QuarantinedBy == nil || *q.QuarantinedBy != qa.ID {
		t.Fatalf("quarantine %+v %v", q, err)
	}
	if bb, _ := rs.GetBatch(e.ctx, b.ID); bb.Status != product.BatchQuarantined {
		t.Errorf("batch status %s", bb.Status)
	}
	if _, err := svc.Quarantine(e.ctx, inc.ID, actorOf(qa)); err != nil {
		t.Errorf("quarantining twice: %v", err)
	}
	if got, _ := e.db.Incidents().Incident(e.ctx, inc.ID); !got.Quarantined || got.QuarantinedAt == nil {
		t.Errorf("stored after quarantine %+v", got)
	}
	if a := e.auditActions(t, "batch_incident:"+itoa(inc.ID)); !slices.Equal(a, []string{"incident.quarantine"}) {
		t.Errorf("incident audit %v", a)
	}
	e.chainIntact(t)
}

// testCaseBatchUnits: 同一批产品中的5台以上 counts defective units, not
// complaints (004 §6.5).
func testCaseBatchUnits(t *testing.T, e *env) {
	rs := e.db.Registers()
	p := &product.Product{Code: "RO-600", Name: "净水器 RO-600"}
	if err := rs.CreateProduct(e.ctx, p, audit.System); err != nil {
		t.Fatal(err)
	}
	svc := &incident.Service{Store: e.db.Incidents(), Batches: rs, Now: e.clock.Now}
	complain := func(lot string, qty int64) int64 {
		t.Helper()
		e.clock.Set(e.clock.Now().Add(time.Hour))
		c := NewComplaint("批次 " + lot)
		c.Category, c.BatchNo, c.ProductID, c.QtyDefective = "quality.leak", lot, &p.ID, &qty
		id := e.create(t, c).ID
		return id
	}
	check := func(id int64) (*incident.Incident, bool) {
		t.Helper()
		inc, raised, err := svc.Check(e.ctx, id, audit.System)
		if err != nil {
			t.Fatalf("check %d: %v", id, err)
		}
		return inc, raised
	}
	e.clock.Set(Start)
	for i := 0; i < 4; i++ {
		if inc, raised := check(complain("L-ONES", 1)); inc != nil || raised {
			t.Fatalf("four complaints of one unit each raised %+v", inc)
		}
	}
	if inc, _ := check(complain("L-MANY", 3)); inc != nil {
		t.Fatalf("three units raised %+v", inc)
	}
	second := complain("L-MANY", 2)
	inc, raised := check(second)
	if !raised || inc == nil || inc.UnitCount != 5 || inc.ComplaintCount != 2 || inc.TriggerComplaintID != second {
		t.Fatalf("five units in two complaints: raised %v %+v", raised, inc)
	}
	if got, err := e.db.Incidents().Incident(e.ctx, inc.ID); err != nil || got.UnitCount != 5 || got.ComplaintCount != 2 {
		t.Fatalf("stored %+v %v", got, err)
	}
	if n := e.count(t, "batch_incidents"); n != 1 {
		t.Errorf("%d incidents, want only lot L-MANY's", n)
	}
}

func testCaseLinks(t *testing.T, e *env) {
	rs := e.db.Registers()
	p1, p2 := &product.Product{Code: "P1", Name: "滤芯"}, &product.Product{Code: "P2", Name: "龙头"}
	for _, p := range []*product.Product{p1, p2} {
		if err := rs.CreateProduct(e.ctx, p, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	cu := &customer.Customer{Name: "华东大客户", Class: customer.ClassKeyAccount}
	if err := rs.CreateCustomer(e.ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	cs := e.dept(t, "cs")
	agent := e.user(t, "agent", org.RoleAgent, cs)
	mk := func(at time.Time, subject string, cust *int64, phone string, prod *int64) int64 {
		t.Helper()
		e.clock.Set(at)
		c := NewComplaint(subject)
		c.CustomerID, c.ProductID, c.Complainant.Phone, c.DepartmentID = cust, prod, phone, &cs
		return e.create(t, c).ID
	}
	old := mk(Start.Add(-100*day), "太久以前", &cu.ID, "", &p1.ID)
	repeat := mk(Start.Add(-30*day), "上月同客户", &cu.ID, "", &p2.ID)
	first := mk(Start.Add(-2*day), "第一次", &cu.ID, "13900001111", &p1.ID)
	byPhone := mk(Start.Add(-1*day), "同号码", nil, "13900001111", &p1.ID)
	mk(Start.Add(-1*day), "无关", nil, "13700000000", &p1.ID)
	dup := mk(Start, "第二次", &cu.ID, "13900001111", &p1.ID)

	cases, err := casework.NewService(e.db.Cases(), workflow.ProfileManufacturer, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := cases.Definitions.Latest(workflow.ProfileManufacturer)
	def := latest.Definition
	links := &incident.Links{Store: e.db.Incidents(), Cases: cases, Now: e.clock.Now,
		Open: func(s string) bool { st, ok := def.State(s); return ok && st.Open }}
	sug, err := links.Suggest(e.ctx, dup)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sug {
		got = append(got, s.Kind+":"+itoa(s.ID))
	}
	want := []string{"duplicate:" + itoa(byPhone), "duplicate:" + itoa(first), "repeat:" + itoa(repeat)}
	if !slices.Equal(got, want) {
		t.Fatalf("suggestions %v, want %v (the 100-day-old one and the stranger left out)", got, want)
	}
	_ = old

	if _, err := links.Link(e.ctx, dup, repeat, incident.LinkRepeat, actorOf(agent)); err != nil {
		t.Fatal(err)
	}
	if _, err := links.Link(e.ctx, dup, repeat, incident.LinkRepeat, actorOf(agent)); err != nil {
		t.Fatalf("linking twice: %v", err)
	}
	wantField(t, func() error { _, err := links.Link(e.ctx, dup, dup, incident.LinkRepeat, actorOf(agent)); return err }(), apperr.Invalid, "to_id", "self_reference")
	wantCode(t, func() error {
		_, err := links.Link(e.ctx, dup, 999999, incident.LinkRepeat, actorOf(agent))
		return err
	}(), apperr.Invalid)

	if k := e.kinds(t, dup); k[len(k)-1] != "linked" || (len(k) > 1 && k[len(k)-2] == "linked") {
		t.Errorf("linking twice wrote twice: %v", k)
	}
	before, survivor := e.kinds(t, dup), e.kinds(t, first)
	r, err := links.Merge(e.ctx, dup, first, 0, actorOf(agent))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "merged" || r.MergedInto == nil || *r.MergedInto != first {
		t.Fatalf("merged record %+v", r)
	}
	if k := e.kinds(t, dup); len(k) != len(before)+1 || !slices.Equal(k[:len(before)], before) || k[len(k)-1] != "transition" {
		t.Errorf("duplicate's timeline %v (was %v)", k, before)
	}
	if k := e.kinds(t, first); !slices.Equal(k, survivor) {
		t.Errorf("the survivor changed: timeline %v (was %v)", k, survivor)
	}
	ls, err := e.db.Incidents().Links(e.ctx, dup)
	if err != nil || len(ls) != 2 || ls[0].Kind != incident.LinkRepeat || ls[1].Kind != incident.LinkMerged || ls[1].ToID != first ||
		ls[1].ByUserID == nil || *ls[1].ByUserID != agent.ID {
		t.Fatalf("links %+v %v", ls, err)
	}
	if n := incident.RepeatCount(ls); n != 1 {
		t.Errorf("repeat count %d", n)
	}
	if ls, _ := e.db.Incidents().Links(e.ctx, first); len(ls) != 1 || ls[0].FromID != dup {
		t.Errorf("survivor's links %+v", ls)
	}
	if _, err := links.Merge(e.ctx, dup, first, 0, actorOf(agent)); err == nil {
		t.Error("merging a merged complaint again succeeded")
	}
	if _, err := links.Merge(e.ctx, byPhone, dup, 0, actorOf(agent)); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("merging into a merged complaint: %v", err)
	}
	// A merged complaint is no longer suggested.
	sug, _ = links.Suggest(e.ctx, byPhone)
	for _, s := range sug {
		if s.ID == dup {
			t.Errorf("merged complaint suggested: %+v", s)
		}
	}
	e.chainIntact(t)
}

func testCaseDealerLedger(t *testing.T, e *env) {
	rs := e.db.Registers()
	dealer := &customer.Customer{Name: "杭州经销商", Class: customer.ClassDealer}
	walkIn := &customer.Customer{Name: "散户", Class: customer.ClassWalkIn}
	for _, c := range []*customer.Customer{dealer, walkIn} {
		if err := rs.CreateCustomer(e.ctx, c, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	c := e.create(t, NewComplaint("补发配件"))
	agent, mgr := actorOf(e.user(t, "agent", org.RoleAgent, 0)), actorOf(e.user(t, "account.mgr", org.RoleManager, 0))
	fin := actorOf(e.user(t, "finance", org.RoleFinance, 0))
	l := &incident.Ledger{Store: e.db.Incidents(), Now: e.clock.Now}
	// Purchases and payments raise what the allowance covers: finance
	// books them, not the desk or the account manager.
	for _, who := range []casework.Actor{agent, mgr} {
		wantCode(t, func() error { _, err := l.RecordPurchase(e.ctx, dealer.ID, 100_00, "", who); return err }(), apperr.Forbidden)
		wantCode(t, func() error { _, err := l.RecordPayment(e.ctx, dealer.ID, 100_00, "", who); return err }(), apperr.Forbidden)
	}

	wantField(t, func() error { _, err := l.RecordPurchase(e.ctx, walkIn.ID, 100_00, "", fin); return err }(), apperr.Invalid, "customer_id", "not_dealer")
	wantCode(t, func() error { _, err := l.RecordPurchase(e.ctx, 999999, 100_00, "", fin); return err }(), apperr.NotFound)
	entries, err := l.RecordPurchase(e.ctx, dealer.ID, 1_000_000_00, "2026 Q4 订货", fin)
	if err != nil || len(entries) != 2 || entries[1].Kind != incident.EntryAllowance || entries[1].Amount != 5_000_00 {
		t.Fatalf("purchase %+v %v", entries, err)
	}
	// A charge for a case is its part shipment's: the ledger refuses one
	// naming a complaint, and takes the dealer's own (no complaint).
	n := e.count(t, "dealer_ledger")
	wantField(t, func() error { _, err := l.Charge(e.ctx, dealer.ID, &c.ID, 3_000_00, "滤芯 x 20", agent); return err }(), apperr.Invalid,
		"complaint_number", incident.RulePartsOnCase)
	if e.count(t, "dealer_ledger") != n {
		t.Error("a refused charge was written")
	}
	if _, err := l.Charge(e.ctx, dealer.ID, nil, 3_000_00, "滤芯 x 20", agent); err != nil {
		t.Fatal(err)
	}
	n = e.count(t, "dealer_ledger")
	_, err = l.Charge(e.ctx, dealer.ID, nil, 3_000_00, "再补 20", agent)
	wantField(t, err, apperr.Conflict, "amount", incident.RuleAllowanceExhausted)
	if ae := err.(*apperr.Error); ae.Fields[0].Param != "200000" {
		t.Errorf("available in the refusal %q", ae.Fields[0].Param)
	}
	if e.count(t, "dealer_ledger") != n {
		t.Error("a refused charge was written")
	}
	wantCode(t, func() error { _, err := l.ApproveCredit(e.ctx, dealer.ID, &c.ID, 1_500_00, "", agent); return err }(), apperr.Forbidden)
	if _, err := l.ApproveCredit(e.ctx, dealer.ID, &c.ID, 1_500_00, "老客户，同意赊欠", mgr); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Charge(e.ctx, dealer.ID, nil, 3_000_00, "再补 20", agent); err != nil {
		t.Fatalf("charge within approved credit: %v", err)
	}
	if _, err := l.RecordPayment(e.ctx, dealer.ID, 1_000_00, "付款", fin); err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := l.Charge(e.ctx, dealer.ID, nil, 0, "", agent); return err }(), apperr.Invalid)
	wantField(t, func() error { _, err := l.ApproveCredit(e.ctx, dealer.ID, new(int64(999999)), 1, "", mgr); return err }(), apperr.Invalid, "complaint_id", "not_found")

	list, b, err := l.Account(e.ctx, dealer.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range list {
		kinds = append(kinds, x.Kind)
	}
	if !slices.Equal(kinds, []string{"purchase", "allowance", "charge", "credit_approval", "charge", "payment"}) {
		t.Errorf("entries %v", kinds)
	}
	if b.Amount() != 0 || b.Available() != 1_500_00 || b.Purchases != 1_000_000_00 {
		t.Errorf("balance %+v amount %d available %d", b, b.Amount(), b.Available())
	}
	if x := list[2]; x.ComplaintID != nil || x.Note != "滤芯 x 20" || x.ByUserID == nil || !x.At.Equal(Start) {
		t.Errorf("charge entry %+v", x)
	}
	if a := e.auditActions(t, "customer:"+itoa(dealer.ID)); !slices.Contains(a, "ledger.credit_approval") || !slices.Contains(a, "ledger.charge") {
		t.Errorf("audit %v", a)
	}
	e.chainIntact(t)
}
