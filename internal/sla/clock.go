package sla

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"kesu/internal/apperr"
)

// Clock states. A clock runs (or is paused while the case waits on the
// customer) until its own event meets it — met, or breached when that came
// late — or until the case takes a path without the limit or ends, which
// makes it not applicable. A running clock past its due time is marked
// breached by the monitor and keeps waiting for its event.
const (
	Running       = "running"
	Paused        = "paused"
	Met           = "met"
	Breached      = "breached"
	NotApplicable = "not_applicable"
)

// States lists the clock states.
var States = []string{Running, Paused, Met, Breached, NotApplicable}

// Clock is one policy's clock on one complaint.
type Clock struct {
	// ID numbers the clock within its complaint, 1 for the first started.
	ID          int64  `json:"id"`
	ComplaintID int64  `json:"complaint_id"`
	Policy      string `json:"policy"`
	// PolicyVersion is the version of the policies the clock started
	// under; it keeps that version's limit, reminder and escalation.
	PolicyVersion int           `json:"policy_version"`
	StartedAt     time.Time     `json:"started_at"`
	DueAt         time.Time     `json:"due_at"`
	PausedAt      *time.Time    `json:"paused_at,omitempty"`
	PausedTotal   time.Duration `json:"paused_total"` // time the due time was moved by pauses
	StoppedAt     *time.Time    `json:"stopped_at,omitempty"`
	State         string        `json:"state"`
	BreachedAt    *time.Time    `json:"breached_at,omitempty"`
	Lateness      time.Duration `json:"lateness"`
	HolderID      *int64        `json:"holder_id,omitempty"` // who held the case at the breach
	Extension     *Extension    `json:"extension,omitempty"`
	RemindedAt    *time.Time    `json:"reminded_at,omitempty"`
	// ReminderSkipped is set when the reminder's time had passed before it
	// could go out (the clock started late, or the monitor got to it at or
	// after the due time): it is never sent beside the breach.
	ReminderSkipped bool       `json:"reminder_skipped,omitempty"`
	EscalatedAt     *time.Time `json:"escalated_at,omitempty"`
	Version         int        `json:"version"`
}

// Open reports whether the clock runs or is paused.
func (c *Clock) Open() bool { return c.State == Running || c.State == Paused }

// Counting reports whether the clock still waits for its event and counts
// toward its due time or lateness: running, or breached and not stopped.
func (c *Clock) Counting() bool {
	return c.State == Running || (c.State == Breached && c.StoppedAt == nil)
}

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
	At      time.Time `json:"at,omitzero"` // when it was recorded
	Reason  string    `json:"reason,omitempty"`
}

// ErrNoConsent refuses an extension without the customer's recorded consent.
var ErrNoConsent = errors.New("an extension needs the customer's recorded consent (who, when, how)")

// Change is what a change of a case means for its clocks: the events it
// carries, whether it enters or leaves a state that pauses them, and
// whether it enters a final state.
type Change struct {
	Events []string `json:"events,omitempty"`
	Pause  bool     `json:"pause,omitempty"`
	Resume bool     `json:"resume,omitempty"`
	// Terminal is set when the case enters a state that is not open
	// (closed, archived, withdrawn, merged): every clock its own events do
	// not stop ends — running or paused ones as not applicable, breached
	// ones as breached — and none starts.
	Terminal bool `json:"terminal,omitempty"`
}

// Empty reports whether the change touches no clock.
func (ch Change) Empty() bool { return len(ch.Events) == 0 && !ch.Pause && !ch.Resume && !ch.Terminal }

// Rules are the policies (every version still referred to) and the
// calendar they count on. Both can be replaced while the rules are in use
// (an administrator's edit): every computation takes those in force when
// it starts, and a clock keeps the policy version it started under.
type Rules struct {
	cal atomic.Pointer[Calendar]
	pol atomic.Pointer[versions]
}

// versions are the known policy versions and the current one.
type versions struct {
	current *Policies
	all     map[int]*Policies
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
	r := &Rules{}
	r.cal.Store(cal)
	r.SetPolicies(ps)
	return r, nil
}

