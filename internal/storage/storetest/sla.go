package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// RunSLA is the contract suite of the time-limit clocks: started with the
// complaint in its registration transaction, stopped, ended, paused and
// moved in the transaction of the change, fired by the monitor once with
// two servers on one database — with no job row per timer.
func RunSLA(t *testing.T, open OpenPair) {
	cst := sla.Shanghai()
	setup := func(t *testing.T, now time.Time) (*slaEnv, *sqlstore.DB) {
		rules, err := sla.NewRules()
		if err != nil {
			t.Fatal(err)
		}
		a, b := open(t)
		c := &clock{now: now}
		for _, db := range []*sqlstore.DB{a, b} {
			db.Now, db.SLA = c.Now, rules
		}
		if err := a.Seed(t.Context()); err != nil {
			t.Fatal(err)
		}
		e := &slaEnv{t: t, ctx: t.Context(), db: a, clock: c, rules: rules}
		e.svc = &complaint.Service{Store: a.Complaints(), Now: c.Now, Loc: cst, Pattern: Day, ExpectedDays: 15}
		e.people()
		return e, b
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("StartedAtRegistration", func(t *testing.T) {
		e, _ := setup(t, at("2026-09-18 10:00"))
		// Containment: Friday 10:00 + 2 working days is Monday 10:00, as
		// Sunday 2026-09-20 is a make-up working day.
		q := e.create("漏水", func(c *complaint.Complaint) { c.Category = "quality.leak" })
		e.wantDue(q.ID, "sla_4", at("2026-09-21 10:00"))
		e.wantDue(q.ID, "sla_9", at("2026-10-03 10:00"))
		if !q.ExpectedBy.Equal(at("2026-10-03 10:00")) {
			t.Errorf("expected completion %v, want the closure limit", q.ExpectedBy)
		}
		e.wantOutcome(q.ID, "sla_4:r")
		f := e.create("国外客户", func(c *complaint.Complaint) { c.Region = "foreign" })
		e.wantDue(f.ID, "sla_9_foreign", at("2026-10-08 10:00"))
		e.wantNo(f.ID, "sla_9")
		e.wantNo(f.ID, "sla_4") // not a quality complaint
		// A letter received on 09-14 and entered today: every limit and
		// the promised completion count from its receipt.
		late := e.create("来函", func(c *complaint.Complaint) { c.Channel, c.ReceivedAt = "letter", at("2026-09-14 09:00") })
		e.wantDue(late.ID, "sla_9", at("2026-09-29 09:00"))
		if !late.ExpectedBy.Equal(at("2026-09-29 09:00")) {
			t.Errorf("letter received 09-14 promises %v", late.ExpectedBy.In(cst))
		}
		// Returned goods arriving start their test analysis.
		g := e.create("退货到达", func(c *complaint.Complaint) { c.Channel = "returned_goods" })
		e.wantDue(g.ID, "sla_10", at("2026-09-25 10:00"))
		// No job row per timer, and no registration job without a lot.
		var n int
		if err := e.db.R.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'sla.%' AND kind <> 'sla.schedule'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d timer jobs, %v", n, err)
		}
		if js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sqlstore.JobRegistered}); len(js) != 0 {
			t.Fatalf("%d registration jobs for complaints without a lot", len(js))
		}
		lot := e.create("批次漏水", func(c *complaint.Complaint) { c.Category, c.BatchNo = "quality.leak", "20260901-A01" })
		if js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sqlstore.JobRegistered}); len(js) != 1 || !strings.Contains(string(js[0].Payload), fmt.Sprint(lot.ID)) {
			t.Fatalf("batch check jobs %+v", js)
		}
	})

	t.Run("ClocksOfAnOlderRegistration", func(t *testing.T) {
		e, _ := setup(t, at("2026-09-18 10:00"))
		c := e.create("旧版登记", func(c *complaint.Complaint) { c.ReceivedAt = at("2026-09-17 09:00") })
		// Registered by an older kesu: no clocks yet, a registration job
		// left in the table starts them from the receipt time, once.
		if _, err := e.db.W.ExecContext(e.ctx, e.db.Dialect.Rebind("DELETE FROM complaint_clocks WHERE complaint_id = ?"), c.ID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := e.db.SLAClocks().StartClocks(e.ctx, []int64{c.ID, c.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.clocks(c.ID)); n != 5 {
			t.Fatalf("%d clocks started, want 5", n)
		}
		e.wantDue(c.ID, "sla_1", at("2026-09-18 09:00"))
	})

	t.Run("SafetySameDayAndPaged", func(t *testing.T) {
		e, _ := setup(t, at("2026-10-03 21:00")) // Saturday of National Day
		s := e.create("燃气泄漏", func(c *complaint.Complaint) { c.Safety, c.DepartmentID = true, &e.dept })
		e.wantDue(s.ID, "sla_7", at("2026-10-03 23:59").Add(59*time.Second))
		// The department's manager, its deputy and the GM are paged once.
		e.wantNotices("sla.page", 3)
		got := map[int64]bool{}
		for _, u := range []int64{e.mg, e.deputy, e.gm} {
			ns, err := e.db.SLAClocks().Notifications(e.ctx, u, false, 10)
			if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Title, s.Number) {
				t.Fatalf("user %d notices %+v %v", u, ns, err)
			}
			got[u] = true
		}
		// Entered after its day had passed: no page (its breach will tell).
		e.create("昨日燃气泄漏", func(c *complaint.Complaint) {
			c.Safety, c.DepartmentID, c.ReceivedAt = true, &e.dept, at("2026-10-02 20:00")
		})
		e.wantNotices("sla.page", 3)
	})

	t.Run("SafetyPagesTheRosteredDutyManager", func(t *testing.T) {
		e, _ := setup(t, at("2026-10-03 21:00"))
		// The evening shift's duty manager, rostered in another team.
		ds := &desk.Service{Store: e.db.Desk(), Now: e.clock.Now, Loc: sla.Shanghai()}
		mgr := &org.User{Username: "desk.mgr", Name: "值班经理", Role: org.RoleManager, DepartmentID: &e.dept}
		duty := &org.User{Username: "duty", Name: "周值班", Role: org.RoleHandler, DepartmentID: &e.dept}
		for _, u := range []*org.User{mgr, duty} {
			if err := e.db.Registers().CreateUser(e.ctx, u, "hash", audit.System); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := e.db.Cases().DepartmentByCode(e.ctx, "cs")
		if err != nil {
			t.Fatal(err)
		}
		act := casework.Actor{User: mgr, Audit: audit.System}
		if err := ds.CreateShift(e.ctx, &desk.Shift{Code: "night", Name: "晚班", Start: "16:00", Minutes: 480}, act); err != nil {
			t.Fatal(err)
		}
		if _, err := ds.AddToRoster(e.ctx, cs, []desk.RosterEntry{{Day: "2026-10-03", Shift: "night", UserID: duty.ID, DutyManager: true}}, act); err != nil {
			t.Fatal(err)
		}
		s := e.create("燃气泄漏", func(c *complaint.Complaint) { c.Safety, c.DepartmentID = true, &e.dept })
		// The duty manager and the GM are paged; the department's manager
		// and deputy are not while a roster covers the hour.
		e.wantNotices("sla.page", 2)
		for u, want := range map[int64]int{duty.ID: 1, e.gm: 1, e.mg: 0, e.deputy: 0} {
			ns, err := e.db.SLAClocks().Notifications(e.ctx, u, false, 10)
			if err != nil || len(ns) != want || (want == 1 && !strings.Contains(ns[0].Title, s.Number)) {
				t.Fatalf("user %d notices %+v %v, want %d", u, ns, err, want)
			}
		}
		// After the shift, the fallback: manager and deputy.
		e.clock.now = at("2026-10-04 01:00")
		e.create("燃气味道", func(c *complaint.Complaint) { c.Safety, c.DepartmentID = true, &e.dept })
		e.wantNotices("sla.page", 5)
		if ns, _ := e.db.SLAClocks().Notifications(e.ctx, e.mg, false, 10); len(ns) != 1 {
			t.Fatalf("the manager after the shift: %+v", ns)
		}
	})

	t.Run("ChangesInTheTransaction", func(t *testing.T) {
		e, _ := setup(t, at("2026-03-02 09:00"))
		c := e.create("漏水", func(c *complaint.Complaint) { c.Category = "quality.leak" })
		e.wantDue(c.ID, "sla_4", at("2026-03-04 09:00"))
		// Waiting on the customer Monday 10:00 to Tuesday 10:00 (7.5
		// working hours): the containment clock pauses, first contact
		// (not pausable) keeps counting.
		e.clock.now = at("2026-03-02 10:00")
		e.save(c.ID, sla.Change{Events: []string{"action:wait_on_customer"}, Pause: true})
		if k := e.clock1(c.ID, "sla_4"); k.State != sla.Paused {
			t.Fatalf("containment %s while waiting", k.State)
		}
		if k := e.clock1(c.ID, "sla_1"); k.State != sla.Running {
			t.Fatalf("first contact %s while waiting", k.State)
		}
		e.clock.now = at("2026-03-03 10:00")
		e.save(c.ID, sla.Change{Events: []string{"action:resume"}, Resume: true})
		e.wantDue(c.ID, "sla_4", at("2026-03-05 09:00"))
		e.wantDue(c.ID, "sla_3", at("2026-03-05 09:00")) // 48 h calendar, moved by the 24 h paused
		// A containment action meets the containment clock on time.
		e.clock.now = at("2026-03-04 11:00")
		r, err := e.db.Cases().Load(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.Cases().Save(e.ctx, r, casework.Write{Action: "capa.create", CAPA: &casework.CAPAAction{ComplaintID: c.ID,
			Kind: "containment", Description: "隔离库存", Status: "open", CreatedAt: e.clock.Now()},
			Event: complaint.Event{Kind: "capa_added"}, Clock: sla.Change{Events: []string{"capa:containment"}}}, audit.System); err != nil {
			t.Fatal(err)
		}
		if k := e.clock1(c.ID, "sla_4"); k.State != sla.Met || k.StoppedAt == nil {
			t.Fatalf("containment after the CAPA action: %+v", k)
		}
		e.wantOutcome(c.ID, "sla_4:m")
		// A contact recorded meets the first-contact clock, late.
		e.save(c.ID, sla.Change{Events: []string{"record:contact"}})
		if k := e.clock1(c.ID, "sla_1"); k.State != sla.Breached || k.Lateness != 26*time.Hour {
			t.Fatalf("contact after 50 h: %+v", k)
		}
		// Closing late records the closure breach with lateness and holder;
		// the clocks the path did not take end as not applicable.
		e.clock.now = at("2026-03-25 09:00")
		e.save(c.ID, sla.Change{Events: []string{"action:close", "status:closed"}, Terminal: true})
		if k := e.clock1(c.ID, "sla_9"); k.State != sla.Breached || k.Lateness != 7*24*time.Hour || k.HolderID == nil || *k.HolderID != e.holder {
			t.Fatalf("closed late: %+v", k)
		}
		if k := e.clock1(c.ID, "sla_5"); k.State != sla.NotApplicable {
			t.Fatalf("corrective clock after close: %s", k.State)
		}
		e.wantOutcome(c.ID, "sla_9:b")
		e.wantOutcome(c.ID, "sla_5:n")
		// Nothing counts on the closed case: it is neither overdue nor due.
		if page, err := e.db.Complaints().List(e.ctx, complaint.Filter{Due: "overdue"}); err != nil || len(page.Items) != 0 {
			t.Fatalf("closed case listed overdue: %v %v", page, err)
		}
	})

	t.Run("Extension", func(t *testing.T) {
		e, _ := setup(t, at("2026-03-02 09:00"))
		c := e.create("漏水", nil)
		st := e.db.SLAClocks()
		err := st.Extend(e.ctx, c.ID, "sla_9", at("2026-03-20 09:00"), sla.Consent{By: "张三", How: "phone"}, "", audit.System)
		if ae, ok := err.(*apperr.Error); !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || ae.Fields[0].Field != "consent.at" {
			t.Fatalf("extension without the consent time: %v", err)
		}
		if k := e.clock1(c.ID, "sla_9"); !k.DueAt.Equal(at("2026-03-17 09:00")) {
			t.Fatalf("refused extension moved the due time: %v", k.DueAt)
		}
		consent := sla.Consent{By: "张三", How: "phone", At: e.clock.Now()}
		if err := st.Extend(e.ctx, c.ID, "sla_9", at("2026-03-20 09:00"), consent, "等待配件", audit.Actor{UserID: e.holder, Name: "holder.sla"}); err != nil {
			t.Fatal(err)
		}
		k := e.clock1(c.ID, "sla_9")
		if !k.DueAt.Equal(at("2026-03-20 09:00")) || k.Extension == nil || k.Extension.Consent.By != "张三" || !k.Extension.From.Equal(at("2026-03-17 09:00")) {
			t.Fatalf("extended clock %+v", k)
		}
		e.wantOutcome(c.ID, "sla_9:rx")
		evs, err := e.db.Complaints().Timeline(e.ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != "sla_extended" || last.Data["policy"] != "sla_9" || last.ActorName != "holder.sla" {
			t.Fatalf("timeline %+v", last)
		}
		// Only a running clock is extended.
		if err := st.Extend(e.ctx, c.ID, "sla_4", at("2026-03-20 09:00"), consent, "", audit.System); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("extension of a clock the complaint lacks: %v", err)
		}
	})

	t.Run("FireOnceTwoServers", func(t *testing.T) {
		e, other := setup(t, at("2026-03-02 09:00"))
		const n = 300
		ids := e.bulk(n)
		e.clock.now = at("2026-03-06 12:00") // past every limit's due time and escalation
		var wg sync.WaitGroup
		var took atomic.Int64
		for _, db := range []*sqlstore.DB{e.db, other} {
			m := &sla.Monitor{Store: db.SLAClocks(), Policies: e.rules, Loc: cst, Now: e.clock.Now, Batch: 25}
			wg.Go(func() {
				got, _, err := m.Pass(e.ctx)
				if err != nil {
					t.Error(err)
				}
				took.Add(int64(got))
			})
		}
		wg.Wait()
		// Each complaint's sla_1, sla_2, sla_3 and sla_12 breach once
		// (holder, backup, manager) and escalate once (the GM); sla_9 is
		// due later.
		perComplaint := 4
		e.wantNotices(sla.TimerBreach, 3*perComplaint*n)
		e.wantNotices(sla.TimerEscalate, perComplaint*n)
		e.wantNotices(sla.TimerRemind, 0) // their time had passed
		var late int
		for _, id := range ids[:10] {
			for _, k := range e.clocks(id) {
				if k.State == sla.Breached && k.Lateness > 0 && k.HolderID != nil && k.EscalatedAt != nil {
					late++
				}
			}
		}
		if late != 10*perComplaint {
			t.Fatalf("%d clocks breached with lateness, holder and escalation, want %d", late, 10*perComplaint)
		}
		var marked int
		if err := e.db.W.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM complaints WHERE sla_outcomes LIKE '%sla_1:b%'").Scan(&marked); err != nil || marked != n {
			t.Fatalf("%d complaints show the breach in sla_outcomes, %v", marked, err)
		}
		// Nothing is left to fire before the closure limit's reminder.
		m := &sla.Monitor{Store: e.db.SLAClocks(), Policies: e.rules, Now: e.clock.Now}
		if got, next, err := m.Pass(e.ctx); err != nil || got != 0 || !next.Equal(at("2026-03-15 09:00")) {
			t.Fatalf("a second pass took %d, next %v, %v", got, next, err)
		}
	})

	t.Run("RemindersBeforeTheDueTime", func(t *testing.T) {
		e, _ := setup(t, at("2026-03-02 09:00"))
		c := e.create("漏水", nil)
		m := &sla.Monitor{Store: e.db.SLAClocks(), Policies: e.rules, Loc: cst, Now: e.clock.Now}
		// 21 h in: the 24-hour limits remind their holder (4 h before).
		e.clock.now = at("2026-03-03 06:00")
		if _, next, err := m.Pass(e.ctx); err != nil || !next.Equal(at("2026-03-03 09:00")) {
			t.Fatalf("pass at 21 h: next %v, %v", next.In(cst), err)
		}
		e.wantNotices(sla.TimerRemind, 3) // sla_1, sla_2, sla_12
		// The monitor reaches the 48-hour solution clock only at its due
		// time: the breach goes out, its reminder never.
		e.clock.now = at("2026-03-04 09:00")
		if _, _, err := m.Pass(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.wantNotices(sla.TimerRemind, 3)
		if k := e.clock1(c.ID, "sla_3"); k.State != sla.Breached || !k.ReminderSkipped || k.RemindedAt != nil {
			t.Fatalf("solution clock %+v", k)
		}
	})

	t.Run("MonitorRunWakesOnTheClock", func(t *testing.T) {
		e, _ := setup(t, at("2026-03-02 09:00"))
		c := e.create("漏水", nil)
		m := &sla.Monitor{Store: e.db.SLAClocks(), Policies: e.rules, Loc: cst, Now: e.clock.Now, Poll: 10 * time.Millisecond}
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{})
		go func() { m.Run(ctx); close(done) }()
		e.clock.Add(25 * time.Hour)
		deadline := time.Now().Add(10 * time.Second)
		for e.clock1(c.ID, "sla_1").State != sla.Breached {
			if time.Now().After(deadline) {
				t.Fatal("the running monitor did not breach the clock")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the monitor did not stop on cancel")
		}
	})

	t.Run("SchedulesAndPending", func(t *testing.T) {
		e, other := setup(t, at("2026-09-01 09:00"))
		c := e.create("等客户", nil)
		if _, err := e.db.W.ExecContext(e.ctx, e.db.Dialect.Rebind("UPDATE complaints SET status = 'waiting_on_customer', reminder_date = ? WHERE id = ?"), "2026-10-03", c.ID); err != nil {
			t.Fatal(err)
		}
		scheds := func(db *sqlstore.DB) *sla.Scheduler {
			return &sla.Scheduler{Jobs: db.Jobs(), Store: db.SLAClocks(), Schedules: sla.DefaultSchedules, Loc: cst, Now: e.clock.Now,
				Waiting: []string{"waiting_on_customer"}}
		}
		a, b := scheds(e.db), scheds(other)
		for _, s := range []*sla.Scheduler{a, b, a} {
			if err := s.EnqueueNext(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sla.JobSchedule})
		if len(js) != len(sla.DefaultSchedules) {
			t.Fatalf("%d schedule jobs from two servers, want %d", len(js), len(sla.DefaultSchedules))
		}
		// Run everything due up to 2026-10-04 09:00 (each run enqueues its successor).
		e.clock.now = at("2026-10-04 09:00")
		w := &jobs.Worker{Store: e.db.Jobs(), Name: "w", Handlers: map[string]jobs.Handler{sla.JobSchedule: a.Handler()}, Now: e.clock.Now}
		for {
			got, err := w.RunDue(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got == 0 {
				break
			}
		}
		if n := e.notices("schedule.pending_matters"); n != 1 {
			t.Fatalf("%d pending-matters reminders, want 1", n)
		}
		// Weekly on Tuesdays 09-08 … 09-29 (09-01 08:30 was past): 4 runs,
		// to the two managers and the GM.
		if n := e.notices("schedule.weekly_summary"); n != 4*3 {
			t.Fatalf("%d weekly summary notices, want 12", n)
		}
		st, err := a.List(e.ctx)
		if err != nil || len(st) != len(sla.DefaultSchedules) || st[0].LastRun == nil || !st[1].Next.Equal(at("2026-10-06 08:30")) {
			t.Fatalf("list %+v %v", st, err)
		}
		// Dry run over the stored clocks and the schedules.
		open, _ := e.db.SLAClocks().OpenClocks(e.ctx, at("2026-10-11 09:00"))
		fs := sla.DryRun(e.rules, open, sla.DefaultSchedules, cst, at("2026-10-04 09:00"), at("2026-10-11 09:00"))
		if len(fs) == 0 || fs[0].At.Before(at("2026-10-04 09:00")) {
			t.Fatalf("dry run %+v", fs)
		}
	})

	t.Run("PolicyVersions", func(t *testing.T) {
		e, other := setup(t, at("2026-03-02 09:00"))
		book := &sla.PolicyBook{Store: e.db.Policies(), Rules: e.rules, Now: e.clock.Now}
		if err := book.Load(e.ctx); err != nil || e.rules.Policies().Version != 1 {
			t.Fatalf("load: version %d, %v", e.rules.Policies().Version, err)
		}
		old := e.create("旧时限", nil)
		list := e.rules.Policies().List()
		for i := range list {
			if list[i].Code == "sla_9" {
				list[i].Amount = 10
			}
		}
		admin := audit.Actor{UserID: e.mg, Name: "manager.sla"}
		if _, err := book.Save(e.ctx, list, 1, "", admin); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("save without a reason: %v", err)
		}
		ps, err := book.Save(e.ctx, list, 1, "结案时限缩短为10天", admin)
		if err != nil || ps.Version != 2 {
			t.Fatalf("save: %+v %v", ps, err)
		}
		// A save based on version 1 after version 2 is refused.
		if _, err := book.Save(e.ctx, list, 1, "again", admin); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale save: %v", err)
		}
		fresh := e.create("新时限", nil)
		e.wantDue(fresh.ID, "sla_9", at("2026-03-12 09:00"))
		e.wantDue(old.ID, "sla_9", at("2026-03-17 09:00"))
		if k := e.clock1(old.ID, "sla_9"); k.PolicyVersion != 1 {
			t.Fatalf("old clock version %d", k.PolicyVersion)
		}
		// The other server picks the version up on its next refresh.
		otherRules, _ := sla.NewRules()
		ob := &sla.PolicyBook{Store: other.Policies(), Rules: otherRules}
		if changed, err := ob.Refresh(e.ctx); err != nil || !changed || otherRules.Policies().Version != 2 {
			t.Fatalf("refresh on the other server: %v %v, version %d", changed, err, otherRules.Policies().Version)
		}
		if n := e.auditCount("sla.policies"); n != 1 {
			t.Fatalf("%d audit entries of the save", n)
		}
	})
}

type slaEnv struct {
	t                              *testing.T
	ctx                            context.Context
	db                             *sqlstore.DB
	clock                          *clock
	rules                          *sla.Rules
	svc                            *complaint.Service
	dept                           int64
	holder, backup, gm, mg, deputy int64
}

// people creates a holder in a department with a manager and a deputy, a
// backup and a GM.
func (e *slaEnv) people() {
	rs := e.db.Registers()
	user := func(name, role string, dept *int64) int64 {
		u := &org.User{Username: name, Name: name, Role: role, DepartmentID: dept, Lang: "zh"}
		if err := rs.CreateUser(e.ctx, u, "hash", audit.System); err != nil {
			e.t.Fatal(err)
		}
		return u.ID
	}
	e.mg = user("manager.sla", org.RoleManager, nil)
	e.deputy = user("deputy.sla", org.RoleManager, nil)
	d := &org.Department{Code: "sla", Name: "客服部", ManagerID: &e.mg, DeputyID: &e.deputy}
	if err := rs.CreateDepartment(e.ctx, d, audit.System); err != nil {
		e.t.Fatal(err)
	}
	e.dept = d.ID
	e.holder = user("holder.sla", org.RoleHandler, &d.ID)
	e.backup = user("backup.sla", org.RoleHandler, &d.ID)
	e.gm = user("gm.sla", org.RoleGM, nil)
}

// create registers a complaint held by the holder; its clocks start in
// the registration transaction.
func (e *slaEnv) create(subject string, edit func(*complaint.Complaint)) *complaint.Complaint {
	e.t.Helper()
	c := NewComplaint(subject)
	c.HolderID, c.BackupID = &e.holder, &e.backup
	if edit != nil {
		edit(c)
	}
	if _, err := e.svc.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	if len(e.clocks(c.ID)) == 0 {
		e.t.Fatalf("create %q: no clock started with the complaint", subject)
	}
	return c
}

// bulk registers n complaints at once, held by the holder.
func (e *slaEnv) bulk(n int) []int64 {
	cs := make([]complaint.Complaint, n)
	for i := range cs {
		c := NewComplaint(fmt.Sprintf("到期 %d", i))
		c.HolderID, c.BackupID = &e.holder, &e.backup
		c.ReceivedAt, c.Status, c.TrackingCode = e.clock.Now(), complaint.StatusRegistered, complaint.NewTrackingCode()
		cs[i] = *c
	}
	if err := e.db.Complaints().BulkCreate(e.ctx, cs, func(int) complaint.NumberSpec { return Day.Spec(e.clock.Now()) }); err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, n)
	for i := range cs {
		ids[i] = cs[i].ID
	}
	return ids
}

