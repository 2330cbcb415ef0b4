package money

import (
	"cmp"
	"context"
	"slices"
	"time"

	"kesu/internal/apperr"
)

// MonthlyLine is one reward or penalty of the monthly list.
type MonthlyLine struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	ApprovedAt  time.Time `json:"approved_at"`
	PartyKind   string    `json:"party_kind"` // department, person or supplier
	PartyID     int64     `json:"party_id"`
	Party       string    `json:"party"`
	Kind        string    `json:"kind"` // penalty or reward
	Currency    string    `json:"currency"`
	Amount      int64     `json:"amount"` // fen
	Reason      string    `json:"reason,omitempty"`
}

// MonthlyTotal is what one party gets in the month, per currency:
// Net = Rewards − Penalties.
type MonthlyTotal struct {
	PartyKind string `json:"party_kind"`
	PartyID   int64  `json:"party_id"`
	Party     string `json:"party"`
	Currency  string `json:"currency"`
	Cases     int    `json:"cases"`
	Penalties int64  `json:"penalties"`
	Rewards   int64  `json:"rewards"`
	Net       int64  `json:"net"`
}

// CurrencySum is the month's sum of one currency.
type CurrencySum struct {
	Currency  string `json:"currency"`
	Penalties int64  `json:"penalties"`
	Rewards   int64  `json:"rewards"`
}

// Monthly is the monthly reward/penalty list to HR and finance (002 第6篇:
// 每月4日…奖罚情况报主管总经理和财务部): the lines of the notices the GM
// approved in the month, the totals per party and the sums per currency.
// Every total is the sum of its lines.
type Monthly struct {
	Month  string         `json:"month"` // YYYY-MM
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Lines  []MonthlyLine  `json:"lines"`
	Totals []MonthlyTotal `json:"totals"`
	Sums   []CurrencySum  `json:"sums"`
	Cases  int            `json:"cases"`
}

// BuildMonthly lays out the notices approved in the month.
func BuildMonthly(month string, from, to time.Time, ps []Penalty) *Monthly {
	m := &Monthly{Month: month, From: from, To: to, Lines: []MonthlyLine{}, Totals: []MonthlyTotal{}, Sums: []CurrencySum{}}
	type key struct {
		kind     string
		id       int64
		currency string
	}
	totals := map[key]*MonthlyTotal{}
	seen := map[key]map[int64]bool{}
	sums := map[string]*CurrencySum{}
	for _, p := range ps {
		if p.Status != StatusApproved || p.ApprovedAt == nil {
			continue
		}
		m.Cases++
		for _, l := range p.Lines {
			ml := MonthlyLine{ComplaintID: p.ComplaintID, Number: p.Number, ApprovedAt: *p.ApprovedAt, PartyKind: l.Party.Kind(),
				PartyID: l.ID(), Party: l.Name, Kind: l.Kind, Currency: p.Currency, Amount: l.Amount, Reason: l.Reason}
			m.Lines = append(m.Lines, ml)
			k := key{ml.PartyKind, ml.PartyID, p.Currency}
			t := totals[k]
			if t == nil {
				t = &MonthlyTotal{PartyKind: k.kind, PartyID: k.id, Party: l.Name, Currency: p.Currency}
				totals[k], seen[k] = t, map[int64]bool{}
			}
			s := sums[p.Currency]
			if s == nil {
				s = &CurrencySum{Currency: p.Currency}
				sums[p.Currency] = s
			}
			if l.Kind == KindReward {
				t.Rewards += l.Amount
				s.Rewards += l.Amount
			} else {
				t.Penalties += l.Amount
				s.Penalties += l.Amount
			}
			t.Net = t.Rewards - t.Penalties
			if !seen[k][p.ComplaintID] {
				seen[k][p.ComplaintID] = true
				t.Cases++
			}
		}
	}
	for _, t := range totals {
		m.Totals = append(m.Totals, *t)
	}
	order := map[string]int{"department": 0, "person": 1, "supplier": 2}
	slices.SortFunc(m.Totals, func(a, b MonthlyTotal) int {
		return cmp.Or(cmp.Compare(order[a.PartyKind], order[b.PartyKind]), cmp.Compare(a.Net, b.Net), cmp.Compare(a.PartyID, b.PartyID),
			cmp.Compare(a.Currency, b.Currency))
	})
	for _, s := range sums {
		m.Sums = append(m.Sums, *s)
	}
	slices.SortFunc(m.Sums, func(a, b CurrencySum) int { return cmp.Compare(a.Currency, b.Currency) })
	return m
}

// PenaltyStore lists approved notices.
type PenaltyStore interface {
	// ApprovedPenalties lists the notices approved in [from, to) that are
	// still approved, with their lines.
	ApprovedPenalties(ctx context.Context, from, to time.Time) ([]Penalty, error)
}

// Reports builds the monthly list and the flagged receivables.
type Reports struct {
	Store interface {
		PenaltyStore
		// FlaggedReceivables lists the receivables under standing credit
		// notes.
		FlaggedReceivables(ctx context.Context) ([]FlaggedReceivable, error)
	}
	Loc *time.Location
	Now func() time.Time
}

// MonthBounds parses "YYYY-MM" in loc; empty is the month before now (the
// list the 4th sends).
func MonthBounds(month string, loc *time.Location, now time.Time) (string, time.Time, time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	var start time.Time
	if month == "" {
		n := now.In(loc)
		start = time.Date(n.Year(), n.Month()-1, 1, 0, 0, 0, 0, loc)
	} else {
		t, err := time.ParseInLocation("2006-01", month, loc)
		if err != nil {
			return "", time.Time{}, time.Time{}, &apperr.Error{Code: apperr.Invalid, Message: "month must be YYYY-MM",
				Fields: []apperr.FieldError{{Field: "month", Rule: "invalid_value", Param: "YYYY-MM"}}}
		}
		start = t
	}
	return start.Format("2006-01"), start, start.AddDate(0, 1, 0), nil
}

// Month returns the list of month ("YYYY-MM"; empty: last month).
func (r *Reports) Month(ctx context.Context, month string) (*Monthly, error) {
	name, from, to, err := MonthBounds(month, r.Loc, r.Now())
	if err != nil {
		return nil, err
	}
	ps, err := r.Store.ApprovedPenalties(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return BuildMonthly(name, from, to, ps), nil
}

// Flagged lists the receivables reduced by standing credit notes, which
// the salesperson's collection-bonus report leaves out.
func (r *Reports) Flagged(ctx context.Context) ([]FlaggedReceivable, error) {
	return r.Store.FlaggedReceivables(ctx)
}