// Calendar returns the calendar new due times are counted on.
func (r *Rules) Calendar() *Calendar { return r.cal.Load() }

// SetCalendar makes c the calendar of due times counted from now on.
func (r *Rules) SetCalendar(c *Calendar) { r.cal.Store(c) }

// Policies returns the current version: the one new clocks start under.
func (r *Rules) Policies() *Policies { return r.pol.Load().current }

// SetPolicies adds policy versions; the highest known becomes current.
func (r *Rules) SetPolicies(ps ...*Policies) {
	for {
		old := r.pol.Load()
		next := &versions{all: map[int]*Policies{}}
		if old != nil {
			for v, p := range old.all {
				next.all[v] = p
			}
			next.current = old.current
		}
		for _, p := range ps {
			next.all[p.Version] = p
			if next.current == nil || p.Version >= next.current.Version {
				next.current = p
			}
		}
		if r.pol.CompareAndSwap(old, next) {
			return
		}
	}
}

// Versions returns the known versions, newest first.
func (r *Rules) Versions() []*Policies {
	vs := r.pol.Load()
	out := make([]*Policies, 0, len(vs.all))
	for _, p := range vs.all {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Policies) int { return b.Version - a.Version })
	return out
}

// Version returns a stored version, nil when it is not known here.
func (r *Rules) Version(v int) *Policies { return r.pol.Load().all[v] }

// Policy returns the policy code as version had it, or as the current
// version has it when that version is not known (or lacks the code).
func (r *Rules) Policy(code string, version int) (*Policy, bool) {
	vs := r.pol.Load()
	if ps := vs.all[version]; ps != nil {
		if p, ok := ps.Get(code); ok {
			return p, true
		}
	}
	return r.Get(code)
}

// Get implements Lookup: the current version's policy, or that of the
// newest version that had the code (a variant since removed).
func (r *Rules) Get(code string) (*Policy, bool) {
	vs := r.pol.Load()
	if p, ok := vs.current.Get(code); ok {
		return p, true
	}
	var found *Policy
	best := -1
	for v, ps := range vs.all {
		if p, ok := ps.Get(code); ok && v > best {
			found, best = p, v
		}
	}
	return found, found != nil
}

// policyOf is the policy a clock counts under.
func (r *Rules) policyOf(c *Clock) (*Policy, bool) { return r.Policy(c.Policy, c.PolicyVersion) }

// Apply works out what ch at time at (recorded at now, which is later for
// a complaint registered after it was received) does to a complaint's
// clocks: the clocks to start (without IDs) and the existing clocks it
// changes. A clock is met or breached only by its own stop events; void
// events and a final state end it as not applicable (a breached one stays
// breached, stopped there); a pause or resume moves the pausable ones; and
// a clock starts for every applicable policy starting on one of the events
// that has no counting clock yet, unless the case ends.
func (r *Rules) Apply(s Subject, clocks []Clock, ch Change, at, now time.Time) (started, changed []Clock, err error) {
	busy := make(map[string]bool, len(clocks))
	for _, c := range clocks {
		p, ok := r.policyOf(&c)
		if !ok || !(c.Open() || c.Counting()) {
			continue
		}
		before := c
		switch {
		case anyOf(ch.Events, p.Stop):
			stop(&c, at)
		case ch.Terminal || anyOf(ch.Events, p.Void) || (len(p.When.Resolutions) > 0 && !Applies(p, s)):
			end(&c, at)
		case c.State == Breached:
			busy[c.Policy] = true
		default:
			if ch.Resume && c.State == Paused {
				if err := r.resume(p, &c, at); err != nil {
					return nil, nil, err
				}
				r.arm(p, &c, now)
			}
			if ch.Pause && c.State == Running && p.Pause {
				t := at
				c.State, c.PausedAt = Paused, &t
			}
			busy[c.Policy] = true
		}
		if c != before {
			changed = append(changed, c)
		}
	}
	if ch.Terminal {
		return nil, changed, nil
	}
	cal, cur := r.Calendar(), r.Policies()
	for i := range cur.list {
		p := &cur.list[i]
		if busy[p.Code] || !anyOf(ch.Events, p.Start) || !Applies(p, s) {
			continue
		}
		due, err := Due(cal, p, at)
		if errors.Is(err, ErrNoYear) {
			continue // back-dated beyond the calendar: the complaint is stored without this clock
		}
		if err != nil {
			return nil, nil, err
		}
		c := Clock{Policy: p.Code, PolicyVersion: cur.Version, StartedAt: at, DueAt: due, State: Running, Version: 1}
		r.arm(p, &c, now)
		started = append(started, c)
	}
	return started, changed, nil
}

