package queue

import (
	"context"
	"math"
	"sort"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
)

// TypeFigures are a service type's figures over a period.
type TypeFigures struct {
	TypeID int64  `json:"type_id"`
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Figures
}

// HourType is one type's traffic in one clock hour and the dedicated
// counters the planner recommends for it.
type HourType struct {
	TypeID     int64   `json:"type_id"`
	Arrivals   float64 `json:"arrivals"`        // mean per day
	MeanHandle float64 `json:"mean_handle_min"` // observed, or the type's expected handle time
	Counters   int     `json:"counters"`        // recommended dedicated counters
}

// HourPlan is the recommended counter split of one clock hour.
type HourPlan struct {
	Hour      int        `json:"hour"` // local clock hour, 9 is 09:00–10:00
	Types     []HourType `json:"types"`
	Dedicated int        `json:"dedicated"` // sum of the types' dedicated counters
	Pooled    int        `json:"pooled"`    // counters one pooled line needs
}

// Analytics are a branch's queue figures over days, from its history.
type Analytics struct {
	From        string        `json:"from"`
	To          string        `json:"to"`
	Days        int           `json:"days"` // days with tickets
	Target      time.Duration `json:"target"`
	Level       float64       `json:"level"`
	Types       []TypeFigures `json:"types"`
	Total       Figures       `json:"total"`
	Hours       []HourPlan    `json:"hours"`
	Assumptions []string      `json:"assumptions"`
}

// Samples turns finished tickets into figures' samples: the wait is from
// issue to the (last) call, the handle time from serving to finishing.
// Tickets still in line or at a counter are left out.
func Samples(tickets []Ticket) []Sample {
	var out []Sample
	for _, t := range tickets {
		switch {
		case t.Status == StatusNoShow && t.CalledAt != nil:
			out = append(out, Sample{Type: t.TypeID, Wait: t.CalledAt.Sub(t.IssuedAt), NoShow: true})
		case t.Status == StatusDone && t.CalledAt != nil && t.FinishedAt != nil:
			h := time.Duration(0)
			if t.ServedAt != nil {
				h = t.FinishedAt.Sub(*t.ServedAt)
			}
			out = append(out, Sample{Type: t.TypeID, Wait: t.CalledAt.Sub(t.IssuedAt), Handle: h})
		}
	}
	return out
}

// Analyse computes a branch's figures and the recommended counter split
// per hour (Erlang C for target and level) from its tickets.
func Analyse(tickets []Ticket, types []ServiceType, loc *time.Location, from, to string, target time.Duration, level float64) (Analytics, error) {
	a := Analytics{From: from, To: to, Target: target, Level: level, Types: []TypeFigures{}, Hours: []HourPlan{}, Assumptions: Assumptions}
	var v apperr.Validation
	if target <= 0 {
		v.Add("target", "positive", "")
	}
	if !(level > 0 && level < 1) {
		v.Add("level", "between", "0,1")
	}
	if err := v.Err(); err != nil {
		return a, err
	}
	byType, total := Summarise(Samples(tickets), target)
	a.Total = total
	for _, t := range types {
		a.Types = append(a.Types, TypeFigures{TypeID: t.ID, Prefix: t.Prefix, Name: t.Name, NameEN: t.NameEN, Figures: byType[t.ID]})
	}
	days := map[string]bool{}
	arrivals := map[int]map[int64]int{} // hour → type → tickets
	handleSum, handleN := map[int64]float64{}, map[int64]int{}
	for _, t := range tickets {
		days[t.Day] = true
		h := t.IssuedAt.In(loc).Hour()
		if arrivals[h] == nil {
			arrivals[h] = map[int64]int{}
		}
		arrivals[h][t.TypeID]++
		if t.Status == StatusDone && t.ServedAt != nil && t.FinishedAt != nil {
			handleSum[t.TypeID] += t.FinishedAt.Sub(*t.ServedAt).Minutes()
			handleN[t.TypeID]++
		}
	}
	a.Days = len(days)
	if a.Days == 0 {
		return a, nil
	}
	handle := func(t ServiceType) float64 {
		if handleN[t.ID] > 0 && handleSum[t.ID] > 0 {
			return handleSum[t.ID] / float64(handleN[t.ID])
		}
		return t.HandleMinutes
	}
	hours := make([]int, 0, len(arrivals))
	for h := range arrivals {
		hours = append(hours, h)
	}
	sort.Ints(hours)
	for _, h := range hours {
		hp := HourPlan{Hour: h, Types: []HourType{}}
		var all, work float64
		for _, t := range types {
			n := float64(arrivals[h][t.ID]) / float64(a.Days)
			ht := HourType{TypeID: t.ID, Arrivals: math.Round(n*10) / 10, MeanHandle: math.Round(handle(t)*10) / 10}
			if n > 0 {
				p, err := PlanCounters(PlanInput{Arrivals: n, Per: time.Hour, Handle: minutes(handle(t)), Target: target, Level: level})
				if err != nil {
					return a, err
				}
				ht.Counters = p.Recommended
			}
			all += n
			work += n * handle(t)
			hp.Dedicated += ht.Counters
			hp.Types = append(hp.Types, ht)
		}
		if all > 0 {
			p, err := PlanCounters(PlanInput{Arrivals: all, Per: time.Hour, Handle: minutes(work / all), Target: target, Level: level})
			if err != nil {
				return a, err
			}
			hp.Pooled = p.Recommended
		}
		a.Hours = append(a.Hours, hp)
	}
	return a, nil
}

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

