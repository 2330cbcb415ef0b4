package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"kesu/internal/jobs"
)

// JobSchedule is the job kind of a fixed-date run.
const JobSchedule = "sla.schedule"

// Schedule is a fixed-date job (SLA-R): monthly on Day, or weekly on
// Weekday when Day is 0, at Clock (minutes after midnight) local time.
type Schedule struct {
	Name    string       `json:"name"`
	ZH      string       `json:"zh"`
	EN      string       `json:"en"`
	Day     int          `json:"day,omitempty"`
	Weekday time.Weekday `json:"weekday,omitempty"`
	Clock   int          `json:"clock"`
	// Roles receive the reminder; none for the pending-matters run, which
	// notifies each case's holder.
	Roles []string `json:"roles,omitempty"`
}

// Schedule names.
const (
	ScheduleMonthlyStatistics = "monthly_statistics"
	ScheduleWeeklySummary     = "weekly_summary"
	ScheduleMonthlySummary    = "monthly_summary"
	SchedulePendingMatters    = "pending_matters"
	ScheduleMonthlyPenalties  = "monthly_penalties"
)

// DefaultSchedules are SPEC SLA-R.
var DefaultSchedules = []Schedule{
	{Name: ScheduleMonthlyStatistics, ZH: "月度客诉统计表提醒（10日前）", EN: "Monthly statistics table reminder (by the 10th)", Day: 10, Clock: 8*60 + 30,
		Roles: []string{"manager", "qa_engineer"}},
	{Name: ScheduleWeeklySummary, ZH: "周报（每周二）", EN: "Weekly summary (Tuesdays)", Weekday: time.Tuesday, Clock: 8*60 + 30,
		Roles: []string{"manager", "deputy_gm", "gm"}},
	{Name: ScheduleMonthlySummary, ZH: "月报（每月2日）", EN: "Monthly summary (the 2nd)", Day: 2, Clock: 8*60 + 30,
		Roles: []string{"manager", "deputy_gm", "gm"}},
	{Name: SchedulePendingMatters, ZH: "未了事宜提醒（每月4日）", EN: "Pending-matters reminder (the 4th)", Day: 4, Clock: 8*60 + 30},
	// 002 第6篇: 每月4日…将奖罚情况报主管总经理和财务部 — last month's
	// approved reward/penalty notices to finance, the GM and HR.
	{Name: ScheduleMonthlyPenalties, ZH: "月度奖罚清单（每月4日）", EN: "Monthly reward/penalty list (the 4th)", Day: 4, Clock: 9 * 60,
		Roles: []string{"finance", "gm"}},
}

// Next returns the first run of s at or after t in loc and the period it
// belongs to ("2026-09" monthly, "2026-W38" weekly).
func (s Schedule) Next(t time.Time, loc *time.Location) (time.Time, string) {
	l := t.In(loc)
	if s.Day > 0 {
		run := time.Date(l.Year(), l.Month(), s.Day, s.Clock/60, s.Clock%60, 0, 0, loc)
		if run.Before(t) {
			run = time.Date(l.Year(), l.Month()+1, s.Day, s.Clock/60, s.Clock%60, 0, 0, loc)
		}
		return run, run.Format("2006-01")
	}
	run := time.Date(l.Year(), l.Month(), l.Day(), s.Clock/60, s.Clock%60, 0, 0, loc)
	run = run.AddDate(0, 0, (int(s.Weekday)-int(run.Weekday())+7)%7)
	if run.Before(t) {
		run = run.AddDate(0, 0, 7)
	}
	y, w := run.ISOWeek()
	return run, fmt.Sprintf("%d-W%02d", y, w)
}

// Run is one run of a schedule, the payload of its job.
type Run struct {
	Name   string    `json:"name"`
	Period string    `json:"period"`
	At     time.Time `json:"at"`
	Manual bool      `json:"manual,omitempty"`
}

// Job is the run's durable job; the key is the schedule and period, so
// several servers enqueue a period's run once.
func (r Run) Job() *jobs.Job {
	key := "schedule:" + r.Name + ":" + r.Period
	if r.Manual {
		key += ":manual:" + strconv.FormatInt(r.At.UnixNano(), 10)
	}
	return &jobs.Job{Kind: JobSchedule, Key: key, Payload: jobs.Payload(r), RunAt: r.At}
}

