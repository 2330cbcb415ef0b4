package sla

import (
	"strings"
	"testing"
	"time"

	"kesu/internal/apperr"
)

func rules(t *testing.T) *Rules {
	t.Helper()
	r, err := NewRules()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sh(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai())
	if err != nil {
		panic(err)
	}
	return t
}

// TestSeedLimits checks the shipped policies against the seed limits on the
// 2026 calendar.
func TestSeedLimits(t *testing.T) {
	r := rules(t)
	for _, tc := range []struct {
		name, policy, start, due string
	}{
		// Sunday 2026-09-20 is a make-up working day (National Day 调休).
		{"containment 2 working days", "sla_4", "2026-09-18 10:00", "2026-09-21 10:00"},
		// Mid-Autumn (Friday 09-25) and National Day off, Saturday 10-10 worked.
		{"CAPA 10 working days across National Day", "sla_5", "2026-09-24 10:00", "2026-10-15 10:00"},
		{"closure 15 days domestic", "sla_9", "2026-03-02 09:00", "2026-03-17 09:00"},
		{"closure 20 days foreign", "sla_9_foreign", "2026-03-02 09:00", "2026-03-22 09:00"},
		{"safety the same day", "sla_7", "2026-03-04 16:00", "2026-03-04 23:59"},
		// A safety hazard reported on a Saturday or on National Day is
		// handled that day, not on the next working day.
		{"safety on a Saturday", "sla_7", "2026-03-07 10:00", "2026-03-07 23:59"},
		{"safety on National Day", "sla_7", "2026-10-02 21:00", "2026-10-02 23:59"},
		{"first contact 24 h", "sla_1", "2026-03-04 16:00", "2026-03-05 16:00"},
		{"follow-up 5 working days (manufacturer)", "sla_6", "2026-03-06 10:00", "2026-03-13 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := r.Policies().Get(tc.policy)
			if !ok {
				t.Fatalf("no policy %s", tc.policy)
			}
			got, err := Due(r.Calendar(), p, sh(tc.start))
			if err != nil || !got.Truncate(time.Minute).Equal(sh(tc.due)) {
				t.Fatalf("due %v, %v; want %s", got, err, tc.due)
			}
		})
	}
}

// created starts the clocks of a new complaint like s received at at.
func created(t *testing.T, r *Rules, s Subject, at time.Time) []Clock {
	t.Helper()
	started, _, err := r.Apply(s, nil, Change{Events: []string{EventCreated, "channel:phone"}}, at, at)
	if err != nil {
		t.Fatal(err)
	}
	for i := range started {
		started[i].ID = int64(i + 1)
	}
	return started
}

func codes(cs []Clock) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Policy)
	}
	return strings.Join(out, ",")
}

func TestApplies(t *testing.T) {
	r := rules(t)
	at := sh("2026-03-02 09:00")
	for _, tc := range []struct {
		name string
		s    Subject
		want string
	}{
		{"foreign service complaint", Subject{Region: "foreign"}, "sla_1,sla_2,sla_3,sla_9_foreign,sla_12"},
		{"safety quality complaint", Subject{Quality: true, Safety: true}, "sla_1,sla_2,sla_3,sla_4,sla_5,sla_7,sla_9,sla_12"},
		{"bank branch", Subject{Profile: "bank"}, "sla_1,sla_2,sla_3,sla_9,sla_12,sla_14"},
	} {
		if got := codes(created(t, r, tc.s, at)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Returned goods arriving start their test analysis.
	started, _, _ := r.Apply(Subject{}, nil, Change{Events: []string{EventCreated, "channel:returned_goods"}}, at, at)
	if !strings.Contains(codes(started), "sla_10") {
		t.Errorf("returned goods: %s", codes(started))
	}
	// Parts for a dealer start sla_13 when the resolution is decided; other
	// resolutions and other customers do not.
	for _, tc := range []struct {
		s    Subject
		want bool
	}{
		{Subject{Class: "dealer", Resolution: "parts"}, true},
		{Subject{Class: "dealer", Resolution: "refund"}, false},
		{Subject{Class: "end_user", Resolution: "parts"}, false},
	} {
		st, _, _ := r.Apply(tc.s, nil, Change{Events: []string{"decision:resolution"}}, at, at)
		if got := strings.Contains(codes(st), "sla_13"); got != tc.want {
			t.Errorf("%+v: sla_13 started %v", tc.s, got)
		}
	}
}

func find(t *testing.T, cs []Clock, policy string) Clock {
	t.Helper()
	for _, c := range cs {
		if c.Policy == policy {
			return c
		}
	}
	t.Fatalf("no %s clock in %s", policy, codes(cs))
	return Clock{}
}

// apply applies ch to cs and returns all clocks as they then stand.
func apply(t *testing.T, r *Rules, s Subject, cs []Clock, ch Change, at time.Time) []Clock {
	t.Helper()
	started, changed, err := r.Apply(s, cs, ch, at, at)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]Clock(nil), cs...)
	for _, c := range changed {
		out[c.ID-1] = c
	}
	for _, c := range started {
		c.ID = int64(len(out) + 1)
		out = append(out, c)
	}
	return out
}

