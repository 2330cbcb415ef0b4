package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// RunSLA is the contract suite of the SLA clocks: started, stopped, paused
// and moved in the transaction of the change, and timers that take effect
// once with two servers on one database.
func RunSLA(t *testing.T, open OpenPair) {
	rules, err := sla.NewRules()
	if err != nil {
		t.Fatal(err)
	}
	cst := sla.Shanghai()
	setup := func(t *testing.T, now time.Time) (*slaEnv, *sqlstore.DB) {
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

	t.Run("SeedCases", func(t *testing.T) {
		e, _ := setup(t, at("2026-09-18 10:00"))
		// Containment: Friday 10:00 + 2 working days is Monday 10:00, as
		// Sunday 2026-09-20 is a make-up working day.
		q := e.create("漏水", func(c *complaint.Complaint) { c.Category = "quality.leak" })
		e.wantDue(q.ID, "sla_4", at("2026-09-21 10:00"))
		e.wantDue(q.ID, "sla_9", at("2026-10-03 10:00"))
		f := e.create("国外客户", func(c *complaint.Complaint) { c.Region = "foreign" })
		e.wantDue(f.ID, "sla_9_foreign", at("2026-10-08 10:00"))
		e.wantNo(f.ID, "sla_9")
		e.wantNo(f.ID, "sla_4") // not a quality complaint
		e.clock.now = at("2026-09-17 16:00")
		s := e.create("燃气泄漏", func(c *complaint.Complaint) { c.Safety = true })
		e.wantDue(s.ID, "sla_7", at("2026-09-17 17:30"))
		// Each clock's timers are in the job table with it.
		js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sla.JobBreach, Limit: 500})
		if n := len(e.clocks(q.ID)) + len(e.clocks(f.ID)) + len(e.clocks(s.ID)); len(js) != n {
			t.Fatalf("%d breach jobs for %d clocks", len(js), n)
		}
	})

	t.Run("PauseResumeStopExtend", func(t *testing.T) {
		e, _ := setup(t, at("2026-03-02 09:00"))
		c := e.create("漏水", func(c *complaint.Complaint) { c.Category = "quality.leak" })
		e.wantDue(c.ID, "sla_4", at("2026-03-04 09:00"))
		e.wantOutcome(c.ID, "sla_4:r")
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
		// The new due times have their own timers: containment, and the
		// solution clock (48 h calendar, moved by the 24 h paused).
		e.wantDue(c.ID, "sla_3", at("2026-03-05 09:00"))
		js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sla.JobBreach, Limit: 500})
		moved := 0
		for _, j := range js {
			if j.RunAt.Equal(at("2026-03-05 09:00")) {
				moved++
			}
		}
		if moved != 2 {
			t.Fatalf("%d breach jobs at the moved due time", moved)
		}
		// An extension without consent is refused; with it, the due time moves.
		st := e.db.SLAClocks()
		if err := st.Extend(e.ctx, c.ID, "sla_9", at("2026-03-20 09:00"), sla.Consent{By: "张三", How: "phone"}, audit.System); err == nil {
			t.Fatal("extension without the consent time was accepted")
		}
		if err := st.Extend(e.ctx, c.ID, "sla_9", at("2026-03-20 09:00"), sla.Consent{By: "张三", How: "phone", At: e.clock.Now()}, audit.System); err != nil {
			t.Fatal(err)
		}
		if k := e.clock1(c.ID, "sla_9"); !k.DueAt.Equal(at("2026-03-20 09:00")) || k.Extension == nil || k.Extension.Consent.By != "张三" {
			t.Fatalf("extended clock %+v", k)
		}
		// A containment action stops the containment clock on time.
		e.clock.now = at("2026-03-04 11:00")
		if err := e.db.Cases().AddCAPA(e.ctx, &casework.CAPAAction{ComplaintID: c.ID, Kind: "containment", Description: "隔离库存",
			Status: "open", CreatedAt: e.clock.Now()}, audit.System); err != nil {
			t.Fatal(err)
		}
		if k := e.clock1(c.ID, "sla_4"); k.State != sla.Met || k.StoppedAt == nil {
			t.Fatalf("containment after the CAPA action: %+v", k)
		}
		e.wantOutcome(c.ID, "sla_4:m")
		e.wantOutcome(c.ID, "sla_9:r")
		// Closing late records the breach with lateness and holder.
		e.clock.now = at("2026-03-25 09:00")
		e.save(c.ID, sla.Change{Events: []string{"action:close", "status:closed"}})
		if k := e.clock1(c.ID, "sla_9"); k.State != sla.Breached || k.Lateness != 5*24*time.Hour || k.HolderID == nil || *k.HolderID != e.holder {
			t.Fatalf("closed late: %+v", k)
		}
		e.wantOutcome(c.ID, "sla_9:b")
	})

	t.Run("BreachOnceTwoServers", func(t *testing.T) {
		e, other := setup(t, at("2026-03-02 09:00"))
		const n = 1000
		e.dueClocks(n, at("2026-03-02 10:00"))
		e.clock.now = at("2026-03-04 12:00") // past due and escalation
		var breaches, escalations, reminders atomic.Int64
		var wg sync.WaitGroup
		for i, db := range []*sqlstore.DB{e.db, other} {
			cs := &countingStore{SLAStore: db.SLAClocks(), breaches: &breaches, escalations: &escalations, reminders: &reminders}
			m := &sla.Monitor{Store: cs, Policies: rules.Policies, Loc: cst, Now: e.clock.Now}
			w := &jobs.Worker{Store: db.Jobs(), Name: fmt.Sprintf("server-%d", i), Handlers: m.Handlers(), Now: e.clock.Now, Batch: 50}
			wg.Go(func() {
				for {
					got, err := w.RunDue(e.ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if got == 0 {
						return
					}
				}
			})
			wg.Go(func() {
				if _, err := m.Pass(e.ctx, 100); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if breaches.Load() != n || escalations.Load() != n {
			t.Fatalf("breaches %d, escalations %d, want %d each", breaches.Load(), escalations.Load(), n)
		}
		e.wantNotices(sla.JobBreach, 3*n) // holder, backup, manager
		e.wantNotices(sla.JobEscalate, n) // the GM
		if r := e.notices(sla.JobRemind); int64(r) != reminders.Load() || r > n {
			t.Fatalf("%d reminders recorded, %d fired", r, reminders.Load())
		}
		var late int
		if err := e.db.W.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM sla_clocks WHERE state = 'breached' AND lateness > 0 AND holder_id IS NOT NULL").Scan(&late); err != nil || late != n {
			t.Fatalf("%d breaches recorded with lateness and holder, %v", late, err)
		}
		// The complaints carry the breaches for the statistics.
		var marked int
		if err := e.db.W.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM complaints WHERE sla_outcomes LIKE '%sla_1:b%'").Scan(&marked); err != nil || marked != 10 {
			t.Fatalf("%d complaints show the breach in sla_outcomes, %v", marked, err)
		}
	})

	t.Run("KilledMidRun", func(t *testing.T) {
		e, other := setup(t, at("2026-03-02 09:00"))
		e.dueClocks(1, at("2026-03-02 10:00"))
		e.clock.now = at("2026-03-02 10:00")
		// Server A claims the due jobs and dies before running them.
		claimed, err := e.db.Jobs().Claim(e.ctx, "dead-server", time.Minute, 10)
		if err != nil || len(claimed) == 0 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		m := &sla.Monitor{Store: other.SLAClocks(), Policies: rules.Policies, Loc: cst, Now: e.clock.Now}
		w := &jobs.Worker{Store: other.Jobs(), Name: "server-b", Handlers: m.Handlers(), Now: e.clock.Now}
		if got, _ := w.RunDue(e.ctx); got != 0 {
			t.Fatalf("server B took %d jobs under A's lease", got)
		}
		e.clock.Add(2 * time.Minute)
		if got, err := w.RunDue(e.ctx); err != nil || got != len(claimed) {
			t.Fatalf("after the lease server B ran %d of %d, %v", got, len(claimed), err)
		}
		e.wantNotices(sla.JobBreach, 3)
	})

	t.Run("SchedulesAndPending", func(t *testing.T) {
		e, other := setup(t, at("2026-09-01 09:00"))
		c := e.create("等客户", nil)
		e.save(c.ID, sla.Change{})
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
		m := &sla.Monitor{Store: e.db.SLAClocks(), Policies: rules.Policies, Loc: cst, Now: e.clock.Now}
		hs := m.Handlers()
		hs[sla.JobSchedule] = a.Handler()
		w := &jobs.Worker{Store: e.db.Jobs(), Name: "w", Handlers: hs, Now: e.clock.Now}
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
		// to the manager and the GM.
		if n := e.notices("schedule.weekly_summary"); n != 4*2 {
			t.Fatalf("%d weekly summary notices, want 8", n)
		}
		st, err := a.List(e.ctx)
		if err != nil || len(st) != 4 || st[0].LastRun == nil || !st[1].Next.Equal(at("2026-10-06 08:30")) {
			t.Fatalf("list %+v %v", st, err)
		}
		if err := a.RunNow(e.ctx, sla.ScheduleMonthlySummary); err != nil {
			t.Fatal(err)
		}
		before := e.notices("schedule.monthly_summary")
		if _, err := w.RunDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		if after := e.notices("schedule.monthly_summary"); after != before+2 {
			t.Fatalf("run now: %d → %d monthly notices", before, after)
		}
		// Dry run over the stored clocks and the schedules.
		open, _ := e.db.SLAClocks().OpenClocks(e.ctx, at("2026-10-31 00:00"))
		fs := sla.DryRun(rules.Policies, open, sla.DefaultSchedules, cst, at("2026-10-04 09:00"), at("2026-10-11 09:00"))
		if len(fs) == 0 || fs[0].At.Before(at("2026-10-04 09:00")) {
			t.Fatalf("dry run %+v", fs)
		}
	})
}

type slaEnv struct {
	t                      *testing.T
	ctx                    context.Context
	db                     *sqlstore.DB
	clock                  *clock
	rules                  *sla.Rules
	svc                    *complaint.Service
	holder, backup, gm, mg int64
}

// people creates a holder in a department with a manager, a backup and a GM.
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
	d := &org.Department{Code: "sla", Name: "客服部", ManagerID: &e.mg}
	if err := rs.CreateDepartment(e.ctx, d, audit.System); err != nil {
		e.t.Fatal(err)
	}
	e.holder = user("holder.sla", org.RoleHandler, &d.ID)
	e.backup = user("backup.sla", org.RoleHandler, &d.ID)
	e.gm = user("gm.sla", org.RoleGM, nil)
}

