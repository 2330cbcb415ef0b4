package sla

import (
	"strings"
	"testing"
	"time"
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
		{"safety the same working day", "sla_7", "2026-03-04 16:00", "2026-03-04 17:30"},
		{"first contact 24 h", "sla_1", "2026-03-04 16:00", "2026-03-05 16:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := r.Policies.Get(tc.policy)
			if !ok {
				t.Fatalf("no policy %s", tc.policy)
			}
			got, err := Due(r.Calendar(), p, sh(tc.start))
			if err != nil || !got.Equal(sh(tc.due)) {
				t.Fatalf("due %v, %v; want %s", got, err, tc.due)
			}
		})
	}
}

func TestApplies(t *testing.T) {
	r := rules(t)
	codes := func(s Subject) string {
		started, _, err := r.Apply(s, nil, Change{Events: []string{EventCreated}}, sh("2026-03-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range started {
			out = append(out, c.Policy)
		}
		return strings.Join(out, ",")
	}
	if got := codes(Subject{Region: "foreign"}); got != "sla_1,sla_2,sla_3,sla_9_foreign,sla_12,sla_14" {
		t.Errorf("foreign service complaint: %s", got)
	}
	if got := codes(Subject{Quality: true, Safety: true}); got != "sla_1,sla_2,sla_3,sla_4,sla_5,sla_7,sla_9,sla_12,sla_14" {
		t.Errorf("safety quality complaint: %s", got)
	}
}

func TestPauseResumeStop(t *testing.T) {
	r := rules(t)
	s := Subject{Quality: true}
	started, _, err := r.Apply(s, nil, Change{Events: []string{EventCreated}}, sh("2026-03-02 09:00")) // Monday
	if err != nil {
		t.Fatal(err)
	}
	var cont Clock
	for _, c := range started {
		if c.Policy == "sla_4" {
			cont = c
		}
	}
	if !cont.DueAt.Equal(sh("2026-03-04 09:00")) {
		t.Fatalf("containment due %v", cont.DueAt)
	}
	// Waiting on the customer Monday 10:00 – Tuesday 10:00: 7.5 working hours paused.
	_, ch, _ := r.Apply(s, []Clock{cont}, Change{Pause: true}, sh("2026-03-02 10:00"))
	if len(ch) != 1 || ch[0].State != Paused {
		t.Fatalf("pause: %+v", ch)
	}
	_, ch, _ = r.Apply(s, ch, Change{Resume: true}, sh("2026-03-03 10:00"))
	if len(ch) != 1 || ch[0].State != Running || !ch[0].DueAt.Equal(sh("2026-03-05 09:00")) || ch[0].PausedTotal != 7*time.Hour+30*time.Minute {
		t.Fatalf("resume: %+v", ch)
	}
	// A policy that does not pause keeps counting.
	first := started[0]
	_, ch, _ = r.Apply(s, []Clock{first}, Change{Pause: true}, sh("2026-03-02 10:00"))
	if len(ch) != 0 {
		t.Fatalf("sla_1 paused: %+v", ch)
	}
	// Stop: met on time, breached when late.
	_, ch, _ = r.Apply(s, []Clock{cont}, Change{Events: []string{"capa:containment"}}, sh("2026-03-03 09:00"))
	if len(ch) != 1 || ch[0].State != Met {
		t.Fatalf("stop on time: %+v", ch)
	}
	_, ch, _ = r.Apply(s, []Clock{cont}, Change{Events: []string{"capa:containment"}}, sh("2026-03-04 11:00"))
	if len(ch) != 1 || ch[0].State != Breached || ch[0].Lateness != 2*time.Hour {
		t.Fatalf("stop late: %+v", ch)
	}
	// An open clock of a policy is not started twice.
	st, _, _ := r.Apply(s, started, Change{Events: []string{EventCreated}}, sh("2026-03-02 11:00"))
	if len(st) != 0 {
		t.Fatalf("started again: %+v", st)
	}
}

func TestExtendNeedsConsent(t *testing.T) {
	c := Clock{Policy: "sla_9", State: Running, DueAt: sh("2026-03-17 09:00")}
	if err := Extend(&c, sh("2026-03-20 09:00"), Consent{By: "王先生", How: "phone"}, 1); err != ErrNoConsent {
		t.Fatalf("no time: %v", err)
	}
	if err := Extend(&c, sh("2026-03-16 09:00"), Consent{By: "王先生", How: "phone", At: sh("2026-03-10 10:00")}, 1); err == nil {
		t.Fatal("an earlier due time is not an extension")
	}
	if err := Extend(&c, sh("2026-03-20 09:00"), Consent{By: "王先生", How: "phone", At: sh("2026-03-10 10:00")}, 1); err != nil ||
		!c.DueAt.Equal(sh("2026-03-20 09:00")) || !c.Extension.From.Equal(sh("2026-03-17 09:00")) {
		t.Fatalf("extend: %v %+v", err, c)
	}
}

func TestPolicyValidation(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`[{"code":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"fortnights","when":{}}]`, "unknown unit"},
		{`[{"code":"x","start":["received"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{}}]`, "unknown event"},
		{`[{"code":"x","start":["created"],"stop":["action:close"],"amount":-1,"unit":"calendar_days","when":{}}]`, "negative"},
		{`[{"code":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{},"remind_before":"-1h"}]`, "negative"},
		{`[{"code":"x","start":["created"],"stop":["action:close"],"amount":1,"unit":"calendar_days","when":{},"colour":"red"}]`, "unknown field"},
	} {
		if _, err := ParsePolicies([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.json, err, tc.want)
		}
	}
}

