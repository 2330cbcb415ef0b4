package ui

import (
	"context"
	"fmt"
	"time"

	"kesu/internal/web"
)

// clockRow is one time-limit clock on the case page (issue 6).
type clockRow struct {
	Policy, Label, State string
	Due                  time.Time
	// Left is the remaining time in the clock's own unit (working days
	// and hours, or days and hours), or how late, in words.
	Left string
	// Class is "overdue", "due-soon" or "" for the row's colour.
	Class string
	// Open clocks can be extended with the customer's consent.
	Open     bool
	Extended string // "from → to, consent" of the last extension
}

// consentMethods are how a customer's consent to an extension is given.
var consentMethods = []string{"phone", "email", "letter", "in_person", "wechat", "other"}

// clockRows describes a complaint's clocks in lang at now.
func (h *handler) clockRows(ctx context.Context, complaintID int64, lang string) ([]clockRow, error) {
	vs, err := h.d.ClockViews(ctx, complaintID, h.d.Now())
	if err != nil {
		return nil, err
	}
	var out []clockRow
	for _, v := range vs {
		r := clockRow{Policy: v.Policy, Label: v.Label(lang), State: web.T(lang, "sla.state."+v.State), Due: v.DueAt,
			Open: v.State == "running" || v.State == "paused"}
		switch v.Urgency {
		case "overdue":
			r.Class = "overdue"
		case "due_soon":
			r.Class = "due-soon"
		}
		switch {
		case v.Left.Late:
			r.Left = web.T(lang, "sla.late", span(v.Left, v.Working, lang))
		case v.State == "not_applicable":
			r.Left = web.T(lang, "sla.not_applicable")
		case v.StoppedAt != nil:
			r.Left = web.T(lang, "sla.on_time")
		default:
			r.Left = web.T(lang, "sla.left", span(v.Left, v.Working, lang))
		}
		if x := v.Extension; x != nil {
			r.Extended = web.T(lang, "sla.extended", x.From.In(h.loc).Format("2006-01-02 15:04"), x.To.In(h.loc).Format("2006-01-02 15:04"),
				x.Consent.By)
		}
		out = append(out, r)
	}
	return out, nil
}

// span writes a remaining time in its unit: working days and hours for a
// working-time clock (3个工作日2小时), days and hours otherwise (3天2小时);
// hours and minutes under a day.
func span(s web.Span, working bool, lang string) string {
	if lang == "en" {
		switch {
		case s.Days > 0 && working:
			return fmt.Sprintf("%d working days %dh", s.Days, s.Hours)
		case s.Days > 0:
			return fmt.Sprintf("%dd %dh", s.Days, s.Hours)
		case working:
			return fmt.Sprintf("%dh %dm working time", s.Hours, s.Minutes)
		}
		return fmt.Sprintf("%dh %dm", s.Hours, s.Minutes)
	}
	switch {
	case s.Days > 0 && working:
		return fmt.Sprintf("%d个工作日%d小时", s.Days, s.Hours)
	case s.Days > 0:
		return fmt.Sprintf("%d天%d小时", s.Days, s.Hours)
	case working:
		return fmt.Sprintf("%d工作小时%d分", s.Hours, s.Minutes)
	}
	return fmt.Sprintf("%d小时%d分", s.Hours, s.Minutes)
}
