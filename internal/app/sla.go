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

// SLA is the time-limit machinery: the business calendar and the policy
// versions in force, the monitor that fires the clocks, and the fixed-date
// schedules.
type SLA struct {
	Rules     *sla.Rules
	Calendars *sla.Calendars
	Policies  *sla.PolicyBook
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

// NewRules returns the time-limit rules of db: the stored policy versions
// (the newest applies to new clocks) on the effective business calendar.
// The server and the sla commands read them alike.
func NewRules(ctx context.Context, c Config, db *sqlstore.DB, now func() time.Time) (*sla.Rules, *sla.Calendars, *sla.PolicyBook, error) {
	rules, err := sla.NewRules()
	if err != nil {
		return nil, nil, nil, err
	}
	cals, err := NewCalendars(ctx, c, db)
	if err != nil {
		return nil, nil, nil, err
	}
	// New due times count on the calendar in force from the moment it is
	// loaded; running clocks keep theirs.
	cals.OnChange = rules.SetCalendar
	rules.SetCalendar(cals.Current().Calendar)
	book := &sla.PolicyBook{Store: db.Policies(), Rules: rules, Now: now}
	if err := book.Load(ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("time-limit policies: %w", err)
	}
	return rules, cals, book, nil
}

// openSLA turns the time limits on: every case change starts, stops and
// pauses clocks in its transaction, the monitor fires them, the worker
// runs the fixed-date schedules, and the next run of each schedule is
// enqueued.
func (a *App) openSLA(ctx context.Context, cases *casework.Service) error {
	rules, cals, book, err := NewRules(ctx, a.Config, a.DB, a.Now)
	if err != nil {
		return err
	}
	a.DB.SLA = rules
	cases.Clocks = a.DB.SLAClocks()
	var waiting []string
	for _, d := range cases.Definitions.All() {
		for _, st := range d.States {
			if st.PausesSLA && !slices.Contains(waiting, st.Code) {
				waiting = append(waiting, st.Code)
			}
		}
	}
	loc := rules.Calendar().Location()
	s := &SLA{Rules: rules, Calendars: cals, Policies: book,
		Monitor: &sla.Monitor{Store: a.DB.SLAClocks(), Policies: rules, Loc: loc, Now: a.Now, Log: a.Log},
		Scheduler: &sla.Scheduler{Jobs: a.DB.Jobs(), Store: a.DB.SLAClocks(), Schedules: sla.DefaultSchedules, Loc: loc, Now: a.Now,
			Waiting: waiting}}
	a.Worker.Handlers[sla.JobSchedule] = s.Scheduler.Handler()
	a.SLA = s
	return s.Scheduler.EnqueueNext(ctx)
}

// dryRun lists what would fire in (from, to]: the clocks' reminders,
// breaches and escalations and the fixed-date schedules, without changing
// anything.
func (a *App) dryRun(ctx context.Context, from, to time.Time) ([]sla.Firing, error) {
	clocks, err := a.DB.SLAClocks().OpenClocks(ctx, to)
	if err != nil {
		return nil, err
	}
	s := a.SLA
	return sla.DryRun(s.Rules, clocks, s.Scheduler.Schedules, s.Scheduler.Loc, from, to), nil
}

// expectedFrom returns the expected completion of a new complaint from the
// closure policy that applies to it, counted from its receipt; the store
// sets it again from the closure clock it starts, which also knows the
// customer's region and class.
func expectedFrom(rules *sla.Rules) func(c *complaint.Complaint, received time.Time) (time.Time, bool) {
	return func(c *complaint.Complaint, received time.Time) (time.Time, bool) {
		sub := sla.Subject{Safety: c.Safety, Category: c.Category, Severity: c.Severity, Region: c.Region, Class: c.CustomerClass,
			Profile: c.Profile}
		if i := strings.IndexByte(c.Category, '.'); i > 0 {
			sub.CategoryTop = c.Category[:i]
		} else {
			sub.CategoryTop = c.Category
		}
		sub.Quality = sub.CategoryTop == "quality"
		for p := range rules.Policies().All() {
			if !p.Closure() || !sla.Applies(p, sub) {
				continue
			}
			if due, err := sla.Due(rules.Calendar(), p, received); err == nil {
				return due, true
			}
		}
		return time.Time{}, false
	}
}