func TestPauseResumeStop(t *testing.T) {
	r := rules(t)
	s := Subject{Quality: true}
	cs := created(t, r, s, sh("2026-03-02 09:00")) // Monday
	if c := find(t, cs, "sla_4"); !c.DueAt.Equal(sh("2026-03-04 09:00")) {
		t.Fatalf("containment due %v", c.DueAt)
	}
	// Waiting on the customer Monday 10:00 – Tuesday 10:00: 7.5 working hours paused.
	cs = apply(t, r, s, cs, Change{Pause: true}, sh("2026-03-02 10:00"))
	if c := find(t, cs, "sla_4"); c.State != Paused {
		t.Fatalf("pause: %+v", c)
	}
	if c := find(t, cs, "sla_1"); c.State != Running {
		t.Fatalf("sla_1 (not pausable) %s", c.State)
	}
	cs = apply(t, r, s, cs, Change{Resume: true}, sh("2026-03-03 10:00"))
	if c := find(t, cs, "sla_4"); c.State != Running || !c.DueAt.Equal(sh("2026-03-05 09:00")) || c.PausedTotal != 7*time.Hour+30*time.Minute {
		t.Fatalf("resume: %+v", c)
	}
	// Stop: met on time, breached when late.
	onTime := apply(t, r, s, cs, Change{Events: []string{"capa:containment"}}, sh("2026-03-04 09:00"))
	if c := find(t, onTime, "sla_4"); c.State != Met {
		t.Fatalf("stop on time: %+v", c)
	}
	late := apply(t, r, s, cs, Change{Events: []string{"capa:containment"}}, sh("2026-03-05 11:00"))
	if c := find(t, late, "sla_4"); c.State != Breached || c.Lateness != 2*time.Hour {
		t.Fatalf("stop late: %+v", c)
	}
	// A counting clock of a policy is not started twice.
	if again := apply(t, r, s, cs, Change{Events: []string{EventCreated}}, sh("2026-03-02 11:00")); len(again) != len(cs) {
		t.Fatalf("started again: %s", codes(again))
	}
}

