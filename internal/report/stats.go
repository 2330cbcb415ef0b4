package report

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/enum"
)

// Service computes reports. Labels name the codes of each dimension;
// Policies name the time limits.
type Service struct {
	Store Store
	Now   func() time.Time
	Loc   *time.Location // months and days are counted in this zone
	// Labels holds the enumerations by dimension name (channel, severity,
	// class, region, status, validity, responsibility).
	Labels map[string]enum.Set
	// Policies returns the time-limit names in display order (they change
	// when an administrator saves a new version).
	Policies func() enum.Set
	// OpenStatuses are the workflow states in which work remains.
	OpenStatuses []string
	// States, when set, returns the workflow states as they are now — their
	// names and the open ones — in place of Labels["status"] and
	// OpenStatuses: an administrator may upload a definition with new states
	// while the server runs.
	States func() (names enum.Set, open []string)
}

// openStatuses returns the states in which work remains, as of now.
func (s *Service) openStatuses() []string {
	if s.States != nil {
		_, open := s.States()
		return open
	}
	return s.OpenStatuses
}

// labels returns the enumeration of dimension dim, as of now.
func (s *Service) labels(dim string) (enum.Set, bool) {
	if dim == "status" && s.States != nil {
		names, _ := s.States()
		return names, true
	}
	set, ok := s.Labels[dim]
	return set, ok
}

// Row is one line of a breakdown.
type Row struct {
	Key   string  `json:"key"` // the code or id; "" for "not set"
	ZH    string  `json:"zh"`
	EN    string  `json:"en"`
	Count int     `json:"count"`
	Share float64 `json:"share"` // of the breakdown's total, 0–1
	// Open, Overdue and Closed split Count by where the cases stand now.
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	Closed  int `json:"closed"`
}

// Breakdown counts complaints by one dimension, largest first (or in the
// dimension's own order for short enumerations).
type Breakdown struct {
	Dim   string `json:"dim"`
	Total int    `json:"total"`
	Rows  []Row  `json:"rows"`
}

// Limit is the on-time record of one time limit (SLA policy). Clocks
// whose limit did not apply on the path the case took are counted apart,
// neither met nor breached.
type Limit struct {
	Policy        string  `json:"policy"`
	ZH            string  `json:"zh"`
	EN            string  `json:"en"`
	Met           int     `json:"met"`
	Breached      int     `json:"breached"`
	NotApplicable int     `json:"not_applicable"`
	Running       int     `json:"running"`
	OnTime        float64 `json:"on_time"` // Met / (Met + Breached); 0 when none finished
}

// Stage is the time spent in one lifecycle stage, in hours.
type Stage struct {
	Stage  string  `json:"stage"`
	Count  int     `json:"count"`
	Mean   float64 `json:"mean_hours"`
	Median float64 `json:"median_hours"`
	P90    float64 `json:"p90_hours"`
}

// Stages measured, each from one milestone to another.
var Stages = enum.Set{
	{Code: "accept", ZH: "受理（接收→受理）", EN: "Acceptance (received → accepted)"},
	{Code: "reply", ZH: "答复（接收→首次答复）", EN: "Reply (received → first reply)"},
	{Code: "execute", ZH: "执行（答复→方案执行）", EN: "Execution (reply → executed)"},
	{Code: "close", ZH: "结案（接收→结案）", EN: "Closure (received → closed)"},
}

// Satisfaction is the distribution of the last follow-up scores.
type Satisfaction struct {
	Answered int     `json:"answered"`
	Mean     float64 `json:"mean"`
	Scores   [5]int  `json:"scores"` // Scores[i] counts score i+1
}

// Pareto is a Pareto analysis: items by count, largest first, with the
// running share; the "vital few" are those up to 80%.
type Pareto struct {
	Dim   string       `json:"dim"`
	Total int          `json:"total"`
	Items []ParetoItem `json:"items"`
}