// save stores a change of the case carrying ch.
func (e *slaEnv) save(id int64, ch sla.Change) {
	e.t.Helper()
	r, err := e.db.Cases().Load(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	w := casework.Write{Action: "workflow.test", Event: complaint.Event{Kind: "transition", Data: map[string]any{"events": ch.Events}}, Clock: ch}
	if err := e.db.Cases().Save(e.ctx, r, w, audit.System); err != nil {
		e.t.Fatal(err)
	}
}

func (e *slaEnv) clocks(id int64) []sla.Clock {
	cs, err := e.db.SLAClocks().Clocks(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

func (e *slaEnv) clock1(id int64, policy string) sla.Clock {
	e.t.Helper()
	var found *sla.Clock
	for _, c := range e.clocks(id) {
		if c.Policy == policy {
			found = &c
		}
	}
	if found == nil {
		e.t.Fatalf("complaint %d has no %s clock", id, policy)
	}
	return *found
}

func (e *slaEnv) wantDue(id int64, policy string, due time.Time) {
	e.t.Helper()
	if c := e.clock1(id, policy); !c.DueAt.Equal(due) {
		e.t.Fatalf("%s due %v, want %v", policy, c.DueAt.In(due.Location()), due)
	}
}

func (e *slaEnv) wantNo(id int64, policy string) {
	e.t.Helper()
	for _, c := range e.clocks(id) {
		if c.Policy == policy {
			e.t.Fatalf("complaint %d has a %s clock", id, policy)
		}
	}
}

func (e *slaEnv) notices(kind string) int {
	var n int
	if err := e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind("SELECT COUNT(*) FROM notifications WHERE kind = ?"), kind).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *slaEnv) wantNotices(kind string, want int) {
	e.t.Helper()
	if n := e.notices(kind); n != want {
		e.t.Fatalf("%d %s notifications, want %d", n, kind, want)
	}
}

func (e *slaEnv) auditCount(action string) int {
	var n int
	if err := e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind("SELECT COUNT(*) FROM audit_log WHERE action = ?"), action).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// wantOutcome checks that the complaint's sla_outcomes holds pair.
func (e *slaEnv) wantOutcome(id int64, pair string) {
	e.t.Helper()
	var got string
	if err := e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind("SELECT sla_outcomes FROM complaints WHERE id = ?"), id).Scan(&got); err != nil {
		e.t.Fatal(err)
	}
	for _, p := range strings.Split(got, ",") {
		if p == pair {
			return
		}
	}
	e.t.Fatalf("sla_outcomes %q lacks %s", got, pair)
}
