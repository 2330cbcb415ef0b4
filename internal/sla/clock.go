package sla

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"kesu/internal/jobs"
)

// Clock states.
const (
	Running  = "running"
	Paused   = "paused"
	Met      = "met"
	Breached = "breached"
)

// Clock is one policy's clock on one complaint.
type Clock struct {
	ID          int64         `json:"id"`
	ComplaintID int64         `json:"complaint_id"`
	Policy      string        `json:"policy"`
	StartedAt   time.Time     `json:"started_at"`
	DueAt       time.Time     `json:"due_at"`
	PausedAt    *time.Time    `json:"paused_at,omitempty"`
	PausedTotal time.Duration `json:"paused_total"` // time the due time was moved by pauses
	StoppedAt   *time.Time    `json:"stopped_at,omitempty"`
	State       string        `json:"state"`
	BreachedAt  *time.Time    `json:"breached_at,omitempty"`
	Lateness    time.Duration `json:"lateness"`
	HolderID    *int64        `json:"holder_id,omitempty"` // who held the case at the breach
	Extension   *Extension    `json:"extension,omitempty"`
	RemindedAt  *time.Time    `json:"reminded_at,omitempty"`
	EscalatedAt *time.Time    `json:"escalated_at,omitempty"`
	Version     int           `json:"version"`
}

// Open reports whether the clock still counts (or would after a pause).
func (c *Clock) Open() bool { return c.State == Running || c.State == Paused }

// Consent is the customer's recorded agreement to a later due time
// (000 §4.5.2).
type Consent struct {
	By  string    `json:"by"`  // who agreed, e.g. the complainant's name
	At  time.Time `json:"at"`  // when
	How string    `json:"how"` // phone, email, letter, in person …
}

// Extension is a due time moved with the customer's consent.
type Extension struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Consent Consent   `json:"consent"`
	ByUser  int64     `json:"by_user,omitempty"`
}

// ErrNoConsent refuses an extension without the customer's recorded consent.
var ErrNoConsent = errors.New("an extension needs the customer's recorded consent (who, when, how)")

// Change is what a change of a case means for its clocks: the events it
// carries and whether it enters or leaves a state that pauses them.
type Change struct {
	Events []string `json:"events,omitempty"`
	Pause  bool     `json:"pause,omitempty"`
	Resume bool     `json:"resume,omitempty"`
}

// Empty reports whether the change touches no clock.
func (ch Change) Empty() bool { return len(ch.Events) == 0 && !ch.Pause && !ch.Resume }

// Rules are the policies and the calendar they count on. The calendar can
// be replaced while the rules are in use (an administrator's edit): every
// computation takes the calendar in force when it starts.
type Rules struct {
	Policies *Policies
	cal      atomic.Pointer[Calendar]
}

// NewRules returns the shipped policies on the default calendar.
func NewRules() (*Rules, error) {
	cal, err := Default()
	if err != nil {
		return nil, err
	}
	ps, err := DefaultPolicies()
	if err != nil {
		return nil, err
	}
	r := &Rules{Policies: ps}
	r.cal.Store(cal)
	return r, nil
}

// Calendar returns the calendar new due times are counted on.
func (r *Rules) Calendar() *Calendar { return r.cal.Load() }

// SetCalendar makes c the calendar of due times counted from now on.
func (r *Rules) SetCalendar(c *Calendar) { r.cal.Store(c) }

// Apply works out what ch at time at does to a complaint's clocks: the
// clocks to start (without IDs) and the existing clocks it changes. It
// stops open clocks whose policy stops on one of the events, pauses or
// resumes the pausable ones, and starts a clock for every applicable
// policy starting on one of the events that has no open clock yet.
func (r *Rules) Apply(s Subject, clocks []Clock, ch Change, at time.Time) (started, changed []Clock, err error) {
	open := map[string]bool{}
	for _, c := range clocks {
		p, ok := r.Policies.Get(c.Policy)
		if !ok || !c.Open() {
			continue
		}
		before := c
		if anyOf(ch.Events, p.Stop) {
			stop(&c, at)
		} else {
			if ch.Resume && c.State == Paused {
				if err := r.resume(p, &c, at); err != nil {
					return nil, nil, err
				}
			}
			if ch.Pause && c.State == Running && p.Pause {
				t := at
				c.State, c.PausedAt = Paused, &t
			}
			open[c.Policy] = true
		}
		if c != before {
			changed = append(changed, c)
		}
	}
	cal := r.Calendar()
	for _, p := range r.Policies.list {
		if open[p.Code] || !anyOf(ch.Events, p.Start) || !Applies(&p, s) {
			continue
		}
		due, err := Due(cal, &p, at)
		if errors.Is(err, ErrNoYear) {
			continue // back-dated beyond the calendar: the complaint is stored without this clock
		}
		if err != nil {
			return nil, nil, err
		}
		started = append(started, Clock{Policy: p.Code, StartedAt: at, DueAt: due, State: Running, Version: 1})
	}
	return started, changed, nil
}