// ParetoItem is one bar of a Pareto chart.
type ParetoItem struct {
	Key        string  `json:"key"`
	ZH         string  `json:"zh"`
	EN         string  `json:"en"`
	Count      int     `json:"count"`
	Cumulative float64 `json:"cumulative"` // running share, 0–1
	Vital      bool    `json:"vital"`
}

// Month is one month of a trend.
type Month struct {
	Month    string   `json:"month"` // YYYY-MM
	Count    int      `json:"count"`
	PrevYear int      `json:"prev_year"` // the same month a year before
	MoM      *float64 `json:"mom"`       // change against the month before; null when that was 0
	YoY      *float64 `json:"yoy"`       // change against PrevYear; null when that was 0
	Partial  bool     `json:"partial"`   // the month is not over yet
}

// Stats is the complaint statistics table 客诉案件统计表 for one query.
type Stats struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Total int       `json:"total"`
	// Where the cases stand now.
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	Closed  int `json:"closed"`
	// Classification (TRI-4): established or not, and not yet decided.
	Established    int `json:"established"`
	NotEstablished int `json:"not_established"`
	Undecided      int `json:"undecided"`
	// Rates over Total.
	RepeatRate     float64 `json:"repeat_rate"`
	ReopenRate     float64 `json:"reopen_rate"`
	WithdrawalRate float64 `json:"withdrawal_rate"`
	Repeats        int     `json:"repeats"`
	Reopened       int     `json:"reopened"`
	Withdrawn      int     `json:"withdrawn"`
	// Extended counts the complaints with a time limit extended with the
	// customer's consent.
	Extended int `json:"extended"`

	Breakdowns   []Breakdown  `json:"breakdowns"`
	Limits       []Limit      `json:"limits"`
	Stages       []Stage      `json:"stages"`
	Satisfaction Satisfaction `json:"satisfaction"`
	Pareto       []Pareto     `json:"pareto"`
	Trend        []Month      `json:"trend"`
}

// Breakdown returns the breakdown by dim, or an empty one.
func (s *Stats) Breakdown(dim string) Breakdown {
	for _, b := range s.Breakdowns {
		if b.Dim == dim {
			return b
		}
	}
	return Breakdown{Dim: dim}
}

// Dimensions of the statistics table, in display order. Product and batch
// list the 20 largest; the rest are complete.
var Dimensions = enum.Set{
	{Code: "category_top", ZH: "投诉类别", EN: "Category"},
	{Code: "category", ZH: "投诉小类", EN: "Sub-category"},
	{Code: "severity", ZH: "严重程度", EN: "Severity"},
	{Code: "channel", ZH: "投诉渠道", EN: "Channel"},
	{Code: "class", ZH: "客户类别", EN: "Customer class"},
	{Code: "region", ZH: "地区", EN: "Region"},
	{Code: "status", ZH: "处理状态", EN: "Status"},
	{Code: "department", ZH: "主责部门", EN: "Owning department"},
	{Code: "responsible_department", ZH: "责任部门", EN: "Responsible department"},
	{Code: "responsibility", ZH: "责任类型", EN: "Responsibility"},
	{Code: "validity", ZH: "投诉性质", EN: "Validity"},
	{Code: "established", ZH: "是否成立", EN: "Established"},
	{Code: "product", ZH: "产品", EN: "Product"},
	{Code: "batch", ZH: "批次", EN: "Batch"},
}

// topN is how many products and batches a breakdown lists.
const topN = 20

// maxSpan bounds a statistics period.
const maxSpan = 5 * 366 * 24 * time.Hour

// check validates the period.
func (q *Query) check() error {
	var v apperr.Validation
	if q.From.IsZero() {
		v.Add("from", "required", "")
	}
	if q.To.IsZero() {
		v.Add("to", "required", "")
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		if !q.To.After(q.From) {
			v.Add("to", "after", "from")
		} else if q.To.Sub(q.From) > maxSpan {
			v.Add("to", "max_span", "5y")
		}
	}
	return v.Err()
}

// tally accumulates one dimension.
type tally map[string]*Row