// Pending is a case waiting on the customer whose reminder date has come.
type Pending struct {
	ComplaintID int64
	Number      string
	HolderID    int64
}

// ScheduleStore is what the fixed-date runs need from storage.
type ScheduleStore interface {
	// Notify records notices; a notice whose key exists is skipped.
	Notify(ctx context.Context, ns ...Notice) error
	// UsersWithRoles lists active users with any of roles.
	UsersWithRoles(ctx context.Context, roles []string) ([]int64, error)
	// Pending lists held cases in one of states whose reminder date is on
	// or before day.
	Pending(ctx context.Context, states []string, day Date) ([]Pending, error)
}

// Scheduler enqueues and runs the fixed-date jobs.
type Scheduler struct {
	Jobs      jobs.Store
	Store     ScheduleStore
	Schedules []Schedule
	Loc       *time.Location
	Now       func() time.Time
	// Waiting are the workflow states that wait on the customer.
	Waiting []string
	// Summaries, when set, sends the weekly or monthly summary ("weekly",
	// "monthly") of run r to users, besides their in-app notice; key is
	// the run's dedupe key, so a retried or doubled run sends once.
	Summaries func(ctx context.Context, kind string, r Run, users []int64, key string) error
	// Penalties, when set, sends the monthly reward/penalty list of the
	// month before run r to users (and HR) by email, keyed like Summaries.
	Penalties func(ctx context.Context, r Run, users []int64, key string) error
}

// Get returns the schedule called name.
func (s *Scheduler) Get(name string) (Schedule, bool) {
	i := slices.IndexFunc(s.Schedules, func(x Schedule) bool { return x.Name == name })
	if i < 0 {
		return Schedule{}, false
	}
	return s.Schedules[i], true
}

// EnqueueNext enqueues the next run of every schedule (a no-op for runs
// already enqueued, by this server or another). Call it at start-up; each
// run enqueues its successor.
func (s *Scheduler) EnqueueNext(ctx context.Context) error {
	now := s.Now()
	var js []*jobs.Job
	for _, sc := range s.Schedules {
		at, period := sc.Next(now, s.Loc)
		js = append(js, Run{Name: sc.Name, Period: period, At: at}.Job())
	}
	return s.Jobs.Enqueue(ctx, js...)
}

// RunNow enqueues a manual run of name for now (administrators).
func (s *Scheduler) RunNow(ctx context.Context, name string) error {
	sc, ok := s.Get(name)
	if !ok {
		return fmt.Errorf("no schedule %q", name)
	}
	now := s.Now()
	_, period := sc.Next(now, s.Loc)
	return s.Jobs.Enqueue(ctx, Run{Name: name, Period: period, At: now, Manual: true}.Job())
}

// Handler runs a schedule's job and enqueues its next run.
func (s *Scheduler) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var r Run
		if err := json.Unmarshal(j.Payload, &r); err != nil {
			return jobs.Permanent(fmt.Errorf("schedule payload: %w", err))
		}
		sc, ok := s.Get(r.Name)
		if !ok {
			return jobs.Permanent(fmt.Errorf("no schedule %q", r.Name))
		}
		if err := s.run(ctx, sc, r); err != nil {
			return err
		}
		if r.Manual {
			return nil
		}
		at, period := sc.Next(r.At.Add(time.Minute), s.Loc)
		return s.Jobs.Enqueue(ctx, Run{Name: sc.Name, Period: period, At: at}.Job())
	}
}