// Replay turns a recorded day's tickets into simulator arrivals (from
// midnight of the day): who came when, for which type, how long serving
// them took (the type's expected time when not recorded), and who did not
// come when called.
func Replay(tickets []Ticket, types []ServiceType, loc *time.Location) []Arrival {
	expected := map[int64]float64{}
	for _, t := range types {
		expected[t.ID] = t.HandleMinutes
	}
	var out []Arrival
	for _, t := range tickets {
		lt := t.IssuedAt.In(loc)
		midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
		a := Arrival{At: lt.Sub(midnight), Type: t.TypeID, Handle: minutes(expected[t.TypeID]), NoShow: t.Status == StatusNoShow}
		if t.Status == StatusDone && t.ServedAt != nil && t.FinishedAt != nil {
			a.Handle = t.FinishedAt.Sub(*t.ServedAt)
		}
		out = append(out, a)
	}
	return out
}

// SimRequest asks the simulator to replay a recorded day (Day) or a day
// generated from the branch's observed hourly traffic (From..To) against
// a counter split and a policy.
type SimRequest struct {
	Day    string         `json:"day"`
	From   string         `json:"from"`
	To     string         `json:"to"`
	Policy Policy         `json:"policy"`
	Split  map[int64]int  `json:"split"`    // dedicated counters per type (dedicated, priority)
	Pooled int            `json:"counters"` // counters serving every type (pooled; added to the split otherwise)
	Target time.Duration  `json:"-"`
	Seed   uint64         `json:"seed"`
	Demand []Demand       `json:"-"`
	Types  []ServiceType  `json:"-"`
	Loc    *time.Location `json:"-"`
	Record []Ticket       `json:"-"`
}

// SimReport is a simulated day's figures per type.
type SimReport struct {
	Policy     Policy        `json:"policy"`
	Counters   int           `json:"counters"`
	Arrivals   int           `json:"arrivals"`
	Types      []TypeFigures `json:"types"`
	Total      Figures       `json:"total"`
	LastFinish string        `json:"last_finish"` // clock time the last customer left
}

