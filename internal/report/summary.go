package report

import (
	"context"
	"fmt"
	"time"
)

// Summary is what the weekly and monthly summaries tell managers (RPT-2):
// the period's statistics and its improvement proposals.
type Summary struct {
	Kind   string // "weekly" or "monthly"
	Period string // "2026-W47" or "2026-10"
	Stats  *Stats
	// Proposals are the CAPA actions verified effective in the period and
	// flagged to update the standard (000 通知 §六).
	Proposals []Proposal
}

// Proposal is an improvement proposal: an effective corrective or
// preventive action to write into the procedures.
type Proposal struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Note        string    `json:"note"`
	VerifiedAt  time.Time `json:"verified_at"`
}

// SummaryPeriod is the period a summary run at covers: the ISO week
// before for "weekly", the month before for "monthly".
func SummaryPeriod(kind string, at time.Time, loc *time.Location) (from, to time.Time, label string, err error) {
	l := at.In(loc)
	switch kind {
	case "weekly":
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		from, to = monday.AddDate(0, 0, -7), monday
		y, w := from.ISOWeek()
		return from, to, fmt.Sprintf("%d-W%02d", y, w), nil
	case "monthly":
		to = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		from = to.AddDate(0, -1, 0)
		return from, to, from.Format("2006-01"), nil
	}
	return time.Time{}, time.Time{}, "", fmt.Errorf("report: no summary kind %q", kind)
}

// Summary computes the summary of kind for the period before at.
func (s *Service) Summary(ctx context.Context, kind string, at time.Time) (*Summary, error) {
	from, to, label, err := SummaryPeriod(kind, at, s.loc())
	if err != nil {
		return nil, err
	}
	st, err := s.Statistics(ctx, Query{From: from, To: to})
	if err != nil {
		return nil, err
	}
	ps, err := s.Store.Proposals(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return &Summary{Kind: kind, Period: label, Stats: st, Proposals: ps}, nil
}