func (s *Scheduler) run(ctx context.Context, sc Schedule, r Run) error {
	key := "schedule:" + sc.Name + ":" + r.Period
	if r.Manual {
		key += ":manual:" + strconv.FormatInt(r.At.UnixNano(), 10)
	}
	if sc.Name == SchedulePendingMatters {
		ps, err := s.Store.Pending(ctx, s.Waiting, DateOf(r.At.In(s.Loc)))
		if err != nil {
			return err
		}
		ns := make([]Notice, 0, len(ps))
		for _, p := range ps {
			cid := p.ComplaintID
			ns = append(ns, Notice{UserID: p.HolderID, Kind: "schedule." + sc.Name, ComplaintID: &cid,
				Title: "【未了事宜】" + p.Number, Body: p.Number + " 等待客户回复，已到提醒日期，请跟进。",
				Key: key + ":" + strconv.FormatInt(cid, 10)})
		}
		return s.Store.Notify(ctx, ns...)
	}
	users, err := s.Store.UsersWithRoles(ctx, sc.Roles)
	if err != nil {
		return err
	}
	ns := make([]Notice, 0, len(users))
	for _, u := range users {
		ns = append(ns, Notice{UserID: u, Kind: "schedule." + sc.Name, Title: "【定期提醒】" + sc.ZH,
			Body: sc.ZH + "（" + r.Period + "）", Key: key + ":" + strconv.FormatInt(u, 10)})
	}
	if err := s.Store.Notify(ctx, ns...); err != nil {
		return err
	}
	if sc.Name == ScheduleMonthlyPenalties && s.Penalties != nil {
		return s.Penalties(ctx, r, users, key)
	}
	kind := map[string]string{ScheduleWeeklySummary: "weekly", ScheduleMonthlySummary: "monthly"}[sc.Name]
	if kind != "" && s.Summaries != nil {
		return s.Summaries(ctx, kind, r, users, key)
	}
	return nil
}

// ScheduleStatus is a schedule with its next and last runs.
type ScheduleStatus struct {
	Schedule
	Next    time.Time  `json:"next"`
	LastRun *time.Time `json:"last_run,omitempty"`
	LastErr string     `json:"last_error,omitempty"`
}

// List returns the schedules with their next run and the last finished run
// recorded in the job table.
func (s *Scheduler) List(ctx context.Context) ([]ScheduleStatus, error) {
	js, err := s.Jobs.List(ctx, jobs.Filter{Kind: JobSchedule, Limit: 500})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]ScheduleStatus, 0, len(s.Schedules))
	for _, sc := range s.Schedules {
		st := ScheduleStatus{Schedule: sc}
		st.Next, _ = sc.Next(now, s.Loc)
		for _, j := range js { // newest first
			var r Run
			if json.Unmarshal(j.Payload, &r) != nil || r.Name != sc.Name {
				continue
			}
			if j.Status == jobs.Done && st.LastRun == nil {
				st.LastRun = j.DoneAt
			}
			if j.LastError != "" && st.LastErr == "" && st.LastRun == nil {
				st.LastErr = j.LastError
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Firing is something that would happen in a dry run.
type Firing struct {
	At          time.Time `json:"at"`
	Kind        string    `json:"kind"` // a timer kind or JobSchedule
	ComplaintID int64     `json:"complaint_id,omitempty"`
	ClockID     int64     `json:"clock_id,omitempty"`
	Policy      string    `json:"policy,omitempty"`
	Schedule    string    `json:"schedule,omitempty"`
}

// DryRun lists what would fire in (from, to] given the stored clocks and
// the schedules, earliest first, without changing anything: each clock's
// firings are played forward on a copy. Paused clocks fire nothing; a
// firing already taken effect does not fire again.
func DryRun(r *Rules, clocks []Clock, schedules []Schedule, loc *time.Location, from, to time.Time) []Firing {
	var out []Firing
	in := func(t time.Time) bool { return t.After(from) && !t.After(to) }
	for i := range clocks {
		c := clocks[i]
		p, ok := r.policyOf(&c)
		if !ok {
			continue
		}
		for {
			t, ok := next(p, &c)
			if !ok || t.At.After(to) {
				break
			}
			one := []Clock{c}
			fired := r.Fire(one, t.At, nil)
			c = one[0]
			for _, f := range fired {
				if in(f.At) {
					out = append(out, Firing{At: f.At, Kind: f.Kind, ComplaintID: c.ComplaintID, ClockID: c.ID, Policy: c.Policy})
				}
			}
		}
	}
	for _, sc := range schedules {
		for t := from.Add(time.Nanosecond); ; {
			at, _ := sc.Next(t, loc)
			if !in(at) {
				break
			}
			out = append(out, Firing{At: at, Kind: JobSchedule, Schedule: sc.Name})
			t = at.Add(time.Minute)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
