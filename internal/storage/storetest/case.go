package storetest

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/workflow"
)

// Contract tests of casework.Store (sqlstore.CaseStore).

// openStates are the manufacturer profile's open states.
var openStates = func() []string {
	d, err := workflow.LoadProfile(workflow.ProfileManufacturer)
	if err != nil {
		panic(err)
	}
	return d.OpenStates()
}()

// user creates a staff user, in department dept when not zero.
func (e *env) user(t *testing.T, username, role string, dept int64) *org.User {
	t.Helper()
	u := &org.User{Username: username, Name: username, Role: role}
	if dept != 0 {
		u.DepartmentID = &dept
	}
	if err := e.db.Registers().CreateUser(e.ctx, u, "", audit.System); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

func (e *env) dept(t *testing.T, code string) int64 {
	t.Helper()
	id, err := e.db.Cases().DepartmentByCode(e.ctx, code)
	if err != nil {
		t.Fatalf("department %s: %v", code, err)
	}
	return id
}

func (e *env) load(t *testing.T, id int64) *casework.Record {
	t.Helper()
	r, err := e.db.Cases().Load(e.ctx, id)
	if err != nil {
		t.Fatalf("load case %d: %v", id, err)
	}
	return r
}

// save writes r with a plain transition event.
func (e *env) save(t *testing.T, r *casework.Record, w casework.Write) {
	t.Helper()
	if w.Action == "" {
		w.Action = "workflow.test"
		w.Event = complaint.Event{Kind: "transition", Data: map[string]any{"to": r.Status}}
	}
	if err := e.db.Cases().Save(e.ctx, r, w, audit.System); err != nil {
		t.Fatalf("save case %d: %v", r.ComplaintID, err)
	}
}

// caseCounts snapshots the tables a case write touches.
func (e *env) caseCounts(t *testing.T) map[string]int {
	m := map[string]int{}
	for _, tb := range []string{"complaint_events", "audit_log", "approvals", "follow_ups", "capa_actions", "complaint_responsible",
		"complaint_parties"} {
		m[tb] = e.count(t, tb)
	}
	return m
}

func (e *env) sameCounts(t *testing.T, before map[string]int) {
	t.Helper()
	after := e.caseCounts(t)
	for tb, n := range before {
		if after[tb] != n {
			t.Errorf("%s: %d rows before, %d after; the refused call wrote", tb, n, after[tb])
		}
	}
}

func (e *env) chainIntact(t *testing.T) {
	t.Helper()
	bad, checked, err := e.db.Audit().Verify(e.ctx)
	if err != nil || bad != 0 || checked != int64(e.count(t, "audit_log")) {
		t.Fatalf("audit chain: bad=%d checked=%d err=%v", bad, checked, err)
	}
}

func (e *env) kinds(t *testing.T, id int64) []string {
	t.Helper()
	evs, err := e.db.Complaints().Timeline(e.ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

func (e *env) auditActions(t *testing.T, object string) []string {
	t.Helper()
	rows, err := e.db.W.QueryContext(e.ctx, e.db.Dialect.Rebind("SELECT action FROM audit_log WHERE object = ? ORDER BY id"), object)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func testCaseRoundTrip(t *testing.T, e *env) {
	qa := e.dept(t, "qa")
	holder, backup := e.user(t, "holder", org.RoleQAEngineer, qa), e.user(t, "backup", org.RoleQAEngineer, qa)
	other := e.create(t, NewComplaint("另一件"))
	c := NewComplaint("净水器漏水")
	c.Category = "quality.leak"
	e.create(t, c)

	r := e.load(t, c.ID)
	if r.ComplaintID != c.ID || r.Number != c.Number || r.Status != complaint.StatusRegistered || r.Profile != workflow.ProfileManufacturer ||
		!r.Quality || r.Currency != "CNY" || r.Established != nil || r.HolderID != nil || len(r.Parties) != 0 || len(r.Approvers) != 0 {
		t.Fatalf("fresh case %+v", r)
	}
	v0 := r.Version
	reminder := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	closed := time.Date(2026, 11, 26, 3, 4, 5, 123456000, time.UTC)
	r.Status, r.PreviousStatus, r.Level, r.DepartmentID = "waiting_on_customer", "investigating", 2, &qa
	r.Established, r.Validity, r.Malicious = new(true), workflow.ValidityValid, true
	r.Responsibility, r.ResponsibilityNote, r.RootCause = workflow.RespInternal, "装配工序漏检", "密封圈压装不到位"
	r.Resolution, r.Amount, r.Currency, r.ResolutionExecuted = "refund", 128050, "USD", true
	r.FollowUpsDone, r.LastSatisfaction, r.ApprovalRound, r.Reopens = 1, 4, 3, 1
	r.HolderID, r.BackupID, r.MergedInto = &holder.ID, &backup.ID, &other.ID
	r.ReminderDate, r.ClosedAt = &reminder, &closed
	e.save(t, r, casework.Write{})
	if r.Version != v0+1 {
		t.Errorf("version after save %d, want %d", r.Version, v0+1)
	}
	got := e.load(t, c.ID)
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}

	// false and nil are kept apart.
	got.Established = new(false)
	e.save(t, got, casework.Write{})
	if g := e.load(t, c.ID); g.Established == nil || *g.Established {
		t.Errorf("established false came back as %v", g.Established)
	}
	got.Established, got.HolderID, got.BackupID, got.MergedInto, got.ReminderDate, got.ClosedAt, got.DepartmentID = nil, nil, nil, nil, nil, nil, nil
	e.save(t, got, casework.Write{})
	if g := e.load(t, c.ID); !reflect.DeepEqual(g, got) {
		t.Errorf("cleared fields:\n got %+v\nwant %+v", g, got)
	}
	if _, err := e.db.Cases().Load(e.ctx, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("missing case: %v", err)
	}
	if k := e.kinds(t, c.ID); len(k) != 4 || k[1] != "transition" {
		t.Errorf("timeline kinds %v, want created and three transitions", k)
	}
	if a := e.auditActions(t, "complaint:"+itoa(c.ID)); len(a) != 4 || a[3] != "workflow.test" {
		t.Errorf("audit actions %v", a)
	}
	e.chainIntact(t)
}

func testCaseVersionConflict(t *testing.T, e *env) {
	u := e.user(t, "signer", org.RoleManager, 0)
	c := e.create(t, NewComplaint("版本冲突"))
	r := e.load(t, c.ID)
	stale := *r
	r.Status = "accepted"
	e.save(t, r, casework.Write{})

	before := e.caseCounts(t)
	stale.Status = "withdrawn"
	err := e.db.Cases().Save(e.ctx, &stale, casework.Write{Action: "workflow.test", Event: complaint.Event{Kind: "transition"},
		Approvals: []casework.Approval{{ComplaintID: c.ID, ApproverID: u.ID, Decision: "approved", LevelRole: org.RoleManager, Currency: "CNY"}},
		CAPA:      &casework.CAPAAction{ComplaintID: c.ID, Kind: "corrective", Description: "x", OwnerUserID: &u.ID, Status: "open"},
		Parties:   []int64{u.ID}, Attachment: &complaint.Attachment{ComplaintID: c.ID, Name: "a.txt", ContentType: "text/plain", SHA256: "00", Kind: "file"},
		Link: &casework.Link{ToID: c.ID, Kind: "repeat"}, SurveyTokenHash: "deadbeef",
		FollowUp:    &casework.FollowUp{ComplaintID: c.ID, Method: "phone"},
		Responsible: []casework.Responsible{{UserID: &u.ID, Share: 100}}, ResetVerification: true}, audit.System)
	wantField(t, err, apperr.Conflict, "version", "stale")
	e.sameCounts(t, before)
	if stale.Version != r.Version-1 {
		t.Errorf("a refused save moved the caller's version to %d", stale.Version)
	}
	if g := e.load(t, c.ID); g.Status != "accepted" || g.Version != r.Version {
		t.Errorf("after a refused save: status %s version %d", g.Status, g.Version)
	}
	e.chainIntact(t)
}

func testCaseApprovalsFollowUps(t *testing.T, e *env) {
	mgr, dgm := e.user(t, "mgr", org.RoleManager, 0), e.user(t, "dgm", org.RoleDeputyGM, 0)
	c := e.create(t, NewComplaint("审批"))
	r := e.load(t, c.ID)
	r.Status, r.Amount = "approval", 500000
	sign := func(by *org.User, decision string, newRound bool) {
		t.Helper()
		w := casework.Write{Action: "workflow.approve", Event: complaint.Event{Kind: "transition"}, NewRound: newRound,
			Approvals: []casework.Approval{{ComplaintID: c.ID, Round: r.ApprovalRound, LevelRole: by.Role, ApproverID: by.ID,
				Decision: decision, Comment: "意见", Amount: r.Amount, Currency: r.Currency}}}
		if newRound {
			r.ApprovalRound++
		}
		e.save(t, r, w)
	}
	sign(mgr, "approved", false)
	if g := e.load(t, c.ID); !slices.Equal(g.Approvers, []int64{mgr.ID}) {
		t.Fatalf("approvers of round 0: %v", g.Approvers)
	}
	sign(dgm, "rejected", true)
	if g := e.load(t, c.ID); len(g.Approvers) != 0 || g.ApprovalRound != 1 {
		t.Fatalf("after a rejection: round %d approvers %v", g.ApprovalRound, g.Approvers)
	}
	sign(dgm, "approved", false)
	if g := e.load(t, c.ID); !slices.Equal(g.Approvers, []int64{dgm.ID}) {
		t.Fatalf("approvers of round 1: %v", g.Approvers)
	}
	as, err := e.db.Cases().Approvals(e.ctx, c.ID)
	if err != nil || len(as) != 3 {
		t.Fatalf("approvals %+v %v", as, err)
	}
	if a := as[1]; a.Round != 0 || a.Decision != "rejected" || a.Approver != "dgm" || a.Amount != 500000 || a.Currency != "CNY" ||
		a.LevelRole != org.RoleDeputyGM || a.Comment != "意见" || !a.At.Equal(Start) {
		t.Errorf("rejection %+v", a)
	}
	if as[2].Round != 1 || as[0].ApproverID != mgr.ID {
		t.Errorf("approvals %+v", as)
	}

	five, at := 5, Start.Add(time.Hour)
	e.save(t, r, casework.Write{Action: "workflow.follow_up", Event: complaint.Event{Kind: "transition"},
		FollowUp: &casework.FollowUp{ComplaintID: c.ID, Method: "visit", Satisfaction: &five, Comment: "满意", ByUserID: &mgr.ID, At: &at}})
	e.save(t, r, casework.Write{Action: "workflow.follow_up", Event: complaint.Event{Kind: "transition"},
		FollowUp: &casework.FollowUp{ComplaintID: c.ID, Method: "phone"}})
	fs, err := e.db.Cases().FollowUps(e.ctx, c.ID)
	if err != nil || len(fs) != 2 {
		t.Fatalf("follow-ups %+v %v", fs, err)
	}
	if f := fs[0]; f.Method != "visit" || f.Satisfaction == nil || *f.Satisfaction != 5 || f.Comment != "满意" || f.ByUserID == nil ||
		*f.ByUserID != mgr.ID || f.At == nil || !f.At.Equal(at) || !f.CreatedAt.Equal(Start) {
		t.Errorf("visit %+v", f)
	}
	if f := fs[1]; f.Satisfaction != nil || f.ByUserID != nil || f.At != nil {
		t.Errorf("bare visit %+v", f)
	}
	e.chainIntact(t)
}

func testCaseCAPA(t *testing.T, e *env) {
	qa := e.dept(t, "qa")
	owner := e.user(t, "owner", org.RoleQAEngineer, qa)
	sp := &product.Supplier{Code: "SUP-1", Name: "密封件厂"}
	if err := e.db.Registers().CreateSupplier(e.ctx, sp, audit.System); err != nil {
		t.Fatal(err)
	}
	c := e.create(t, NewComplaint("CAPA"))
	cs := e.db.Cases()
	r := e.load(t, c.ID)
	capa := func(a *casework.CAPAAction, event string) error {
		return cs.Save(e.ctx, r, casework.Write{Action: "capa.test", CAPA: a, Event: complaint.Event{Kind: event}}, audit.System)
	}
	due := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	a := &casework.CAPAAction{ComplaintID: c.ID, Kind: "corrective", Description: "更换密封圈供应商", OwnerDepartmentID: &qa,
		OwnerUserID: &owner.ID, DueDate: &due, Status: "open", CreatedAt: Start}
	b := &casework.CAPAAction{ComplaintID: c.ID, Kind: "containment", Description: "供应商来料全检", SupplierID: &sp.ID, Status: "open", CreatedAt: Start}
	for _, x := range []*casework.CAPAAction{a, b} {
		if err := capa(x, "capa_added"); err != nil {
			t.Fatal(err)
		}
	}
	bad := &casework.CAPAAction{ComplaintID: c.ID, Kind: "preventive", Description: "x", OwnerUserID: new(int64(999999)), Status: "open", CreatedAt: Start}
	before := e.caseCounts(t)
	wantCode(t, capa(bad, "capa_added"), apperr.Invalid)
	e.sameCounts(t, before)

	r = e.load(t, c.ID)
	if r.CAPA != (workflow.CAPASummary{Actions: 2, Supplier: 1}) {
		t.Errorf("summary %+v", r.CAPA)
	}
	list, err := cs.CAPA(e.ctx, c.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("capa %+v %v", list, err)
	}
	if g := list[0]; g.ID != a.ID || g.Kind != "corrective" || *g.OwnerDepartmentID != qa || *g.OwnerUserID != owner.ID ||
		!g.DueDate.Equal(due) || g.Status != "open" || g.Version != 1 || !g.CreatedAt.Equal(Start) || g.SupplierID != nil {
		t.Errorf("action %+v", g)
	}

	done, at := Start.Add(time.Hour), Start.Add(2*time.Hour)
	a.Version = 1
	a.Status, a.Evidence, a.DoneAt = "done", "新供应商首批检验报告", &done
	a.Verification, a.VerifiedBy, a.VerifiedAt, a.VerifyNote, a.UpdateStandard = "effective", &owner.ID, &at, "连续三批合格", true
	if err := capa(a, "capa_verified"); err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 {
		t.Errorf("version after update %d", a.Version)
	}
	stale := *a
	stale.Version = 1
	before = e.caseCounts(t)
	wantCode(t, capa(&stale, "capa_done"), apperr.Conflict)
	e.sameCounts(t, before)

	// A reworked action supersedes the ineffective one: it no longer counts.
	b.Version, b.Status, b.Verification = 1, "done", "ineffective"
	if err := capa(b, "capa_verified"); err != nil {
		t.Fatal(err)
	}
	if g := e.load(t, c.ID); g.CAPA.Ineffective != 1 {
		t.Fatalf("summary with an ineffective action %+v", g.CAPA)
	}
	rw := &casework.CAPAAction{ComplaintID: c.ID, Kind: "containment", Description: "供应商来料全检并加严抽样", SupplierID: &sp.ID,
		Status: "open", CreatedAt: Start, SupersedesID: &b.ID}
	if err := capa(rw, "capa_reworked"); err != nil {
		t.Fatal(err)
	}
	again := &casework.CAPAAction{ComplaintID: c.ID, Kind: "containment", Description: "第二次返工", SupplierID: &sp.ID,
		Status: "open", CreatedAt: Start, SupersedesID: &b.ID}
	before = e.caseCounts(t)
	wantField(t, capa(again, "capa_reworked"), apperr.Conflict, "capa_id", "superseded")
	e.sameCounts(t, before)
	if g := e.load(t, c.ID); g.CAPA != (workflow.CAPASummary{Actions: 2, Supplier: 1, Done: 1, Effective: 1}) {
		t.Errorf("summary after rework %+v", g.CAPA)
	}

	r = e.load(t, c.ID)
	if r.CAPA != (workflow.CAPASummary{Actions: 2, Supplier: 1, Done: 1, Effective: 1}) {
		t.Errorf("summary after verification %+v", r.CAPA)
	}
	su, err := cs.StandardUpdates(e.ctx, 10)
	if err != nil || len(su) != 1 || su[0].ID != a.ID || su[0].VerifyNote != "连续三批合格" || !su[0].VerifiedAt.Equal(at) {
		t.Fatalf("standard updates %+v %v", su, err)
	}

	e.save(t, r, casework.Write{Action: "workflow.verify", Event: complaint.Event{Kind: "transition"}, ResetVerification: true})
	if r.CAPA.Effective != 0 {
		t.Errorf("record after reset %+v", r.CAPA)
	}
	if g := e.load(t, c.ID); g.CAPA != (workflow.CAPASummary{Actions: 2, Supplier: 1, Done: 1}) {
		t.Errorf("summary after reset %+v", g.CAPA)
	}
	list, _ = cs.CAPA(e.ctx, c.ID)
	if g := list[0]; g.Verification != "" || g.VerifiedBy != nil || g.VerifiedAt != nil || g.VerifyNote != "" || g.UpdateStandard ||
		g.Status != "done" || g.Version != 3 {
		t.Errorf("action after reset %+v", g)
	}
	if g := list[1]; g.Verification != "ineffective" || g.SupersededBy == nil || *g.SupersededBy != rw.ID {
		t.Errorf("a reset cleared an ineffective verdict or lost its rework: %+v", g)
	}
	if g := list[2]; g.SupersedesID == nil || *g.SupersedesID != b.ID || g.Status != "open" {
		t.Errorf("rework %+v", g)
	}
	if su, _ := cs.StandardUpdates(e.ctx, 10); len(su) != 0 {
		t.Errorf("standard updates after reset %+v", su)
	}
	k := e.kinds(t, c.ID)
	if !slices.Equal(k, []string{complaint.EventCreated, "capa_added", "capa_added", "capa_verified", "capa_verified", "capa_reworked", "transition"}) {
		t.Errorf("timeline %v", k)
	}
	e.chainIntact(t)
}

func testCaseResponsible(t *testing.T, e *env) {
	qa := e.dept(t, "qa")
	u := e.user(t, "worker", org.RoleHandler, qa)
	sp := &product.Supplier{Code: "SUP-2", Name: "包装厂"}
	if err := e.db.Registers().CreateSupplier(e.ctx, sp, audit.System); err != nil {
		t.Fatal(err)
	}
	c := e.create(t, NewComplaint("责任"))
	r := e.load(t, c.ID)
	e.save(t, r, casework.Write{Action: "workflow.decide", Event: complaint.Event{Kind: "decision"},
		Responsible: []casework.Responsible{{DepartmentID: &qa, Share: 60, Note: "检验漏检"}, {UserID: &u.ID, Share: 40}}})
	got, err := e.db.Cases().Responsible(e.ctx, c.ID)
	want := []casework.Responsible{{DepartmentID: &qa, Share: 60, Note: "检验漏检"}, {UserID: &u.ID, Share: 40}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("responsible %+v %v", got, err)
	}
	e.save(t, r, casework.Write{}) // nil leaves them
	if got, _ := e.db.Cases().Responsible(e.ctx, c.ID); len(got) != 2 {
		t.Errorf("a save without responsible parties changed them: %+v", got)
	}
	e.save(t, r, casework.Write{Action: "workflow.decide", Event: complaint.Event{Kind: "decision"},
		Responsible: []casework.Responsible{{SupplierID: &sp.ID, Share: 100}}})
	if got, _ := e.db.Cases().Responsible(e.ctx, c.ID); len(got) != 1 || *got[0].SupplierID != sp.ID {
		t.Errorf("replaced responsible %+v", got)
	}
	before, v := e.caseCounts(t), r.Version
	err = e.db.Cases().Save(e.ctx, r, casework.Write{Action: "workflow.decide", Event: complaint.Event{Kind: "decision"},
		Responsible: []casework.Responsible{{DepartmentID: new(int64(999999)), Share: 100}}}, audit.System)
	wantField(t, err, apperr.Invalid, "responsible", "not_found")
	e.sameCounts(t, before)
	if g := e.load(t, c.ID); g.Version != v {
		t.Errorf("a refused save moved the version to %d", g.Version)
	}
	e.save(t, r, casework.Write{Action: "workflow.decide", Event: complaint.Event{Kind: "decision"}, Responsible: []casework.Responsible{}})
	if got, _ := e.db.Cases().Responsible(e.ctx, c.ID); len(got) != 0 {
		t.Errorf("emptied responsible %+v", got)
	}
	e.chainIntact(t)
}

func testCaseParties(t *testing.T, e *env) {
	a, b := e.user(t, "party.a", org.RoleHandler, 0), e.user(t, "party.b", org.RoleHandler, 0)
	c := e.create(t, NewComplaint("当事人"))
	r := e.load(t, c.ID)
	cs := e.db.Cases()
	set := func(ids []int64) error {
		return cs.Save(e.ctx, r, casework.Write{Action: "workflow.parties", Parties: ids, Event: complaint.Event{Kind: "parties"}}, audit.System)
	}
	if err := set([]int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	if g := e.load(t, c.ID); !slices.Equal(g.Parties, []int64{a.ID}) || g.Version != r.Version {
		t.Fatalf("after naming a party: %+v", g)
	}
	before := e.caseCounts(t)
	wantField(t, set([]int64{b.ID, 999999}), apperr.Invalid, "user_ids", "not_found")
	e.sameCounts(t, before)
	if g := e.load(t, c.ID); !slices.Equal(g.Parties, []int64{a.ID}) {
		t.Errorf("a refused change left parties %v", g.Parties)
	}
	if err := set([]int64{}); err != nil {
		t.Fatal(err)
	}
	if g := e.load(t, c.ID); len(g.Parties) != 0 {
		t.Errorf("cleared parties %v", g.Parties)
	}
	if err := cs.Save(e.ctx, r, casework.Write{Action: "workflow.test", Event: complaint.Event{Kind: "note"}}, audit.System); err != nil {
		t.Fatal(err)
	}
	if g := e.load(t, c.ID); len(g.Parties) != 0 {
		t.Errorf("a save without parties changed them: %v", g.Parties)
	}
	if k := e.kinds(t, c.ID); !slices.Equal(k, []string{complaint.EventCreated, "parties", "parties", "note"}) {
		t.Errorf("timeline %v", k)
	}
	if a := e.auditActions(t, "complaint:"+itoa(c.ID)); len(a) != 4 || a[1] != "workflow.parties" {
		t.Errorf("audit %v", a)
	}
	e.chainIntact(t)
}

func testCaseMyWork(t *testing.T, e *env) {
	qa, sales := e.dept(t, "qa"), e.dept(t, "sales")
	u1, u2 := e.user(t, "w1", org.RoleQAEngineer, qa), e.user(t, "w2", org.RoleQAEngineer, qa)
	e.user(t, "w.auditor", org.RoleAuditor, qa)
	e.user(t, "w.sales", org.RoleHandler, sales)
	cs := e.db.Cases()
	if h, err := cs.LastHolder(e.ctx, qa); err != nil || h != 0 {
		t.Fatalf("last holder of an empty department: %d %v", h, err)
	}
	mk := func(subject, status string, holder, backup *int64, minutes int) int64 {
		t.Helper()
		c := e.create(t, NewComplaint(subject))
		r := e.load(t, c.ID)
		e.clock.Set(Start.Add(time.Duration(minutes) * time.Minute))
		r.Status, r.HolderID, r.BackupID, r.DepartmentID = status, holder, backup, &qa
		e.save(t, r, casework.Write{})
		return c.ID
	}
	late := mk("后改的", "investigating", &u1.ID, &u2.ID, 30)
	early := mk("先改的", "accepted", &u1.ID, nil, 10)
	backed := mk("我是备份", "measures", &u2.ID, &u1.ID, 20)
	mk("已关闭", "closed", &u1.ID, nil, 5)
	mk("已合并", "merged", &u1.ID, nil, 6)
	mk("别人的", "accepted", &u2.ID, nil, 40)

	items, err := cs.MyWork(e.ctx, u1.ID, openStates, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.ComplaintID)
	}
	if !slices.Equal(ids, []int64{early, backed, late}) {
		t.Fatalf("my work %v, want %v (oldest change first, open only)", ids, []int64{early, backed, late})
	}
	if it := items[1]; !it.AsBackup || it.Status != "measures" || it.Subject != "我是备份" || it.Number == "" || it.Severity != "minor" ||
		!it.UpdatedAt.Equal(Start.Add(20*time.Minute)) || it.ReceivedAt.IsZero() {
		t.Errorf("backed-up item %+v", it)
	}
	if items[0].AsBackup {
		t.Errorf("held item marked as backup")
	}
	if items, _ := cs.MyWork(e.ctx, u1.ID, openStates, nil, 1); len(items) != 1 || items[0].ComplaintID != early {
		t.Errorf("limit 1: %+v", items)
	}
	if items, err := cs.MyWork(e.ctx, u1.ID, nil, nil, 10); err != nil || len(items) != 0 {
		t.Errorf("no open states: %+v %v", items, err)
	}

	team, err := cs.Team(e.ctx, qa, openStates)
	if err != nil {
		t.Fatal(err)
	}
	want := []workflow.Candidate{{UserID: u1.ID, Load: 2}, {UserID: u2.ID, Load: 2}}
	if !reflect.DeepEqual(team, want) {
		t.Errorf("team %+v, want %+v (auditors and other departments left out)", team, want)
	}
	if h, err := cs.LastHolder(e.ctx, qa); err != nil || h != u2.ID {
		t.Errorf("last holder %d %v, want %d", h, err, u2.ID)
	}
	if _, err := cs.DepartmentByCode(e.ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown department: %v", err)
	}

	// Plans waiting for a manager's signature show in the work list of the
	// managers of that department, except one complained about or who
	// signed this round already.
	mgr, other := e.user(t, "w.mgr", org.RoleManager, qa), e.user(t, "w.mgr2", org.RoleManager, qa)
	c := e.create(t, NewComplaint("待审批"))
	r := e.load(t, c.ID)
	r.Status, r.DepartmentID, r.AwaitingRole = "approval", &qa, org.RoleManager
	e.save(t, r, casework.Write{})
	toSign := func(u *org.User, depts []int64) []int64 {
		t.Helper()
		items, err := cs.MyWork(e.ctx, u.ID, openStates, &casework.Awaiting{Role: u.Role, DepartmentIDs: depts}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, it := range items {
			if it.ToSign {
				out = append(out, it.ComplaintID)
			}
		}
		return out
	}
	if got := toSign(mgr, []int64{qa}); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("to sign for the QA manager: %v", got)
	}
	if got := toSign(mgr, []int64{sales}); len(got) != 0 {
		t.Errorf("to sign for a manager of another department: %v", got)
	}
	if got := toSign(mgr, nil); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("to sign across departments: %v", got)
	}
	e.save(t, r, casework.Write{Parties: []int64{other.ID}, Approvals: []casework.Approval{{ComplaintID: c.ID, Round: r.ApprovalRound,
		LevelRole: org.RoleManager, ApproverID: mgr.ID, Decision: "approved", Currency: "CNY"}}})
	if got := toSign(mgr, []int64{qa}); len(got) != 0 {
		t.Errorf("to sign after signing: %v", got)
	}
	if got := toSign(other, []int64{qa}); len(got) != 0 {
		t.Errorf("to sign for a person complained about: %v", got)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
