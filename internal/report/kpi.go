package report

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"kesu/internal/apperr"
)

// KPI is one person's or department's record over a period (RPT-3).
type KPI struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Rank int    `json:"rank"`
	// Volume is the number of complaints received in the period that the
	// person holds or the department owns now.
	Volume int `json:"volume"`
	Closed int `json:"closed"`
	// Responded counts those accepted (or answered on the spot).
	Responded int `json:"responded"`
	// Mean hours from receipt to acceptance and to closure.
	FirstResponse float64 `json:"first_response_hours"`
	Resolution    float64 `json:"resolution_hours"`
	// Time limits of those complaints met and missed (on time = met of
	// both); those that did not apply on the path taken count apart.
	Met           int     `json:"met"`
	Breached      int     `json:"breached"`
	NotApplicable int     `json:"not_applicable"`
	OnTime        float64 `json:"on_time"`
	// Last follow-up scores.
	Answered     int     `json:"answered"`
	Satisfaction float64 `json:"satisfaction"`
	Reopened     int     `json:"reopened"`
	ReopenRate   float64 `json:"reopen_rate"`
	// Previous is the same figures for the period of the same length just
	// before, when asked for.
	Previous *KPI `json:"previous,omitempty"`
}

// KPITable ranks people or departments.
type KPITable struct {
	By    string `json:"by"` // "holder" or "department"
	Query Query  `json:"-"`
	Rows  []KPI  `json:"rows"`
}

// KPIGroups are the ways KPIs are grouped.
var KPIGroups = []string{"holder", "department"}

// KPIs computes the KPIs of q grouped by holder or department, each with
// the previous period of the same length when compare is set. The ranking
// puts the best on-time rate first, then satisfaction, then the shortest
// resolution time.
func (s *Service) KPIs(ctx context.Context, q Query, by string, compare bool) (*KPITable, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	if !slices.Contains(KPIGroups, by) {
		var v apperr.Validation
		v.Add("by", "invalid_value", "holder,department")
		return nil, v.Err()
	}
	names, err := s.Store.Names(ctx)
	if err != nil {
		return nil, err
	}
	var rows, prev []KPI
	cur := func() (err error) {
		rows, err = s.kpis(ctx, q, by, names)
		return err
	}
	before := func() (err error) {
		if compare {
			span := q.To.Sub(q.From)
			prev, err = s.kpis(ctx, Query{From: q.From.Add(-span), To: q.From, Filter: q.Filter}, by, names)
		}
		return err
	}
	if err := parallel(cur, before); err != nil {
		return nil, err
	}
	if compare {
		byKey := map[string]KPI{}
		for _, k := range prev {
			byKey[k.Key] = k
		}
		for i := range rows {
			if p, ok := byKey[rows[i].Key]; ok {
				rows[i].Previous = &p
			} else {
				rows[i].Previous = &KPI{Key: rows[i].Key, Name: rows[i].Name}
			}
		}
	}
	return &KPITable{By: by, Query: q, Rows: rows}, nil
}

func (s *Service) kpis(ctx context.Context, q Query, by string, names *Names) ([]KPI, error) {
	type acc struct {
		KPI
		respSum, resSum float64
		respN           int
		satSum          int
	}
	accs := map[int64]*acc{}
	get := func(id int64) *acc {
		a := accs[id]
		if a == nil {
			a = &acc{}
			accs[id] = a
		}
		return a
	}
	facts := func() error {
		return s.Store.Facts(ctx, q, func(f *Fact) error {
			id := f.HolderID
			if by == "department" {
				id = f.DepartmentID
			}
			a := get(id)
			a.Volume++
			if f.AcceptedAt != nil {
				a.respSum += f.AcceptedAt.Sub(f.ReceivedAt).Hours()
				a.respN++
			}
			if f.ClosedAt != nil {
				a.Closed++
				a.resSum += f.ClosedAt.Sub(f.ReceivedAt).Hours()
			}
			if f.Satisfaction >= 1 && f.Satisfaction <= 5 {
				a.Answered++
				a.satSum += f.Satisfaction
			}
			if f.Reopens > 0 {
				a.Reopened++
			}
			f.EachOutcome(func(_ string, o byte) {
				switch o {
				case 'm':
					a.Met++
				case 'b':
					a.Breached++
				case 'n':
					a.NotApplicable++
				}
			})
			return nil
		})
	}
	if err := facts(); err != nil {
		return nil, err
	}
	out := make([]KPI, 0, len(accs))
	for id, a := range accs {
		k := a.KPI
		k.Key = idKey(id)
		switch {
		case id == 0 && by == "holder":
			k.Name = "（未分派）"
		case id == 0:
			k.Name = "（未分派部门）"
		case by == "holder":
			k.Name = names.Users[id]
		default:
			k.Name = names.Departments[id].ZH
		}
		if k.Name == "" {
			k.Name = "#" + strconv.FormatInt(id, 10)
		}
		k.Responded = a.respN
		if a.respN > 0 {
			k.FirstResponse = round(a.respSum/float64(a.respN), 2)
		}
		if k.Closed > 0 {
			k.Resolution = round(a.resSum/float64(k.Closed), 2)
		}
		k.OnTime = ratio(k.Met, k.Met+k.Breached)
		if k.Answered > 0 {
			k.Satisfaction = round(float64(a.satSum)/float64(k.Answered), 2)
		}
		k.ReopenRate = ratio(k.Reopened, k.Volume)
		out = append(out, k)
	}
	slices.SortFunc(out, func(x, y KPI) int {
		// Nobody is ranked above someone with work because they had none.
		return cmp.Or(cmp.Compare(y.OnTime, x.OnTime), cmp.Compare(y.Satisfaction, x.Satisfaction),
			cmp.Compare(x.Resolution, y.Resolution), cmp.Compare(y.Volume, x.Volume), cmp.Compare(x.Key, y.Key))
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, nil
}