func (t tally) add(key string, f *Fact) {
	r := t[key]
	if r == nil {
		r = &Row{Key: key}
		t[key] = r
	}
	r.Count++
	switch {
	case f.ClosedAt != nil:
		r.Closed++
	default:
		r.Open++
		if f.Overdue {
			r.Overdue++
		}
	}
}

// Statistics computes the statistics table for q.
func (s *Service) Statistics(ctx context.Context, q Query) (*Stats, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	st := &Stats{From: q.From, To: q.To}
	// The store's other queries run beside the scan of the facts.
	var names *Names
	var resp []KeyCount
	others := func() (err error) {
		if names, err = s.Store.Names(ctx); err != nil {
			return err
		}
		if st.Repeats, err = s.Store.Repeats(ctx, q); err != nil {
			return err
		}
		if resp, err = s.Store.Responsible(ctx, q); err != nil {
			return err
		}
		st.Trend, err = s.trend(ctx, q)
		return err
	}
	byPolicy := map[string]*Limit{}
	count := func(policy string, o byte) {
		l := byPolicy[policy]
		if l == nil {
			l = &Limit{Policy: policy}
			byPolicy[policy] = l
		}
		switch o {
		case 'm':
			l.Met++
		case 'b':
			l.Breached++
		case 'n':
			l.NotApplicable++
		default:
			l.Running++
		}
	}
	dims := map[string]tally{}
	for _, d := range Dimensions {
		dims[d.Code] = tally{}
	}
	var durations [4][]float64
	causes := map[string]int{}
	facts := func() error {
		return s.Store.Facts(ctx, q, func(f *Fact) error {
			st.Total++
			switch {
			case f.ClosedAt != nil:
				st.Closed++
			default:
				st.Open++
				if f.Overdue {
					st.Overdue++
				}
			}
			switch {
			case f.Established == nil:
				st.Undecided++
			case *f.Established:
				st.Established++
			default:
				st.NotEstablished++
			}
			if f.Reopens > 0 {
				st.Reopened++
			}
			if f.Status == "withdrawn" {
				st.Withdrawn++
			}
			if f.Extended() {
				st.Extended++
			}
			dims["category_top"].add(f.CategoryTop, f)
			dims["category"].add(f.Category, f)
			dims["severity"].add(f.Severity, f)
			dims["channel"].add(f.Channel, f)
			dims["class"].add(f.Class, f)
			dims["region"].add(f.Region, f)
			dims["status"].add(f.Status, f)
			dims["department"].add(idKey(f.DepartmentID), f)
			dims["responsibility"].add(f.Responsibility, f)
			dims["validity"].add(f.Validity, f)
			dims["established"].add(boolKey(f.Established), f)
			dims["product"].add(idKey(f.ProductID), f)
			dims["batch"].add(f.BatchNo, f)
			if f.RootCause != "" {
				causes[f.RootCause]++
			}
			hours := func(from time.Time, to *time.Time) float64 { return to.Sub(from).Hours() }
			if f.AcceptedAt != nil {
				durations[0] = append(durations[0], hours(f.ReceivedAt, f.AcceptedAt))
			}
			if f.RepliedAt != nil {
				durations[1] = append(durations[1], hours(f.ReceivedAt, f.RepliedAt))
				if f.ExecutedAt != nil {
					durations[2] = append(durations[2], hours(*f.RepliedAt, f.ExecutedAt))
				}
			}
			if f.ClosedAt != nil {
				durations[3] = append(durations[3], hours(f.ReceivedAt, f.ClosedAt))
			}
			if f.Satisfaction >= 1 && f.Satisfaction <= 5 {
				st.Satisfaction.Answered++
				st.Satisfaction.Scores[f.Satisfaction-1]++
			}
			f.EachOutcome(count)
			return nil
		})
	}
	if err := parallel(facts, others); err != nil {
		return nil, err
	}
	st.Limits = s.limits(byPolicy)
	if st.Satisfaction.Answered > 0 {
		sum := 0
		for i, n := range st.Satisfaction.Scores {
			sum += (i + 1) * n
		}
		st.Satisfaction.Mean = round(float64(sum)/float64(st.Satisfaction.Answered), 2)
	}
	st.RepeatRate = ratio(st.Repeats, st.Total)
	st.ReopenRate = ratio(st.Reopened, st.Total)
	st.WithdrawalRate = ratio(st.Withdrawn, st.Total)

	respTally := tally{}
	for _, kc := range resp {
		respTally[idKey(kc.Key)] = &Row{Key: idKey(kc.Key), Count: kc.Count}
	}
	dims["responsible_department"] = respTally

	for _, d := range Dimensions {
		b := s.breakdown(d.Code, dims[d.Code], names, st.Total)
		st.Breakdowns = append(st.Breakdowns, b)
	}
	for i, d := range Stages {
		st.Stages = append(st.Stages, stage(d.Code, durations[i]))
	}
	st.Pareto = append(st.Pareto, pareto("category", st.Breakdown("category")))
	causeRows := make([]Row, 0, len(causes))
	for k, n := range causes {
		causeRows = append(causeRows, Row{Key: k, ZH: k, EN: k, Count: n})
	}
	sortRows(causeRows)
	st.Pareto = append(st.Pareto, pareto("root_cause", Breakdown{Dim: "root_cause", Rows: causeRows}))
	st.Pareto = append(st.Pareto, pareto("responsibility", st.Breakdown("responsibility")))
	return st, nil
}