func TestTimerKeys(t *testing.T) {
	r := rules(t)
	p, _ := r.Policies.Get("sla_4")
	c := Clock{ID: 7, Policy: "sla_4", State: Running, StartedAt: sh("2026-09-18 10:00"), DueAt: sh("2026-09-21 10:00")}
	js := TimerJobs(p, &c)
	if len(js) != 3 || js[0].Kind != JobRemind || !js[0].RunAt.Equal(sh("2026-09-21 06:00")) || !js[2].RunAt.Equal(sh("2026-09-22 10:00")) {
		t.Fatalf("timers %+v", js)
	}
	c.DueAt = c.DueAt.Add(time.Hour)
	if TimerJobs(p, &c)[1].Key == js[1].Key {
		t.Fatal("a moved due time must get a new job key")
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

func TestDryRun(t *testing.T) {
	r := rules(t)
	clocks := []Clock{
		{ID: 1, ComplaintID: 10, Policy: "sla_4", State: Running, StartedAt: sh("2026-09-18 10:00"), DueAt: sh("2026-09-21 10:00")},
		{ID: 2, ComplaintID: 11, Policy: "sla_4", State: Paused, StartedAt: sh("2026-09-18 10:00"), DueAt: sh("2026-09-21 10:00")},
	}
	got := DryRun(r.Policies, clocks, DefaultSchedules, Shanghai(), sh("2026-09-21 00:00"), sh("2026-09-22 12:00"))
	var kinds []string
	for _, f := range got {
		kinds = append(kinds, f.Kind+"@"+f.At.In(Shanghai()).Format("02 15:04"))
	}
	want := "sla.remind@21 06:00,sla.breach@21 10:00,sla.schedule@22 08:30,sla.escalate@22 10:00"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("dry run %s, want %s", strings.Join(kinds, ","), want)
	}
}

// A complaint back-dated to a year the calendar does not know is stored
// with its calendar-time clocks only.
func TestApplyOutsideCalendar(t *testing.T) {
	r := rules(t)
	started, _, err := r.Apply(Subject{Quality: true}, nil, Change{Events: []string{EventCreated}}, sh("2020-01-02 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range started {
		if p, _ := r.Policies.Get(c.Policy); p.Working() {
			t.Errorf("working-time clock %s started outside the calendar", c.Policy)
		}
	}
	if len(started) == 0 {
		t.Error("no calendar-time clock started")
	}
}