// stop ends an open clock at at: met if on time, breached (late by the
// time past due) otherwise.
func stop(c *Clock, at time.Time) {
	t := at
	c.StoppedAt = &t
	switch {
	case c.State == Paused || !at.After(c.DueAt):
		c.State = Met
	default:
		c.State, c.Lateness = Breached, at.Sub(c.DueAt)
		c.BreachedAt = &t
	}
	c.PausedAt = nil
}

// resume moves a paused clock's due time by the paused time: working time
// for policies counted in working time, elapsed time otherwise.
func (r *Rules) resume(p *Policy, c *Clock, at time.Time) error {
	var moved time.Duration
	if p.Working() {
		cal := r.Calendar()
		d, err := cal.WorkingTimeBetween(*c.PausedAt, at)
		if err != nil {
			return err
		}
		if c.DueAt, err = cal.AddWorkingHours(c.DueAt, d); err != nil {
			return err
		}
		moved = d
	} else {
		moved = at.Sub(*c.PausedAt)
		c.DueAt = c.DueAt.Add(moved)
	}
	c.PausedTotal += moved
	c.State, c.PausedAt = Running, nil
	return nil
}

// Extend moves an open clock's due time later with the customer's consent.
func Extend(c *Clock, to time.Time, consent Consent, byUser int64) error {
	if consent.By == "" || consent.How == "" || consent.At.IsZero() {
		return ErrNoConsent
	}
	if !c.Open() {
		return fmt.Errorf("clock %s is %s", c.Policy, c.State)
	}
	if !to.After(c.DueAt) {
		return fmt.Errorf("the new due time %s is not after the current one %s", to.Format(time.RFC3339), c.DueAt.Format(time.RFC3339))
	}
	c.Extension = &Extension{From: c.DueAt, To: to, Consent: consent, ByUser: byUser}
	c.DueAt = to
	return nil
}

func anyOf(events, list []string) bool {
	for _, e := range events {
		if slices.Contains(list, e) {
			return true
		}
	}
	return false
}

// Timer job kinds. Their handlers re-check the clock when they run.
const (
	JobRemind   = "sla.remind"
	JobBreach   = "sla.breach"
	JobEscalate = "sla.escalate"
)

// Timer is a clock's due work: remind, breach or escalate at At.
type Timer struct {
	Kind    string    `json:"kind"`
	ClockID int64     `json:"clock_id"`
	Due     time.Time `json:"due"` // the due time the timer was set for; a moved clock ignores it
	At      time.Time `json:"at"`
}

// Timers returns the timers of a running clock: a reminder RemindBefore
// the due time (when that is after the start), the breach at the due time
// and the escalation EscalateAfter it.
func Timers(p *Policy, c *Clock) []Timer {
	var ts []Timer
	if p.RemindBefore > 0 {
		if at := c.DueAt.Add(-time.Duration(p.RemindBefore)); at.After(c.StartedAt) {
			ts = append(ts, Timer{Kind: JobRemind, ClockID: c.ID, Due: c.DueAt, At: at})
		}
	}
	ts = append(ts, Timer{Kind: JobBreach, ClockID: c.ID, Due: c.DueAt, At: c.DueAt})
	if p.EscalateAfter > 0 {
		ts = append(ts, Timer{Kind: JobEscalate, ClockID: c.ID, Due: c.DueAt, At: c.DueAt.Add(time.Duration(p.EscalateAfter))})
	}
	return ts
}

// Job is the durable job of a timer. Its key names the clock and due time,
// so a timer is enqueued once however many servers see it, and a moved due
// time gets new jobs.
func (t Timer) Job() *jobs.Job {
	return &jobs.Job{Kind: t.Kind, Key: t.Kind + ":" + strconv.FormatInt(t.ClockID, 10) + ":" + strconv.FormatInt(t.Due.UnixMicro(), 10),
		Payload: jobs.Payload(t), RunAt: t.At}
}

// TimerJobs returns the jobs of c's timers.
func TimerJobs(p *Policy, c *Clock) []*jobs.Job {
	var out []*jobs.Job
	for _, t := range Timers(p, c) {
		out = append(out, t.Job())
	}
	return out
}
