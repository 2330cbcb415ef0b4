package web

import (
	"context"
	"net/http"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/sla"
)

// ClockReader reads the time-limit clocks of a complaint.
type ClockReader interface {
	Clocks(ctx context.Context, complaintID int64) ([]sla.Clock, error)
}

// ClockView is one clock as the case page and the API show it.
type ClockView struct {
	Policy    string     `json:"policy"`
	LabelZH   string     `json:"label_zh"`
	LabelEN   string     `json:"label_en"`
	State     string     `json:"state"`
	StartedAt time.Time  `json:"started_at"`
	DueAt     time.Time  `json:"due_at"`
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
	// Working tells whether the clock counts working time (the policy's
	// unit is working hours or days) or calendar time.
	Working bool `json:"working"`
	// Remaining is the time left to the due time — working time for
	// working-time policies — negative when late; for a stopped clock, how
	// late it stopped (0 when met or not applicable), negated.
	Remaining time.Duration `json:"remaining"`
	// Left is Remaining in the clock's own unit: working days of
	// HoursPerDay working hours for working-time clocks, 24-hour days for
	// the others.
	Left        Span    `json:"left"`
	HoursPerDay float64 `json:"hours_per_day,omitempty"`
	// Urgency is "overdue", "due_soon" or "" (only counting clocks).
	Urgency   string         `json:"urgency,omitempty"`
	Extension *sla.Extension `json:"extension,omitempty"`
}

// Span is a duration in days, hours and minutes; Late when it is past the
// due time.
type Span struct {
	Days    int  `json:"days"`
	Hours   int  `json:"hours"`
	Minutes int  `json:"minutes"`
	Late    bool `json:"late"`
}

// SpanOf splits d into days of day length, hours and minutes.
func SpanOf(d, day time.Duration) Span {
	var s Span
	if d < 0 {
		s.Late, d = true, -d
	}
	d = d.Round(time.Minute)
	if day <= 0 {
		day = 24 * time.Hour
	}
	s.Days = int(d / day)
	d -= time.Duration(s.Days) * day
	s.Hours, s.Minutes = int(d/time.Hour), int(d%time.Hour/time.Minute)
	return s
}

// Label is the policy's name in lang.
func (v ClockView) Label(lang string) string {
	if lang == "en" && v.LabelEN != "" {
		return v.LabelEN
	}
	if v.LabelZH != "" {
		return v.LabelZH
	}
	return v.Policy
}

// ClockViews reads and describes a complaint's clocks at now.
func (d *Deps) ClockViews(ctx context.Context, complaintID int64, now time.Time) ([]ClockView, error) {
	out := []ClockView{}
	if d.Clocks == nil {
		return out, nil
	}
	cs, err := d.Clocks.Clocks(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	cal := d.calendar()
	for _, c := range cs {
		v := ClockView{Policy: c.Policy, State: c.State, StartedAt: c.StartedAt, DueAt: c.DueAt, StoppedAt: c.StoppedAt,
			Extension: c.Extension}
		if d.Policies != nil {
			if p, ok := d.Policies.Get(c.Policy); ok {
				v.LabelZH, v.LabelEN, v.Working = p.ZH, p.EN, p.Working()
			}
		}
		// working is the working time from a to b, or the elapsed time for
		// a calendar-time clock (or without a calendar).
		working := func(a, b time.Time) time.Duration {
			if v.Working && cal != nil {
				if w, err := cal.WorkingTimeBetween(a, b); err == nil {
					return w
				}
			}
			return b.Sub(a)
		}
		switch {
		case c.StoppedAt != nil && c.State == sla.Breached:
			v.Remaining = -working(c.DueAt, *c.StoppedAt)
		case c.StoppedAt != nil:
			v.Remaining = 0
		default:
			from := now
			if c.State == sla.Paused && c.PausedAt != nil {
				from = *c.PausedAt
			}
			v.Remaining = working(from, c.DueAt)
			if c.Counting() {
				switch {
				case !c.DueAt.After(now):
					v.Urgency = "overdue"
				case c.DueAt.Sub(now) < complaint.DueSoon:
					v.Urgency = "due_soon"
				}
			}
		}
		day := 24 * time.Hour
		if v.Working && cal != nil {
			day = cal.HoursPerDay()
			v.HoursPerDay = day.Hours()
		}
		v.Left = SpanOf(v.Remaining, day)
		out = append(out, v)
	}
	return out, nil
}

// calendar returns the business calendar in force, nil when time limits
// are off.
func (d *Deps) calendar() *sla.Calendar {
	if d.Calendars == nil {
		return nil
	}
	if e := d.Calendars.Current(); e != nil {
		return e.Calendar
	}
	return nil
}

// ReadScope is what the signed-in user of r may read of the complaints,
// for lists, reports and exports (nil: everything).
func (d *Deps) ReadScope(r *http.Request) (*complaint.Scope, error) {
	pr := PrincipalOf(r)
	if pr == nil || d.Cases == nil {
		return &complaint.Scope{}, nil
	}
	return d.Cases.ListScope(r.Context(), pr.User)
}
