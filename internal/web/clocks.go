package web

import (
	"context"
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
	// Working tells whether Remaining counts working time (the policy's
	// unit is working hours or days) or calendar time.
	Working bool `json:"working"`
	// Remaining is the time left to the due time — working time for
	// working-time policies — negative when late; for a stopped clock, how
	// late it stopped (its lateness, 0 when met), negated.
	Remaining time.Duration `json:"remaining"`
	// Urgency is "overdue", "due_soon" or "" (only counting clocks).
	Urgency string `json:"urgency,omitempty"`
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
	for _, c := range cs {
		v := ClockView{Policy: c.Policy, State: c.State, StartedAt: c.StartedAt, DueAt: c.DueAt, StoppedAt: c.StoppedAt, Working: true}
		var p *sla.Policy
		if d.Policies != nil {
			if pp, ok := d.Policies.Get(c.Policy); ok {
				p = pp
				v.LabelZH, v.LabelEN, v.Working = p.ZH, p.EN, p.Working()
			}
		}
		switch {
		case c.StoppedAt != nil:
			v.Remaining = -c.Lateness
		default:
			from := now
			if c.State == sla.Paused && c.PausedAt != nil {
				from = *c.PausedAt
			}
			v.Remaining = c.DueAt.Sub(from)
			if cal := d.calendar(); v.Working && cal != nil {
				if w, err := cal.WorkingTimeBetween(from, c.DueAt); err == nil {
					v.Remaining = w
				}
			}
			if c.State == sla.Running || c.State == sla.Breached {
				switch {
				case !c.DueAt.After(now):
					v.Urgency = "overdue"
				case c.DueAt.Sub(now) < complaint.DueSoon:
					v.Urgency = "due_soon"
				}
			}
		}
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
