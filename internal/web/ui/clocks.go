package ui

import (
	"context"
	"fmt"
	"time"

	"kesu/internal/web"
)

// clockRow is one time-limit clock on the case page (issue 6).
type clockRow struct {
	Label, State string
	Due          time.Time
	// Left is the remaining (working) time, or how late, in words.
	Left string
	// Class is "overdue", "due-soon" or "" for the row's colour.
	Class string
}

// clockRows describes a complaint's clocks in lang at now.
func (h *handler) clockRows(ctx context.Context, complaintID int64, lang string) ([]clockRow, error) {
	vs, err := h.d.ClockViews(ctx, complaintID, h.d.Now())
	if err != nil {
		return nil, err
	}
	var out []clockRow
	for _, v := range vs {
		r := clockRow{Label: v.Label(lang), State: web.T(lang, "sla.state."+v.State), Due: v.DueAt}
		switch v.Urgency {
		case "overdue":
			r.Class = "overdue"
		case "due_soon":
			r.Class = "due-soon"
		}
		unit := "sla.calendar"
		if v.Working {
			unit = "sla.working"
		}
		switch {
		case v.Remaining < 0:
			r.Left = web.T(lang, "sla.late", span(-v.Remaining, lang))
		case v.StoppedAt != nil:
			r.Left = web.T(lang, "sla.on_time")
		default:
			r.Left = web.T(lang, "sla.left", span(v.Remaining, lang), web.T(lang, unit))
		}
		out = append(out, r)
	}
	return out, nil
}

// span writes a duration as days, hours and minutes.
func span(d time.Duration, lang string) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	if lang == "en" {
		if days > 0 {
			return fmt.Sprintf("%dd %dh", days, hours)
		}
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	if days > 0 {
		return fmt.Sprintf("%d天%d小时", days, hours)
	}
	return fmt.Sprintf("%d小时%d分", hours, mins)
}
