package app

import (
	"context"
	"kesu/internal/complaint"
	"slices"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/sla"
)

// SLA is the time-limit machinery: clock timers and fixed-date schedules.
type SLA struct {
	Rules     *sla.Rules
	Monitor   *sla.Monitor
	Scheduler *sla.Scheduler
}

// openSLA turns the time limits on: every case change starts, stops and
// pauses clocks in its transaction, the worker runs their timers and the
// fixed-date schedules, and the next run of each schedule is enqueued.
func (a *App) openSLA(ctx context.Context, cases *casework.Service) error {
	rules, err := sla.NewRules()
	if err != nil {
		return err
	}
	a.DB.SLA = rules
	cases.Clocks = a.DB.SLAClocks()
	var waiting []string
	for _, d := range cases.Definitions {
		for _, st := range d.States {
			if st.PausesSLA && !slices.Contains(waiting, st.Code) {
				waiting = append(waiting, st.Code)
			}
		}
	}
	loc := rules.Calendar.Location()
	s := &SLA{Rules: rules,
		Monitor: &sla.Monitor{Store: a.DB.SLAClocks(), Policies: rules.Policies, Loc: loc, Now: a.Now, Log: a.Log},
		Scheduler: &sla.Scheduler{Jobs: a.DB.Jobs(), Store: a.DB.SLAClocks(), Schedules: sla.DefaultSchedules, Loc: loc, Now: a.Now,
			Waiting: waiting}}
	for kind, h := range s.Monitor.Handlers() {
		a.Worker.Handlers[kind] = h
	}
	a.Worker.Handlers[sla.JobSchedule] = s.Scheduler.Handler()
	a.SLA = s
	return s.Scheduler.EnqueueNext(ctx)
}

// dryRun lists what would fire in (from, to]: the open clocks' timers and
// the fixed-date schedules, without changing anything.
func (a *App) dryRun(ctx context.Context, from, to time.Time) ([]sla.Firing, error) {
	clocks, err := a.DB.SLAClocks().OpenClocks(ctx, to.AddDate(0, 1, 0)) // reminders come before the due time
	if err != nil {
		return nil, err
	}
	s := a.SLA
	return sla.DryRun(s.Rules.Policies, clocks, s.Scheduler.Schedules, s.Scheduler.Loc, from, to), nil
}

// closurePolicies are the whole-case limits (SLA-9: 15 days domestic, 20
// foreign) that the acknowledgement letter's expected completion follows.
var closurePolicies = []string{"sla_9", "sla_9_foreign"}

// expectedFrom returns the expected completion of a new complaint from the
// closure policy that applies to it, counted from acceptance.
func expectedFrom(rules *sla.Rules) func(c *complaint.Complaint, accepted time.Time) (time.Time, bool) {
	return func(c *complaint.Complaint, accepted time.Time) (time.Time, bool) {
		sub := sla.Subject{Safety: c.Safety, Category: c.Category, Severity: c.Severity, Region: c.Region, Class: c.CustomerClass}
		if i := strings.IndexByte(c.Category, '.'); i > 0 {
			sub.CategoryTop = c.Category[:i]
		} else {
			sub.CategoryTop = c.Category
		}
		sub.Quality = sub.CategoryTop == "quality"
		for _, code := range closurePolicies {
			p, ok := rules.Policies.Get(code)
			if !ok || !sla.Applies(p, sub) {
				continue
			}
			if due, err := sla.Due(rules.Calendar, p, accepted); err == nil {
				return due, true
			}
		}
		return time.Time{}, false
	}
}