func (e *slaEnv) create(subject string, edit func(*complaint.Complaint)) *complaint.Complaint {
	c := NewComplaint(subject)
	c.HolderID, c.BackupID = &e.holder, &e.backup
	if edit != nil {
		edit(c)
	}
	if _, err := e.svc.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	// Intake queues the start of the clocks; run that job's work here.
	queued, err := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: sqlstore.JobRegistered, Status: jobs.Pending})
	if err != nil || len(queued) == 0 {
		e.t.Fatalf("create %q: no clock start queued (%v)", subject, err)
	}
	if err := e.db.SLAClocks().StartClocks(e.ctx, []int64{c.ID, c.ID}); err != nil {
		e.t.Fatalf("create %q: %v", subject, err)
	}
	if err := e.db.SLAClocks().StartClocks(e.ctx, []int64{c.ID}); err != nil { // a repeated job starts nothing twice
		e.t.Fatalf("create %q: %v", subject, err)
	}
	return c
}

// save stores a change of the case carrying ch.
func (e *slaEnv) save(id int64, ch sla.Change) {
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
	for _, c := range e.clocks(id) {
		if c.Policy == policy {
			return c
		}
	}
	e.t.Fatalf("complaint %d has no %s clock", id, policy)
	return sla.Clock{}
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

// dueClocks stores n running sla_1 clocks due at due, spread over ten held
// complaints, with their timer jobs.
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

func (e *slaEnv) dueClocks(n int, due time.Time) {
	var ids []int64
	for i := range min(n, 10) {
		ids = append(ids, e.create(fmt.Sprintf("到期 %d", i), nil).ID)
	}
	if _, err := e.db.W.ExecContext(e.ctx, "DELETE FROM sla_clocks"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.W.ExecContext(e.ctx, "DELETE FROM jobs"); err != nil {
		e.t.Fatal(err)
	}
	p, _ := e.rules.Policies.Get("sla_1")
	var js []*jobs.Job
	for i := range n {
		c := sla.Clock{ComplaintID: ids[i%len(ids)], Policy: p.Code, StartedAt: due.Add(-24 * time.Hour), DueAt: due}
		if err := e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind("INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, version) VALUES (?, ?, ?, ?, 'running', 1) RETURNING id"),
			c.ComplaintID, c.Policy, c.StartedAt.UnixMicro(), c.DueAt.UnixMicro()).Scan(&c.ID); err != nil {
			e.t.Fatal(err)
		}
		js = append(js, sla.TimerJobs(p, &c)...)
	}
	if err := e.db.Jobs().Enqueue(e.ctx, js...); err != nil {
		e.t.Fatal(err)
	}
}

// countingStore counts timers that took effect.
type countingStore struct {
	sqlstore.SLAStore
	breaches, escalations, reminders *atomic.Int64
}

func (s *countingStore) Fire(ctx context.Context, t sla.Timer, now time.Time, compose sla.Composer) (bool, error) {
	ok, err := s.SLAStore.Fire(ctx, t, now, compose)
	if ok {
		map[string]*atomic.Int64{sla.JobBreach: s.breaches, sla.JobEscalate: s.escalations, sla.JobRemind: s.reminders}[t.Kind].Add(1)
	}
	return ok, err
}

func (s *countingStore) BreachDue(ctx context.Context, now time.Time, limit int, compose sla.Composer) (int, error) {
	n, err := s.SLAStore.BreachDue(ctx, now, limit, compose)
	s.breaches.Add(int64(n))
	return n, err
}