// RunSimulation simulates req and reports the figures per type.
func RunSimulation(req SimRequest) (SimReport, error) {
	var v apperr.Validation
	if !req.Policy.Valid() {
		v.Add("policy", "one_of", "dedicated,pooled,priority")
	}
	n := req.Pooled
	for _, c := range req.Split {
		if c < 0 {
			v.Add("split", "not_negative", "")
		}
		n += c
	}
	if n <= 0 || n > 500 {
		v.Add("counters", "out_of_range", "1–500")
	}
	if err := v.Err(); err != nil {
		return SimReport{}, err
	}
	st := make([]SimType, len(req.Types))
	for i, t := range req.Types {
		st[i] = SimType{ID: t.ID, Priority: t.Priority}
	}
	var arr []Arrival
	if req.Record != nil {
		arr = Replay(req.Record, req.Types, req.Loc)
	} else {
		arr = Generate(req.Demand, req.Seed)
	}
	profiles := append(Split(st, req.Split), AllTypes(st, req.Pooled)...)
	res, err := Simulate(Scenario{Arrivals: arr, Types: st, Counters: profiles, Policy: req.Policy, Target: req.Target, NoShowTime: time.Minute})
	if err != nil {
		return SimReport{}, err
	}
	rep := SimReport{Policy: req.Policy, Counters: len(profiles), Arrivals: len(arr), Total: res.Total, Types: []TypeFigures{}}
	for _, t := range req.Types {
		rep.Types = append(rep.Types, TypeFigures{TypeID: t.ID, Prefix: t.Prefix, Name: t.Name, NameEN: t.NameEN, Figures: res.ByType[t.ID]})
	}
	end := res.LastFinish
	rep.LastFinish = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(end).Format("15:04")
	return rep, nil
}

// Analytics reads a branch's history over from..to and analyses it, for
// a member of staff whose queue.report reaches the branch.
func (s *Service) Analytics(ctx context.Context, a Actor, branchID int64, from, to string, target time.Duration, level float64) (Analytics, error) {
	if err := s.reportOn(ctx, a, branchID); err != nil {
		return Analytics{}, err
	}
	return s.analytics(ctx, branchID, from, to, target, level)
}

// reportOn checks queue.report over branch id as stored now.
func (s *Service) reportOn(ctx context.Context, a Actor, branchID int64) error {
	b, err := s.Store.Branch(ctx, branchID)
	if err != nil {
		return err
	}
	return s.authorize(ctx, a, auth.QueueReport, b)
}

func (s *Service) analytics(ctx context.Context, branchID int64, from, to string, target time.Duration, level float64) (Analytics, error) {
	types, err := s.Store.Types(ctx, branchID)
	if err != nil {
		return Analytics{}, err
	}
	ts, err := s.Store.Tickets(ctx, branchID, from, to)
	if err != nil {
		return Analytics{}, err
	}
	return Analyse(ts, types, s.Loc, from, to, target, level)
}

// Simulate replays the recorded day req.Day, or a day generated from the
// hourly traffic of from..to (the types' expected handle times where
// history is missing), against the proposed split and policy; for a
// member of staff whose queue.report reaches the branch.
func (s *Service) Simulate(ctx context.Context, actor Actor, branchID int64, req SimRequest) (SimReport, error) {
	b, err := s.Store.Branch(ctx, branchID)
	if err != nil {
		return SimReport{}, err
	}
	if err := s.authorize(ctx, actor, auth.QueueReport, b); err != nil {
		return SimReport{}, err
	}
	if req.Types, err = s.Store.Types(ctx, b.ID); err != nil {
		return SimReport{}, err
	}
	req.Loc = s.Loc
	if req.Target <= 0 {
		req.Target = 10 * time.Minute
	}
	if req.Day != "" {
		if req.Record, err = s.Store.Tickets(ctx, b.ID, req.Day, req.Day); err != nil {
			return SimReport{}, err
		}
		if req.Record == nil {
			req.Record = []Ticket{}
		}
		return RunSimulation(req)
	}
	a, err := s.analytics(ctx, b.ID, req.From, req.To, req.Target, 0.8)
	if err != nil {
		return SimReport{}, err
	}
	for _, h := range a.Hours {
		for _, ht := range h.Types {
			req.Demand = append(req.Demand, Demand{Type: ht.TypeID, Hour: h.Hour, Arrivals: ht.Arrivals, Handle: minutes(ht.MeanHandle)})
		}
	}
	return RunSimulation(req)
}