// stop ends a counting clock by its own event at at: met if on time (or
// while paused), breached (late by the time past due) otherwise.
func stop(c *Clock, at time.Time) {
	t := at
	c.StoppedAt = &t
	switch {
	case c.State == Breached:
		c.Lateness = at.Sub(c.DueAt)
	case c.State == Paused || !at.After(c.DueAt):
		c.State = Met
	default:
		c.State, c.Lateness = Breached, at.Sub(c.DueAt)
		c.BreachedAt = &t
	}
	c.PausedAt = nil
}

// end stops a clock whose limit no longer applies: not applicable, or, if
// it was breached already, breached up to at.
func end(c *Clock, at time.Time) {
	t := at
	c.StoppedAt, c.PausedAt = &t, nil
	if c.State == Breached {
		c.Lateness = at.Sub(c.DueAt)
		return
	}
	c.State = NotApplicable
}

// arm settles a clock's reminder after its due time was set at now: one
// whose time has already passed is skipped, never sent late.
func (r *Rules) arm(p *Policy, c *Clock, now time.Time) {
	c.RemindedAt, c.ReminderSkipped, c.EscalatedAt = nil, false, nil
	if at, ok := remindAt(p, c); ok && !at.After(now) {
		c.ReminderSkipped = true
	}
}

// remindAt is when a clock's reminder is due, if it has one: RemindBefore
// the due time, when that falls after the start.
func remindAt(p *Policy, c *Clock) (time.Time, bool) {
	if p.RemindBefore <= 0 {
		return time.Time{}, false
	}
	at := c.DueAt.Add(-time.Duration(p.RemindBefore))
	return at, at.After(c.StartedAt)
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

// Extend moves an open clock's due time to to with the customer's consent,
// recorded at now by user byUser. Without who, when and how it is refused
// with field errors (consent.by, consent.at, consent.how); so is a due
// time not after the current one.
func (r *Rules) Extend(c *Clock, to time.Time, consent Consent, reason string, byUser int64, now time.Time) error {
	if err := CheckConsent(consent, now); err != nil {
		return err
	}
	if !c.Open() {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("clock %s is %s", c.Policy, c.State),
			Fields: []apperr.FieldError{{Field: "policy", Rule: "not_running", Param: c.State}}}
	}
	if !to.After(c.DueAt) {
		return &apperr.Error{Code: apperr.Invalid, Message: "the new due time is not after the current one",
			Fields: []apperr.FieldError{{Field: "due_at", Rule: "not_after", Param: c.DueAt.UTC().Format(time.RFC3339)}}}
	}
	c.Extension = &Extension{From: c.DueAt, To: to, Consent: consent, ByUser: byUser, At: now, Reason: reason}
	c.DueAt = to
	if p, ok := r.policyOf(c); ok {
		r.arm(p, c, now)
	}
	return nil
}

