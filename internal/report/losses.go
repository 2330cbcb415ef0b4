package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"kesu/internal/money"
)

// LossLine is one share of one case's loss (FIN-2): the costed loss of the
// case (money.Cost), or without one the amount settled with the customer,
// allocated to a responsible department, person or supplier by its share. A case without responsible parties has one line with no
// party and the whole amount.
type LossLine struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	ClosedAt    time.Time `json:"closed_at"`
	Category    string    `json:"category"`
	CategoryZH  string    `json:"category_zh"`
	CategoryEN  string    `json:"category_en"`
	Resolution  string    `json:"resolution"`
	Currency    string    `json:"currency"`
	Amount      int64     `json:"amount"` // the case's whole amount, in fen
	Department  string    `json:"department,omitempty"`
	DeptID      int64     `json:"department_id,omitempty"`
	Person      string    `json:"person,omitempty"`
	PersonID    int64     `json:"person_id,omitempty"`
	Supplier    string    `json:"supplier,omitempty"`
	SupplierID  int64     `json:"supplier_id,omitempty"`
	Share       int       `json:"share"`     // percent
	Allocated   int64     `json:"allocated"` // Amount × Share, in fen
}

// LossTotal is what one party carries in the period.
type LossTotal struct {
	Kind      string `json:"kind"` // department, person, supplier or none
	ID        int64  `json:"id,omitempty"`
	Name      string `json:"name"`
	Cases     int    `json:"cases"`
	Allocated int64  `json:"allocated"` // in fen
}

// Losses is the monthly loss list to HR and finance (FIN-2): the cases
// closed in the period with an amount, each amount allocated to its
// responsible parties, and the totals per party.
type Losses struct {
	From   time.Time   `json:"from"`
	To     time.Time   `json:"to"`
	Lines  []LossLine  `json:"lines"`
	Totals []LossTotal `json:"totals"`
	Amount int64       `json:"amount"` // the period's cases' amounts, in fen
	Cases  int         `json:"cases"`
}

// Losses lists the loss allocation of the cases closed in [q.From, q.To).
func (s *Service) Losses(ctx context.Context, q Query) (*Losses, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	lines, err := s.Store.Losses(ctx, q.From, q.To, q.Filter.Scope)
	if err != nil {
		return nil, err
	}
	out := &Losses{From: q.From, To: q.To, Lines: []LossLine{}, Totals: []LossTotal{}}
	type key struct {
		kind string
		id   int64
	}
	totals := map[key]*LossTotal{}
	seen := map[key]map[int64]bool{}
	cases := map[int64]bool{}
	allocate(lines)
	for _, l := range lines {
		if l.Share <= 0 && (l.DeptID != 0 || l.PersonID != 0 || l.SupplierID != 0) {
			continue
		}
		if !cases[l.ComplaintID] {
			cases[l.ComplaintID] = true
			out.Amount += l.Amount
		}
		out.Lines = append(out.Lines, l)
		var ks []key
		switch {
		case l.PersonID != 0:
			ks = append(ks, key{"person", l.PersonID})
		case l.SupplierID != 0:
			ks = append(ks, key{"supplier", l.SupplierID})
		}
		if l.DeptID != 0 {
			ks = append(ks, key{"department", l.DeptID})
		}
		if len(ks) == 0 {
			ks = append(ks, key{"none", 0})
		}
		for _, k := range ks {
			t := totals[k]
			if t == nil {
				name := map[string]string{"person": l.Person, "supplier": l.Supplier, "department": l.Department, "none": "（未定责任方）"}[k.kind]
				t = &LossTotal{Kind: k.kind, ID: k.id, Name: name}
				totals[k] = t
				seen[k] = map[int64]bool{}
			}
			t.Allocated += l.Allocated
			if !seen[k][l.ComplaintID] {
				seen[k][l.ComplaintID] = true
				t.Cases++
			}
		}
	}
	out.Cases = len(cases)
	for _, t := range totals {
		out.Totals = append(out.Totals, *t)
	}
	order := map[string]int{"department": 0, "person": 1, "supplier": 2, "none": 3}
	slices.SortFunc(out.Totals, func(a, b LossTotal) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(b.Allocated, a.Allocated), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// allocate sets each line's share of its case's amount: the parts of a
// case add up to its amount exactly (money.Allocate, largest remainder)
// when its shares add up to 100 %. A case without parties carries it all.
func allocate(lines []LossLine) {
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j].ComplaintID == lines[i].ComplaintID {
			j++
		}
		shares := make([]int, 0, j-i)
		for k := i; k < j; k++ {
			if lines[k].DeptID == 0 && lines[k].PersonID == 0 && lines[k].SupplierID == 0 {
				lines[k].Share = 100
			}
			shares = append(shares, max(lines[k].Share, 0))
		}
		for k, a := range money.Allocate(lines[i].Amount, shares) {
			lines[i+k].Allocated = a
		}
		i = j
	}
}
