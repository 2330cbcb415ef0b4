package casework_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/workflow"
)

type env struct {
	t     *testing.T
	db    *sqlstore.DB
	svc   *casework.Service
	cs    *complaint.Service
	users map[string]casework.Actor
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), users: map[string]casework.Actor{}}
	clock := func() time.Time { return e.now }
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	e.db = db
	qa, _ := db.Cases().DepartmentByCode(ctx, "qa")
	cs, _ := db.Cases().DepartmentByCode(ctx, "cs")
	for _, u := range []struct{ name, role string }{{"agent", org.RoleAgent}, {"qa", org.RoleQAEngineer}, {"mgr", org.RoleManager},
		{"dgm", org.RoleDeputyGM}, {"gm", org.RoleGM}, {"qa2", org.RoleQAEngineer}} {
		usr := &org.User{Username: u.name, Name: u.name, Role: u.role}
		switch u.role {
		case org.RoleQAEngineer, org.RoleManager:
			usr.DepartmentID = &qa
		case org.RoleAgent:
			usr.DepartmentID = &cs
		}
		if err := db.Registers().CreateUser(ctx, usr, auth.HashPassword("password-1"), audit.System); err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = casework.Actor{User: usr, Audit: audit.Actor{UserID: usr.ID, Name: usr.Username}}
	}
	svc, err := casework.NewService(db.Cases(), workflow.ProfileManufacturer, clock)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	p, _ := complaint.ParsePattern(complaint.DefaultPattern)
	e.cs = &complaint.Service{Store: db.Complaints(), Now: clock, Loc: time.UTC, Pattern: p}
	e.cs.Route = svc.Router(casework.Lookups{
		Quality: func(_ context.Context, code string) (bool, error) { return strings.HasPrefix(code, "quality"), nil },
	})
	return e
}