// Each clock is met only by its own event (issue 11 §6): accepting is not
// a contact, a decision is not a reply, an approver's rejection and a
// close meet nothing but the closure limit.
func TestOnlyOwnEventMeets(t *testing.T) {
	r := rules(t)
	s := Subject{Quality: true, Class: "dealer"}
	at := sh("2026-03-02 09:00")
	cs := created(t, r, s, at)
	state := func(cs []Clock, p string) string { return find(t, cs, p).State }
	cs = apply(t, r, s, cs, Change{Events: []string{"action:accept", "status:accepted"}}, at.Add(time.Hour))
	if state(cs, "sla_2") != Met || state(cs, "sla_1") != Running {
		t.Fatalf("accept: sla_2 %s, sla_1 %s", state(cs, "sla_2"), state(cs, "sla_1"))
	}
	s.Resolution = "parts"
	cs = apply(t, r, s, cs, Change{Events: []string{"decision:resolution", "decision:amount"}}, at.Add(2*time.Hour))
	if state(cs, "sla_3") != Running || state(cs, "sla_13") != Running {
		t.Fatalf("decision: sla_3 %s, sla_13 %s", state(cs, "sla_3"), state(cs, "sla_13"))
	}
	cs = apply(t, r, s, cs, Change{Events: []string{"record:contact"}}, at.Add(3*time.Hour))
	if state(cs, "sla_1") != Met {
		t.Fatalf("contact: sla_1 %s", state(cs, "sla_1"))
	}
	cs = apply(t, r, s, cs, Change{Events: []string{"action:reject", "status:measures"}}, at.Add(4*time.Hour))
	for _, c := range cs {
		if c.State == Met && c.Policy != "sla_1" && c.Policy != "sla_2" {
			t.Errorf("rejection met %s", c.Policy)
		}
	}
	cs = apply(t, r, s, cs, Change{Events: []string{"record:parts_shipped"}}, at.Add(5*time.Hour))
	if state(cs, "sla_13") != Met {
		t.Fatalf("parts shipped: sla_13 %s", state(cs, "sla_13"))
	}
	// Closing meets the closure limit only; the others end as not
	// applicable and nothing runs on the closed case.
	cs = apply(t, r, s, cs, Change{Events: []string{"action:close", "status:closed"}, Terminal: true}, at.Add(6*time.Hour))
	for _, c := range cs {
		want := NotApplicable
		switch c.Policy {
		case "sla_1", "sla_2", "sla_9", "sla_13":
			want = Met
		}
		if c.State != want || c.StoppedAt == nil {
			t.Errorf("after close %s is %s, want %s", c.Policy, c.State, want)
		}
	}
}

// A case that ends — withdrawn here — leaves no clock running: running and
// paused ones become not applicable, one already breached stays breached,
// stopped at the end with its lateness.
func TestTerminalEndsClocks(t *testing.T) {
	r := rules(t)
	s := Subject{Quality: true}
	at := sh("2026-03-02 09:00")
	cs := created(t, r, s, at)
	fired := r.Fire(cs, at.Add(25*time.Hour), nil)
	if len(fired) == 0 || find(t, cs, "sla_1").State != Breached {
		t.Fatalf("breach: %+v", fired)
	}
	cs = apply(t, r, s, cs, Change{Pause: true}, at.Add(26*time.Hour))
	cs = apply(t, r, s, cs, Change{Events: []string{"action:withdraw", "status:withdrawn"}, Terminal: true}, at.Add(27*time.Hour))
	for _, c := range cs {
		if c.Open() || c.Counting() || c.StoppedAt == nil {
			t.Errorf("%s still %s after withdrawal", c.Policy, c.State)
		}
	}
	if c := find(t, cs, "sla_1"); c.State != Breached || c.Lateness != 3*time.Hour {
		t.Errorf("breached clock after withdrawal: %+v", c)
	}
	if c := find(t, cs, "sla_4"); c.State != NotApplicable {
		t.Errorf("paused containment after withdrawal: %s", c.State)
	}
	if again := apply(t, r, s, cs, Change{Events: []string{"action:execute"}, Terminal: true}, at.Add(28*time.Hour)); len(again) != len(cs) {
		t.Errorf("a clock started on an ended case: %s", codes(again))
	}
}

// The customer's own fault takes the case past CAPA: the containment and
// corrective clocks become not applicable, not met.
func TestVoid(t *testing.T) {
	r := rules(t)
	s := Subject{Quality: true}
	at := sh("2026-03-02 09:00")
	cs := created(t, r, s, at)
	cs = apply(t, r, s, cs, Change{Events: []string{"action:reply_explanation", "status:follow_up"}}, at.Add(time.Hour))
	for _, p := range []string{"sla_4", "sla_5"} {
		if c := find(t, cs, p); c.State != NotApplicable {
			t.Errorf("%s after the explanation: %s", p, c.State)
		}
	}
	if c := find(t, cs, "sla_3"); c.State != Met {
		t.Errorf("solution clock after the explanation: %s", c.State)
	}
}