// breakdown turns a tally into labelled rows.
func (s *Service) breakdown(dim string, t tally, names *Names, total int) Breakdown {
	b := Breakdown{Dim: dim, Total: total, Rows: []Row{}}
	for _, r := range t {
		r.ZH, r.EN = s.label(dim, r.Key, names)
		r.Share = ratio(r.Count, total)
		b.Rows = append(b.Rows, *r)
	}
	if set, ok := s.labels(dim); ok && dim != "status" {
		order := map[string]int{}
		for i, o := range set {
			order[o.Code] = i + 1
		}
		slices.SortFunc(b.Rows, func(x, y Row) int {
			ox, oy := order[x.Key], order[y.Key]
			if ox == 0 {
				ox = math.MaxInt
			}
			if oy == 0 {
				oy = math.MaxInt
			}
			return cmp.Or(cmp.Compare(ox, oy), cmp.Compare(x.Key, y.Key))
		})
	} else {
		sortRows(b.Rows)
	}
	if (dim == "product" || dim == "batch") && len(b.Rows) > topN {
		b.Rows = b.Rows[:topN]
	}
	return b
}

func sortRows(rows []Row) {
	slices.SortFunc(rows, func(x, y Row) int { return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Key, y.Key)) })
}

// label names a key of a dimension.
func (s *Service) label(dim, key string, names *Names) (zh, en string) {
	if key == "" {
		return "（未填）", "(not set)"
	}
	id, _ := strconv.ParseInt(key, 10, 64)
	switch dim {
	case "category_top", "category":
		if l, ok := names.Categories[key]; ok {
			return l.ZH, l.EN
		}
	case "department", "responsible_department":
		if l, ok := names.Departments[id]; ok {
			return l.ZH, cmp.Or(l.EN, l.ZH)
		}
	case "product":
		if n, ok := names.Products[id]; ok {
			return n, n
		}
	case "holder":
		if n, ok := names.Users[id]; ok {
			return n, n
		}
	case "batch":
		return key, key
	case "established":
		if key == "true" {
			return "成立", "Established"
		}
		return "不成立", "Not established"
	default:
		if set, ok := s.labels(dim); ok {
			if o, ok := set.Find(key); ok {
				return o.ZH, o.EN
			}
		}
	}
	return key, key
}