func (e *env) complaint(category string) *casework.Record {
	e.t.Helper()
	ctx := context.Background()
	c := &complaint.Complaint{Channel: "phone", Subject: "净水器漏水", Description: "底部漏水", Category: category, Severity: "major",
		Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
	if _, err := e.cs.Create(ctx, c, complaint.CreateOptions{Actor: e.users["agent"].Audit}); err != nil {
		e.t.Fatal(err)
	}
	r, err := e.svc.Load(ctx, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) do(r *casework.Record, who, action string, in workflow.Input) *casework.Record {
	e.t.Helper()
	got, err := e.svc.Do(context.Background(), r.ComplaintID, r.Version, action, in, e.users[who])
	if err != nil {
		e.t.Fatalf("%s by %s from %s: %v", action, who, r.Status, err)
	}
	return got
}

func (e *env) refuse(r *casework.Record, who, action string, in workflow.Input, code apperr.Code) {
	e.t.Helper()
	before, _ := e.svc.Load(context.Background(), r.ComplaintID)
	_, err := e.svc.Do(context.Background(), r.ComplaintID, r.Version, action, in, e.users[who])
	if !apperr.Is(err, code) {
		e.t.Fatalf("%s by %s: got %v, want %s", action, who, err, code)
	}
	after, _ := e.svc.Load(context.Background(), r.ComplaintID)
	if after.Version != before.Version || after.Status != before.Status {
		e.t.Fatalf("a refused %s changed the case", action)
	}
}

func ptr[T any](v T) *T { return &v }

// TestQualityComplaintToClosure walks a quality complaint through the
// manufacturer lifecycle on real storage: routing to QA, classification,
// CAPA, approval by authority, reply, execution, verification, two
// follow-up visits and closure.
func TestQualityComplaintToClosure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.complaint("quality.leak")
	if r.HolderID == nil || *r.HolderID != e.users["qa"].User.ID || r.BackupID == nil || *r.BackupID != e.users["qa2"].User.ID {
		t.Fatalf("quality complaint should go to QA with a backup, got holder %v backup %v", r.HolderID, r.BackupID)
	}
	e.now = e.now.Add(2 * time.Hour)
	acceptedAt := e.now
	r = e.do(r, "qa", "accept", nil)
	e.now = e.now.Add(time.Hour)
	r = e.do(r, "qa", "start_investigation", nil)
	if _, err := e.svc.Investigate(ctx, r.ComplaintID, "returned_goods_test", "退回样品试验：密封圈硬度 62 HA，低于规格 70 HA", e.users["qa"]); err != nil {
		t.Fatal(err)
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	e.refuse(r, "qa", "determine_responsibility", nil, apperr.Invalid)
	r, err := e.svc.Decide(ctx, r.ComplaintID, r.Version, casework.Decision{Established: ptr(true), Validity: ptr("valid"),
		Responsibility: ptr("internal")}, e.users["qa"])
	if err != nil {
		t.Fatal(err)
	}
	r = e.do(r, "qa", "determine_responsibility", nil)
	r = e.do(r, "qa", "propose_measures", nil)
	for _, k := range []string{"containment", "corrective"} {
		a := &casework.CAPAAction{ComplaintID: r.ComplaintID, Kind: k, Description: "更换密封圈供应批次", OwnerUserID: &e.users["qa"].User.ID}
		if err := e.svc.AddCAPA(ctx, a, e.users["qa"]); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	r, err = e.svc.Decide(ctx, r.ComplaintID, r.Version, casework.Decision{RootCause: ptr("密封圈批次硬度不足"),
		Resolution: ptr("replace"), Amount: ptr("15000")}, e.users["qa"])
	if err != nil {
		t.Fatal(err)
	}
	r = e.do(r, "qa", "submit_for_approval", nil)
	e.refuse(r, "qa", "reply", workflow.Input{"body": "您好"}, apperr.Invalid)
	r = e.do(r, "mgr", "approve", nil)
	e.refuse(r, "mgr", "approve", nil, apperr.Forbidden) // one person signs one level
	r = e.do(r, "dgm", "approve", nil)
	e.now = e.now.Add(20 * time.Hour)
	repliedAt := e.now
	r = e.do(r, "qa", "reply", workflow.Input{"body": "经检测为密封圈批次问题，我司将为您免费更换整机。"})
	r = e.do(r, "agent", "customer_agrees", nil)
	e.refuse(r, "qa", "execute", nil, apperr.Invalid) // CAPA not done
	list, _ := e.svc.Store.CAPA(ctx, r.ComplaintID)
	for _, a := range list {
		if _, err := e.svc.CompleteCAPA(ctx, r.ComplaintID, a.ID, a.Version, "已更换批次，附检验报告", e.users["qa"]); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	r, _ = e.svc.Decide(ctx, r.ComplaintID, r.Version, casework.Decision{ResolutionExecuted: ptr(true)}, e.users["qa"])
	e.now = e.now.Add(30 * time.Hour)
	executedAt := e.now
	r = e.do(r, "qa", "execute", nil)
	e.now = e.now.Add(time.Hour)
	list, _ = e.svc.Store.CAPA(ctx, r.ComplaintID)
	if _, err := e.svc.VerifyCAPA(ctx, r.ComplaintID, list[0].ID, list[0].Version, true, "连续三批合格", true, e.users["agent"]); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("an agent must not verify CAPA: %v", err)
	}
	for _, a := range list {
		if _, err := e.svc.VerifyCAPA(ctx, r.ComplaintID, a.ID, a.Version, true, "连续三批合格", a.Kind == "corrective", e.users["qa"]); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	r = e.do(r, "qa", "verify_effective", nil)
	r = e.do(r, "agent", "follow_up_satisfied", workflow.Input{"satisfaction": "5", "method": "phone"})
	e.refuse(r, "mgr", "close", nil, apperr.Invalid) // quality needs two visits
	r = e.do(r, "agent", "follow_up_satisfied", workflow.Input{"satisfaction": "4", "method": "visit"})
	r = e.do(r, "mgr", "close", nil)
	if r.Status != "closed" || r.ClosedAt == nil {
		t.Fatalf("case = %+v", r)
	}
	// Stage times are measured between milestones recorded the first time.
	for _, m := range []struct {
		name string
		got  *time.Time
		want time.Time
	}{{"accepted", r.AcceptedAt, acceptedAt}, {"replied", r.RepliedAt, repliedAt}, {"executed", r.ExecutedAt, executedAt}} {
		if m.got == nil || !m.got.Equal(m.want) {
			t.Errorf("%s at %v, want %v", m.name, m.got, m.want)
		}
	}
	apps, _ := e.svc.Store.Approvals(ctx, r.ComplaintID)
	if len(apps) != 2 || apps[0].LevelRole != org.RoleManager || apps[1].LevelRole != org.RoleDeputyGM {
		t.Fatalf("approvals = %+v", apps)
	}
	fus, _ := e.svc.Store.FollowUps(ctx, r.ComplaintID)
	if len(fus) != 2 || *fus[1].Satisfaction != 4 {
		t.Fatalf("follow-ups = %+v", fus)
	}
	std, _ := e.svc.Store.StandardUpdates(ctx, 10)
	if len(std) != 1 || std[0].Kind != "corrective" {
		t.Fatalf("standard updates = %+v", std)
	}
	tl, _ := e.db.Complaints().Timeline(ctx, r.ComplaintID, true)
	replies := 0
	for _, ev := range tl {
		if ev.Kind == complaint.EventReply {
			replies++
		}
		if ev.Kind == "investigation" {
			t.Fatal("investigation notes must not be public")
		}
	}
	if replies != 1 {
		t.Fatalf("public timeline has %d replies", replies)
	}
	if bad, _, err := e.db.Audit().Verify(ctx); bad != 0 || err != nil {
		t.Fatalf("audit chain broken at %d: %v", bad, err)
	}
}

// TestPartyToComplaintAndStaleVersion: the person complained about is
// taken off the case and can neither act nor approve; a stale version is
// refused without writing.
func TestPartyToComplaintAndStaleVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.complaint("quality.leak")
	qa := e.users["qa"]
	if err := e.svc.SetParties(ctx, r.ComplaintID, []int64{qa.User.ID}, e.users["mgr"]); err != nil {
		t.Fatal(err)
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	if r.HolderID != nil {
		t.Fatalf("the party still holds the case")
	}
	e.refuse(r, "qa", "accept", nil, apperr.Forbidden)
	if _, err := e.svc.Assign(ctx, r.ComplaintID, r.Version, &qa.User.ID, nil, e.users["mgr"]); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("assigning the party: %v", err)
	}
	r = e.do(r, "qa2", "accept", nil)
	if _, err := e.svc.Do(ctx, r.ComplaintID, r.Version-1, "start_investigation", nil, e.users["qa2"]); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale version: %v", err)
	}
}

// TestSurveyLinkAndMemo: a survey link records the customer's score as a
// follow-up visit once; an unsatisfied answer reopens the case; a memo
// goes to the next approval level.
func TestSurveyLinkAndMemo(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.complaint("service.attitude") // not quality: routed to sales, nobody there
	agent := e.users["agent"]
	if _, err := e.svc.SurveyLink(ctx, r.ComplaintID, agent); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a survey before follow-up: %v", err)
	}
	r, err := e.svc.Decide(ctx, r.ComplaintID, r.Version, casework.Decision{Resolution: ptr("apology")}, agent)
	if err != nil {
		t.Fatal(err)
	}
	r = e.do(r, "agent", "resolve_on_spot", workflow.Input{"body": "已当场致歉并说明"})
	if r.HolderID == nil || *r.HolderID != agent.User.ID {
		t.Fatalf("resolve_on_spot takes the case: holder %v", r.HolderID)
	}
	r = e.do(r, "agent", "start_follow_up", nil)
	tok, err := e.svc.SurveyLink(ctx, r.ComplaintID, agent)
	if err != nil {
		t.Fatal(err)
	}
	if sv, err := e.svc.SurveyByToken(ctx, tok); err != nil || sv.Number != r.Number || sv.Answered {
		t.Fatalf("survey = %+v, %v", sv, err)
	}
	if err := e.svc.AnswerSurvey(ctx, tok, 5, "满意", "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AnswerSurvey(ctx, tok, 1, "再来一次", "203.0.113.9"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a survey link must work once: %v", err)
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	if r.FollowUpsDone != 1 || r.LastSatisfaction != 5 || r.Status != "follow_up" {
		t.Fatalf("after a satisfied survey: %+v", r)
	}
	tok2, _ := e.svc.SurveyLink(ctx, r.ComplaintID, agent)
	if err := e.svc.AnswerSurvey(ctx, tok2, 2, "还是不满意", "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	r, _ = e.svc.Load(ctx, r.ComplaintID)
	if r.Status != "responsibility_determined" || r.Reopens != 1 {
		t.Fatalf("an unsatisfied survey should reopen: %+v", r)
	}
	fus, _ := e.svc.Store.FollowUps(ctx, r.ComplaintID)
	if len(fus) != 2 || fus[0].Method != "survey" || *fus[1].Satisfaction != 2 {
		t.Fatalf("follow-ups = %+v", fus)
	}
	if _, err := e.svc.Memo(ctx, r.ComplaintID, "申请特批：客户为重点客户，建议全额退款", agent); err != nil {
		t.Fatal(err)
	}
	tl, _ := e.db.Complaints().Timeline(ctx, r.ComplaintID, false)
	last := tl[len(tl)-1]
	if last.Kind != "memo" || last.Public || last.Data["to"] == "" {
		t.Fatalf("memo event = %+v", last)
	}
	pub, _ := e.db.Complaints().Timeline(ctx, r.ComplaintID, true)
	for _, ev := range pub {
		if ev.Kind == "memo" {
			t.Fatal("a memo must stay internal")
		}
	}
}

// TestMarkAwaiting: a case left in approval without its awaited role (an
// upgrade from before it was recorded) gets it at start, once.
func TestMarkAwaiting(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.complaint("quality.leak")
	r.Status, r.Resolution, r.Amount, r.Currency = "approval", "repair", 150000, "CNY"
	if err := e.db.Cases().Save(ctx, r, casework.Write{Action: "test.legacy"}, audit.System); err != nil {
		t.Fatal(err)
	}
	if g, _ := e.svc.Load(ctx, r.ComplaintID); g.AwaitingRole != "" {
		t.Fatalf("setup: awaiting %q", g.AwaitingRole)
	}
	n, err := e.svc.MarkAwaiting(ctx)
	if err != nil || n != 1 {
		t.Fatalf("marked %d, %v", n, err)
	}
	if g, _ := e.svc.Load(ctx, r.ComplaintID); g.AwaitingRole != org.RoleManager {
		t.Errorf("awaiting %q, want manager", g.AwaitingRole)
	}
	if n, err := e.svc.MarkAwaiting(ctx); err != nil || n != 0 {
		t.Errorf("a second start marked %d, %v", n, err)
	}
}
