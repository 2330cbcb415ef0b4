package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/enum"
)

// LiveRow is one owner's or department's open work now.
type LiveRow struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
}

// Dashboard is the live picture for managers (RPT-5).
type Dashboard struct {
	At           time.Time `json:"at"`
	Open         int       `json:"open"`
	Overdue      int       `json:"overdue"`
	DueToday     int       `json:"due_today"`
	ByOwner      []LiveRow `json:"by_owner"`
	ByDepartment []LiveRow `json:"by_department"`
	Due          []DueItem `json:"due"`
	// Month is this month's figures: received so far and its Pareto of
	// categories.
	Month    string  `json:"month"`
	Received int     `json:"received"`
	Pareto   Pareto  `json:"pareto"`
	Trend    []Month `json:"trend"`
}

// dueListSize bounds the due-today list.
const dueListSize = 50

// Dashboard computes the live dashboard at the service's now, over the
// complaints scope holds (nil: all).
func (s *Service) Dashboard(ctx context.Context, scope *complaint.Scope) (*Dashboard, error) {
	loc := s.loc()
	now := s.Now().In(loc)
	d := &Dashboard{At: now}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	thisMonth := Query{From: month, To: month.AddDate(0, 1, 0), Filter: complaint.Filter{Scope: scope}}
	d.Month = month.Format("2006-01")
	cats := tally{}
	// The queries are independent; they run side by side.
	var names *Names
	var live []LiveCount
	err := parallel(func() error {
		return s.Store.Facts(ctx, thisMonth, func(f *Fact) error {
			d.Received++
			cats.add(f.Category, f)
			return nil
		})
	}, func() (err error) {
		if names, err = s.Store.Names(ctx); err != nil {
			return err
		}
		if live, err = s.Store.Live(ctx, s.openStatuses(), now, scope); err != nil {
			return err
		}
		d.Due, d.DueToday, err = s.Store.DueBetween(ctx, now, day.AddDate(0, 0, 1), dueListSize, scope)
		return err
	}, func() (err error) {
		d.Trend, err = s.trend(ctx, thisMonth)
		return err
	})
	if err != nil {
		return nil, err
	}
	owners, depts := map[int64]*LiveRow{}, map[int64]*LiveRow{}
	deptNames := map[int64]string{}
	for id, l := range names.Departments {
		deptNames[id] = l.ZH
	}
	for _, l := range live {
		d.Open += l.Open
		d.Overdue += l.Overdue
		for _, x := range []struct {
			m  map[int64]*LiveRow
			id int64
			n  map[int64]string
		}{{owners, l.HolderID, names.Users}, {depts, l.DepartmentID, deptNames}} {
			r := x.m[x.id]
			if r == nil {
				r = &LiveRow{Key: idKey(x.id), Name: x.n[x.id]}
				if x.id == 0 {
					r.Name = "（未分派）"
				}
				x.m[x.id] = r
			}
			r.Open += l.Open
			r.Overdue += l.Overdue
		}
	}
	order := func(m map[int64]*LiveRow) []LiveRow {
		out := make([]LiveRow, 0, len(m))
		for _, r := range m {
			out = append(out, *r)
		}
		slices.SortFunc(out, func(x, y LiveRow) int {
			return cmp.Or(cmp.Compare(y.Overdue, x.Overdue), cmp.Compare(y.Open, x.Open), cmp.Compare(x.Key, y.Key))
		})
		return out
	}
	d.ByOwner, d.ByDepartment = order(owners), order(depts)

	var policies enum.Set
	if s.Policies != nil {
		policies = s.Policies()
	}
	for i := range d.Due {
		it := &d.Due[i]
		it.Holder = names.Users[it.HolderID]
		if p, ok := policies.Find(it.Policy); ok {
			it.PolicyLabel = p.ZH
		}
	}

	d.Pareto = pareto("category", s.breakdown("category", cats, names, d.Received))
	return d, nil
}