// limits orders the time limits as the policies are, with the on-time
// rate of each; policies no longer configured come last.
func (s *Service) limits(byPolicy map[string]*Limit) []Limit {
	out := []Limit{}
	var names enum.Set
	if s.Policies != nil {
		names = s.Policies()
	}
	for _, p := range names {
		if l, ok := byPolicy[p.Code]; ok {
			l.ZH, l.EN = p.ZH, p.EN
			l.OnTime = ratio(l.Met, l.Met+l.Breached)
			out = append(out, *l)
			delete(byPolicy, p.Code)
		}
	}
	rest := make([]string, 0, len(byPolicy))
	for code := range byPolicy {
		rest = append(rest, code)
	}
	slices.Sort(rest)
	for _, code := range rest {
		l := byPolicy[code]
		l.ZH, l.EN = code, code
		l.OnTime = ratio(l.Met, l.Met+l.Breached)
		out = append(out, *l)
	}
	return out
}

// stage summarises durations in hours.
func stage(code string, d []float64) Stage {
	st := Stage{Stage: code, Count: len(d)}
	if len(d) == 0 {
		return st
	}
	slices.Sort(d)
	sum := 0.0
	for _, x := range d {
		sum += x
	}
	st.Mean = round(sum/float64(len(d)), 2)
	st.Median = round(percentile(d, 0.5), 2)
	st.P90 = round(percentile(d, 0.9), 2)
	return st
}

// percentile interpolates linearly between closest ranks of sorted d
// (the method of spreadsheets' PERCENTILE.INC).
func percentile(d []float64, p float64) float64 {
	if len(d) == 1 {
		return d[0]
	}
	pos := p * float64(len(d)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(d)-1)
	return d[lo] + (d[hi]-d[lo])*(pos-float64(lo))
}

// pareto orders a breakdown for a Pareto chart.
func pareto(dim string, b Breakdown) Pareto {
	rows := slices.Clone(b.Rows)
	rows = slices.DeleteFunc(rows, func(r Row) bool { return r.Key == "" || r.Count == 0 })
	sortRows(rows)
	total := 0
	for _, r := range rows {
		total += r.Count
	}
	p := Pareto{Dim: dim, Total: total, Items: []ParetoItem{}}
	run := 0
	for _, r := range rows {
		before := ratio(run, total)
		run += r.Count
		p.Items = append(p.Items, ParetoItem{Key: r.Key, ZH: r.ZH, EN: r.EN, Count: r.Count,
			Cumulative: ratio(run, total), Vital: before < 0.8})
	}
	return p
}

// trend counts the twelve months up to the end of the period, each with
// the same month a year before.
func (s *Service) trend(ctx context.Context, q Query) ([]Month, error) {
	loc := s.loc()
	last := q.To.Add(-time.Nanosecond).In(loc)
	first := time.Date(last.Year(), last.Month()-11, 1, 0, 0, 0, 0, loc)
	now := s.Now().In(loc)
	out := make([]Month, 0, 12)
	prev := -1
	for i := 0; i < 12; i++ {
		start := first.AddDate(0, i, 0)
		end := start.AddDate(0, 1, 0)
		n, err := s.Store.Count(ctx, Query{From: start, To: end, Filter: q.Filter})
		if err != nil {
			return nil, err
		}
		py, err := s.Store.Count(ctx, Query{From: start.AddDate(-1, 0, 0), To: end.AddDate(-1, 0, 0), Filter: q.Filter})
		if err != nil {
			return nil, err
		}
		m := Month{Month: start.Format("2006-01"), Count: n, PrevYear: py, Partial: end.After(now)}
		if prev > 0 {
			c := round(float64(n-prev)/float64(prev), 4)
			m.MoM = &c
		}
		if py > 0 {
			c := round(float64(n-py)/float64(py), 4)
			m.YoY = &c
		}
		prev = n
		out = append(out, m)
	}
	return out, nil
}

// parallel runs fns side by side, the first on the calling goroutine, and
// returns the first error. Reports read through a pool of connections, so
// the independent queries of one report need not wait for each other.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i := 1; i < len(fns); i++ {
		wg.Go(func() { errs[i] = fns[i]() })
	}
	errs[0] = fns[0]()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) loc() *time.Location {
	if s.Loc != nil {
		return s.Loc
	}
	return time.UTC
}

func idKey(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func boolKey(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return round(float64(n)/float64(d), 4)
}

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}
