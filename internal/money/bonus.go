package money

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"kesu/internal/apperr"
)

// The salesperson's collection-bonus report 应收账款回收率绩效奖金 (003
// 第十三条(二)3): 因客诉之故，而影响应收款项回收时，会计部门于计算业务人应收帐款
// 回收率的绩效奖金时，应依据"客户埋怨处理表"所列料号之应收金额予以扣除. For
// the receivables falling due in a period, per salesperson and currency:
//
//	due          the receivables' amounts
//	collected    everything collected against them so far
//	within terms what was collected on or before each due date
//	excluded     the part of a receivable a standing credit note reduces,
//	             at most what was collected within terms on it
//	base         within terms − excluded
//
// A note voided because the complaint was found not established no longer
// excludes anything: the receivable counts again (003 第九条(十三)).

// DueInvoice is a receivable due in the period with its collections
// summed, as the store reads it.
type DueInvoice struct {
	Ref           string
	Customer      string
	SalespersonID int64
	Salesperson   string
	Currency      string
	Amount        int64
	DueOn         string
	Collected     int64 // all collections
	WithinTerms   int64 // collections dated on or before DueOn
}

// CreditFlag is a receivable reduced by a standing credit note.
type CreditFlag struct {
	Ref         string
	Amount      int64 // the part the note reduces
	Currency    string
	ComplaintID int64
	Complaint   string // the complaint number
	Note        string // the credit note number
	Reason      string
	Status      string // the note's status
}

// BonusLine is one receivable of the report.
type BonusLine struct {
	Ref           string `json:"ref"`
	Customer      string `json:"customer,omitempty"`
	SalespersonID int64  `json:"salesperson_id"`
	Salesperson   string `json:"salesperson"`
	Currency      string `json:"currency"`
	DueOn         string `json:"due_on"`
	Due           int64  `json:"due"`
	Collected     int64  `json:"collected"`
	WithinTerms   int64  `json:"within_terms"`
	Excluded      int64  `json:"excluded"`
	Base          int64  `json:"base"`
	// Complaints are the numbers of the complaints whose notes flag it.
	Complaints []string `json:"complaints"`
}

// BonusExclusion is a credit note's exclusion of one receivable.
type BonusExclusion struct {
	Ref           string `json:"ref"`
	SalespersonID int64  `json:"salesperson_id"`
	Salesperson   string `json:"salesperson"`
	Currency      string `json:"currency"`
	ComplaintID   int64  `json:"complaint_id"`
	Complaint     string `json:"complaint"`
	Note          string `json:"note"` // the credit note number
	Reason        string `json:"reason"`
	Status        string `json:"status"`
	Flagged       int64  `json:"flagged"`  // the part the note reduces
	Excluded      int64  `json:"excluded"` // what it takes out of the base
}

// BonusRow is one salesperson's figures in one currency; BonusSum is a
// currency's. Both are sums of the lines.
type BonusRow struct {
	SalespersonID int64  `json:"salesperson_id"`
	Salesperson   string `json:"salesperson"`
	BonusSum
}

// BonusSum adds up lines.
type BonusSum struct {
	Currency    string `json:"currency"`
	Receivables int    `json:"receivables"`
	Due         int64  `json:"due"`
	Collected   int64  `json:"collected"`
	WithinTerms int64  `json:"within_terms"`
	Excluded    int64  `json:"excluded"`
	Base        int64  `json:"base"`
}

func (s *BonusSum) add(l BonusLine) {
	s.Receivables++
	s.Due += l.Due
	s.Collected += l.Collected
	s.WithinTerms += l.WithinTerms
	s.Excluded += l.Excluded
	s.Base += l.Base
}

// Bonus is the collection-bonus report of a period: receivables due from
// From to To (dates, both included).
type Bonus struct {
	Month      string           `json:"month,omitempty"` // YYYY-MM when the period is a month
	From       string           `json:"from"`
	To         string           `json:"to"`
	Rows       []BonusRow       `json:"rows"`
	Sums       []BonusSum       `json:"sums"`
	Lines      []BonusLine      `json:"lines"`
	Exclusions []BonusExclusion `json:"exclusions"`
}