// CheckConsent refuses a consent without who, when or how, or dated after
// now.
func CheckConsent(consent Consent, now time.Time) error {
	var v apperr.Validation
	v.Required("consent.by", consent.By)
	v.Required("consent.how", consent.How)
	v.MaxLen("consent.by", consent.By, 100)
	v.MaxLen("consent.how", consent.How, 100)
	switch {
	case consent.At.IsZero():
		v.Add("consent.at", "required", "")
	case consent.At.After(now.Add(time.Minute)):
		v.Add("consent.at", "in_future", "")
	}
	if err := v.Err(); err != nil {
		err.(*apperr.Error).Message = ErrNoConsent.Error()
		return err
	}
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

// Timer kinds: what a clock's firing does. They are the kinds of the
// notices the firing records.
const (
	TimerRemind   = "sla.remind"
	TimerBreach   = "sla.breach"
	TimerEscalate = "sla.escalate"
)

// Timer is a clock's due work: remind, breach or escalate at At.
type Timer struct {
	Kind    string    `json:"kind"`
	ClockID int64     `json:"clock_id"`
	Policy  string    `json:"policy"`
	Due     time.Time `json:"due"` // the clock's due time when it fired
	At      time.Time `json:"at"`
}

// Key names the firing: kind, complaint, clock and due time, so a notice
// is recorded once however many servers see it, and a moved due time
// fires again.
func (t Timer) Key(complaintID int64) string {
	return t.Kind + ":" + strconv.FormatInt(complaintID, 10) + ":" + strconv.FormatInt(t.ClockID, 10) + ":" +
		strconv.FormatInt(t.Due.UnixMicro(), 10)
}

// next returns a clock's next firing: its reminder (when one is due and
// not skipped), then its breach at the due time, then the escalation
// EscalateAfter the due time; false when nothing remains.
func next(p *Policy, c *Clock) (Timer, bool) {
	t := Timer{ClockID: c.ID, Policy: c.Policy, Due: c.DueAt}
	switch {
	case c.State == Running:
		if at, ok := remindAt(p, c); ok && c.RemindedAt == nil && !c.ReminderSkipped && at.Before(c.DueAt) {
			t.Kind, t.At = TimerRemind, at
		} else {
			t.Kind, t.At = TimerBreach, c.DueAt
		}
	case c.State == Breached && c.StoppedAt == nil && c.EscalatedAt == nil && p.EscalateAfter > 0:
		t.Kind, t.At = TimerEscalate, c.DueAt.Add(time.Duration(p.EscalateAfter))
	default:
		return Timer{}, false
	}
	return t, true
}

// Fire applies to clocks every firing due by now, in order: reminders
// whose time has come before the due time (one reached at or after it is
// skipped), breaches (recorded with the lateness so far and holder) and
// escalations. It returns the firings that took effect.
func (r *Rules) Fire(clocks []Clock, now time.Time, holder *int64) []Timer {
	var fired []Timer
	for i := range clocks {
		c := &clocks[i]
		p, ok := r.policyOf(c)
		if !ok {
			continue
		}
		for {
			t, ok := next(p, c)
			if !ok || t.At.After(now) {
				break
			}
			at := now
			switch t.Kind {
			case TimerRemind:
				if !now.Before(c.DueAt) {
					c.ReminderSkipped = true
					continue
				}
				c.RemindedAt = &at
			case TimerBreach:
				c.State, c.BreachedAt, c.Lateness = Breached, &at, now.Sub(c.DueAt)
				if holder != nil {
					h := *holder
					c.HolderID = &h
				}
			case TimerEscalate:
				c.EscalatedAt = &at
			}
			fired = append(fired, t)
		}
	}
	return fired
}

// NextFire returns the earliest time something of clocks fires, false
// when nothing will.
func (r *Rules) NextFire(clocks []Clock) (time.Time, bool) {
	var first time.Time
	for i := range clocks {
		p, ok := r.policyOf(&clocks[i])
		if !ok {
			continue
		}
		if t, ok := next(p, &clocks[i]); ok && (first.IsZero() || t.At.Before(first)) {
			first = t.At
		}
	}
	return first, !first.IsZero()
}

// EarliestDue returns the earliest due time of the counting clocks (those
// still waiting for their event, breached ones included), false when none
// counts. A complaint is overdue when it is past.
func EarliestDue(clocks []Clock) (time.Time, bool) {
	var first time.Time
	for i := range clocks {
		if c := &clocks[i]; c.Counting() && (first.IsZero() || c.DueAt.Before(first)) {
			first = c.DueAt
		}
	}
	return first, !first.IsZero()
}
