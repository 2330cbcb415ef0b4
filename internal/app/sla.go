package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// SLA is the time-limit machinery: the business calendar in force, clock
// timers and fixed-date schedules.
type SLA struct {
	Rules     *sla.Rules
	Calendars *sla.Calendars
	Monitor   *sla.Monitor
	Scheduler *sla.Scheduler
}

// NewCalendars returns the effective business calendar of db (the shipped
// years, replaced by the administrators' stored ones) in the configured
// zone, loaded. The server and the calendar commands read it alike.
func NewCalendars(ctx context.Context, c Config, db *sqlstore.DB) (*sla.Calendars, error) {
	cals := &sla.Calendars{Base: sla.Config{Location: c.Loc}}
	if db != nil {
		cals.Store = db.Calendar()
	}
	if _, err := cals.Load(ctx); err != nil {
		return nil, fmt.Errorf("business calendar: %w", err)
	}
	return cals, nil
}

// openSLA turns the time limits on: every case change starts, stops and
// pauses clocks in its transaction, the worker runs their timers and the
// fixed-date schedules, and the next run of each schedule is enqueued.
func (a *App) openSLA(ctx context.Context, cases *casework.Service) error {
	rules, err := sla.NewRules()
	if err != nil {
		return err
	}
	cals, err := NewCalendars(ctx, a.Config, a.DB)
	if err != nil {
		return err
	}
	// New due times count on the calendar in force from the moment it is
	// loaded; running clocks keep theirs.
	cals.OnChange = rules.SetCalendar
	rules.SetCalendar(cals.Current().Calendar)
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
	loc := rules.Calendar().Location()
	s := &SLA{Rules: rules, Calendars: cals,
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
			if due, err := sla.Due(rules.Calendar(), p, accepted); err == nil {
				return due, true
			}
		}
		return time.Time{}, false
	}
}