// BuildBonus lays out the receivables due in the period with the credit
// notes that flag them.
func BuildBonus(month, from, to string, due []DueInvoice, flags []CreditFlag) *Bonus {
	b := &Bonus{Month: month, From: from, To: to, Rows: []BonusRow{}, Sums: []BonusSum{}, Lines: []BonusLine{}, Exclusions: []BonusExclusion{}}
	byRef := map[string][]CreditFlag{}
	for _, f := range flags {
		byRef[f.Ref] = append(byRef[f.Ref], f)
	}
	type key struct {
		id       int64
		currency string
	}
	rows := map[key]*BonusRow{}
	sums := map[string]*BonusSum{}
	for _, d := range due {
		within := min(d.WithinTerms, d.Amount)
		l := BonusLine{Ref: d.Ref, Customer: d.Customer, SalespersonID: d.SalespersonID, Salesperson: d.Salesperson, Currency: d.Currency,
			DueOn: d.DueOn, Due: d.Amount, Collected: d.Collected, WithinTerms: within, Complaints: []string{}}
		fs := byRef[d.Ref]
		slices.SortFunc(fs, func(a, b CreditFlag) int { return cmp.Compare(a.ComplaintID, b.ComplaintID) })
		for _, f := range fs {
			x := BonusExclusion{Ref: d.Ref, SalespersonID: d.SalespersonID, Salesperson: d.Salesperson, Currency: d.Currency,
				ComplaintID: f.ComplaintID, Complaint: f.Complaint, Note: f.Note, Reason: f.Reason, Status: f.Status, Flagged: f.Amount}
			if f.Currency == d.Currency {
				x.Excluded = min(f.Amount, within-l.Excluded)
			}
			l.Excluded += x.Excluded
			l.Complaints = append(l.Complaints, f.Complaint)
			b.Exclusions = append(b.Exclusions, x)
		}
		l.Base = within - l.Excluded
		b.Lines = append(b.Lines, l)
		k := key{d.SalespersonID, d.Currency}
		r := rows[k]
		if r == nil {
			r = &BonusRow{SalespersonID: d.SalespersonID, Salesperson: d.Salesperson, BonusSum: BonusSum{Currency: d.Currency}}
			rows[k] = r
		}
		r.add(l)
		s := sums[d.Currency]
		if s == nil {
			s = &BonusSum{Currency: d.Currency}
			sums[d.Currency] = s
		}
		s.add(l)
	}
	for _, r := range rows {
		b.Rows = append(b.Rows, *r)
	}
	slices.SortFunc(b.Rows, func(x, y BonusRow) int {
		return cmp.Or(strings.Compare(x.Salesperson, y.Salesperson), cmp.Compare(x.SalespersonID, y.SalespersonID), strings.Compare(x.Currency, y.Currency))
	})
	slices.SortFunc(b.Lines, func(x, y BonusLine) int {
		return cmp.Or(strings.Compare(x.Salesperson, y.Salesperson), cmp.Compare(x.SalespersonID, y.SalespersonID), strings.Compare(x.DueOn, y.DueOn),
			strings.Compare(x.Ref, y.Ref))
	})
	for _, s := range sums {
		b.Sums = append(b.Sums, *s)
	}
	slices.SortFunc(b.Sums, func(x, y BonusSum) int { return strings.Compare(x.Currency, y.Currency) })
	return b
}

// MaxBonusDays bounds a report's period.
const MaxBonusDays = 366

// BonusPeriod reads the period of the report: month (YYYY-MM), or from
// and to (YYYY-MM-DD, both included); none is last month in loc. It
// answers the month (empty for a range) and the dates [from, to).
func BonusPeriod(month, from, to string, loc *time.Location, now time.Time) (name, start, end string, err error) {
	if from == "" && to == "" {
		m, f, t, err := MonthBounds(month, loc, now)
		if err != nil {
			return "", "", "", err
		}
		return m, f.Format(dateLayout), t.Format(dateLayout), nil
	}
	var v apperr.Validation
	if month != "" {
		v.Add("month", "invalid_value", "")
	}
	ok := checkDate(&v, "from", from)
	if checkDate(&v, "to", to) && ok {
		f, _ := time.Parse(dateLayout, from)
		t, _ := time.Parse(dateLayout, to)
		switch {
		case t.Before(f):
			v.Add("to", "before_from", "")
		case t.Sub(f) >= MaxBonusDays*24*time.Hour:
			v.Add("to", "too_large", "366")
		}
		end = t.AddDate(0, 0, 1).Format(dateLayout)
	}
	if err := v.Err(); err != nil {
		return "", "", "", err
	}
	return "", from, end, nil
}

// Bonus builds the report of a month or of from–to (see BonusPeriod).
func (s *Receivables) Bonus(ctx context.Context, month, from, to string) (*Bonus, error) {
	name, start, end, err := BonusPeriod(strings.TrimSpace(month), strings.TrimSpace(from), strings.TrimSpace(to), s.loc(), s.Now())
	if err != nil {
		return nil, err
	}
	due, err := s.Store.InvoicesDue(ctx, start, end)
	if err != nil {
		return nil, err
	}
	flags, err := s.Store.StandingCredits(ctx, start, end)
	if err != nil {
		return nil, err
	}
	last, _ := time.Parse(dateLayout, end)
	return BuildBonus(name, start, last.AddDate(0, 0, -1).Format(dateLayout), due, flags), nil
}