// Reminders go out before the due time or not at all.
func TestReminders(t *testing.T) {
	r := rules(t)
	at := sh("2026-03-02 09:00")
	// The monitor reaches sla_1 (due 24 h, reminder 4 h before) at 21 h:
	// the reminder goes out.
	cs := created(t, r, Subject{}, at)
	fired := r.Fire(cs, at.Add(21*time.Hour), nil)
	if len(fired) == 0 || fired[0].Kind != TimerRemind || find(t, cs, "sla_1").RemindedAt == nil {
		t.Fatalf("reminder at 21 h: %+v", fired)
	}
	// Reached only at the due time: the breach goes out, the reminder never.
	cs = created(t, r, Subject{}, at)
	for _, f := range r.Fire(cs, at.Add(24*time.Hour), nil) {
		if f.Kind == TimerRemind {
			t.Errorf("reminder of %s sent at its due time", f.Policy)
		}
	}
	if c := find(t, cs, "sla_1"); c.State != Breached || !c.ReminderSkipped {
		t.Errorf("sla_1 at its due time: %+v", c)
	}
	// A complaint received two days ago and registered now: the
	// reminders' time had passed when its clocks started.
	started, _, _ := r.Apply(Subject{}, nil, Change{Events: []string{EventCreated}}, at, at.Add(23*time.Hour))
	if c := find(t, started, "sla_1"); !c.ReminderSkipped {
		t.Errorf("late registration armed the reminder: %+v", c)
	}
	if next, ok := r.NextFire(started); !ok || !next.Equal(at.Add(24*time.Hour)) {
		t.Errorf("next firing %v, want the breach", next)
	}
	// Breach and escalation fire in order, once.
	cs = created(t, r, Subject{}, at)
	var kinds []string
	for _, f := range r.Fire(cs, at.Add(72*time.Hour), nil) {
		if f.Policy == "sla_1" {
			kinds = append(kinds, f.Kind)
		}
	}
	if strings.Join(kinds, ",") != "sla.breach,sla.escalate" || len(r.Fire(cs, at.Add(73*time.Hour), nil)) != 0 {
		t.Errorf("sla_1 firings %v", kinds)
	}
}

func TestExtend(t *testing.T) {
	r := rules(t)
	now := sh("2026-03-10 10:00")
	c := Clock{ID: 1, Policy: "sla_9", PolicyVersion: 1, State: Running, StartedAt: sh("2026-03-02 09:00"), DueAt: sh("2026-03-17 09:00")}
	err := r.Extend(&c, sh("2026-03-20 09:00"), Consent{By: "王先生", How: "phone"}, "", 1, now)
	if e, ok := err.(*apperr.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "consent.at" {
		t.Fatalf("no consent time: %v", err)
	}
	if err := r.Extend(&c, sh("2026-03-16 09:00"), Consent{By: "王先生", How: "phone", At: now}, "", 1, now); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("an earlier due time is not an extension: %v", err)
	}
	if err := r.Extend(&c, sh("2026-03-20 09:00"), Consent{By: "王先生", How: "phone", At: now}, "等待配件", 1, now); err != nil ||
		!c.DueAt.Equal(sh("2026-03-20 09:00")) || !c.Extension.From.Equal(sh("2026-03-17 09:00")) || c.ReminderSkipped {
		t.Fatalf("extend: %v %+v", err, c)
	}
}

func TestPolicyValidation(t *testing.T) {
	for _, tc := range []struct{ json, field string }{
		{`[{"code":"x","zh":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"fortnights","when":{}}]`, "policies[0].unit"},
		{`[{"code":"x","zh":"x","start":["received"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{}}]`, "policies[0].start"},
		{`[{"code":"x","zh":"x","start":["created"],"stop":["action:close"],"amount":-1,"unit":"calendar_days","when":{}}]`, "policies[0].amount"},
		{`[{"code":"x","zh":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{},"remind_before":"-1h"}]`, "policies[0].remind_before"},
		{`[{"code":"x","zh":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{}},
		   {"code":"x","zh":"y","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{}}]`, "policies[1].code"},
	} {
		_, err := ParsePolicies([]byte(tc.json))
		e, ok := err.(*apperr.Error)
		if !ok || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v, want an error on %s", tc.json, err, tc.field)
		}
	}
	if _, err := ParsePolicies([]byte(`[{"code":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{},"colour":"red"}]`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// A running clock keeps the limit of the version it started under; new
// clocks take the new version.
func TestPolicyVersions(t *testing.T) {
	r := rules(t)
	at := sh("2026-03-02 09:00")
	old := created(t, r, Subject{}, at)
	list := r.Policies().List()
	for i := range list {
		if list[i].Code == "sla_1" {
			list[i].Amount, list[i].RemindBefore = 48, 0
		}
	}
	v2, err := NewPolicies(list)
	if err != nil {
		t.Fatal(err)
	}
	v2.Version = 2
	r.SetPolicies(v2)
	fresh := created(t, r, Subject{}, at)
	if c := find(t, fresh, "sla_1"); c.PolicyVersion != 2 || !c.DueAt.Equal(at.Add(48*time.Hour)) {
		t.Fatalf("new clock under version 2: %+v", c)
	}
	// The old clock still reminds 4 h before its 24 h limit.
	fired := r.Fire(old, at.Add(21*time.Hour), nil)
	if c := find(t, old, "sla_1"); c.PolicyVersion != 1 || c.RemindedAt == nil || len(fired) == 0 {
		t.Fatalf("old clock under version 1: %+v", c)
	}
}

func TestDryRun(t *testing.T) {
	r := rules(t)
	clocks := []Clock{
		{ID: 1, ComplaintID: 10, Policy: "sla_4", PolicyVersion: 1, State: Running, StartedAt: sh("2026-09-18 10:00"), DueAt: sh("2026-09-21 10:00")},
		{ID: 1, ComplaintID: 11, Policy: "sla_4", PolicyVersion: 1, State: Paused, StartedAt: sh("2026-09-18 10:00"), DueAt: sh("2026-09-21 10:00")},
	}
	got := DryRun(r, clocks, DefaultSchedules, Shanghai(), sh("2026-09-21 00:00"), sh("2026-09-22 12:00"))
	var kinds []string
	for _, f := range got {
		kinds = append(kinds, f.Kind+"@"+f.At.In(Shanghai()).Format("02 15:04"))
	}
	want := "sla.remind@21 06:00,sla.breach@21 10:00,sla.schedule@22 08:30,sla.escalate@22 10:00"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("dry run %s, want %s", strings.Join(kinds, ","), want)
	}
	if clocks[0].RemindedAt != nil || clocks[0].State != Running {
		t.Fatal("the dry run changed a clock")
	}
}

// A complaint back-dated to a year the calendar does not know is stored
// with its calendar-time clocks only.
func TestApplyOutsideCalendar(t *testing.T) {
	r := rules(t)
	started := created(t, r, Subject{Quality: true}, sh("2020-01-02 10:00"))
	for _, c := range started {
		if p, _ := r.Policies().Get(c.Policy); p.Working() {
			t.Errorf("working-time clock %s started outside the calendar", c.Policy)
		}
	}
	if len(started) == 0 {
		t.Error("no calendar-time clock started")
	}
}

func TestSchedules(t *testing.T) {
	loc := Shanghai()
	for _, tc := range []struct {
		name, from, next, period string
	}{
		{ScheduleWeeklySummary, "2026-09-16 12:00", "2026-09-22 08:30", "2026-W39"},
		{ScheduleWeeklySummary, "2026-09-22 08:30", "2026-09-22 08:30", "2026-W39"},
		{ScheduleMonthlySummary, "2026-09-02 09:00", "2026-10-02 08:30", "2026-10"},
		{SchedulePendingMatters, "2026-12-05 00:00", "2027-01-04 08:30", "2027-01"},
		{ScheduleMonthlyStatistics, "2026-09-01 00:00", "2026-09-10 08:30", "2026-09"},
	} {
		s := &Scheduler{Schedules: DefaultSchedules}
		sc, _ := s.Get(tc.name)
		got, period := sc.Next(sh(tc.from), loc)
		if !got.Equal(sh(tc.next)) || period != tc.period {
			t.Errorf("%s after %s: %v %s, want %s %s", tc.name, tc.from, got, period, tc.next, tc.period)
		}
	}
}
