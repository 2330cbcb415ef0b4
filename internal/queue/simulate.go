package queue

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"kesu/internal/apperr"
)

// Arrival is one customer of a simulated day: when they take a ticket
// (from the start of the day), for which type, how long serving them takes,
// and whether they are gone when called (a no-show).
type Arrival struct {
	At     time.Duration `json:"at"`
	Type   int64         `json:"type"`
	Handle time.Duration `json:"handle"`
	NoShow bool          `json:"no_show,omitempty"`
}

// SimType is a service type as the simulator needs it.
type SimType struct {
	ID       int64 `json:"id"`
	Priority int   `json:"priority"`
}

// Scenario is a day to replay against a counter split and a policy.
type Scenario struct {
	Arrivals []Arrival
	Types    []SimType
	Counters []Profile // one per open counter
	Policy   Policy
	Target   time.Duration // service-level target
	// NoShowTime is how long a counter spends calling a customer who does
	// not come before calling the next.
	NoShowTime time.Duration
}

// Figures are the queue's performance for one type or the whole branch.
type Figures struct {
	Arrivals     int     `json:"arrivals"`
	Served       int     `json:"served"`
	NoShows      int     `json:"no_shows"`
	Abandonment  float64 `json:"abandonment"`   // no-shows per ticket called
	MeanWait     float64 `json:"mean_wait_min"` // minutes, served customers
	P90Wait      float64 `json:"p90_wait_min"`
	ServiceLevel float64 `json:"service_level"`   // share served within the target
	MeanHandle   float64 `json:"mean_handle_min"` // minutes
	// UnitWait is 单位等待时间: minutes waited per minute of service.
	UnitWait float64 `json:"unit_wait"`
}

// SimResult is a simulated day's figures per type and in total.
type SimResult struct {
	ByType     map[int64]Figures `json:"by_type"`
	Total      Figures           `json:"total"`
	LastFinish time.Duration     `json:"last_finish"` // when the last customer left
	Waits      []time.Duration   `json:"-"`           // per arrival (served ones), in arrival order
}

// Sample is one served or missed ticket, the input of the figures.
type Sample struct {
	Type   int64
	Wait   time.Duration
	Handle time.Duration
	NoShow bool
}

// Summarise computes the figures of samples against a service-level
// target.
func Summarise(samples []Sample, target time.Duration) (map[int64]Figures, Figures) {
	byType := map[int64][]Sample{}
	for _, s := range samples {
		byType[s.Type] = append(byType[s.Type], s)
	}
	out := make(map[int64]Figures, len(byType))
	for t, ss := range byType {
		out[t] = figures(ss, target)
	}
	return out, figures(samples, target)
}

func figures(ss []Sample, target time.Duration) Figures {
	f := Figures{Arrivals: len(ss)}
	var waits []float64
	var wsum, hsum float64
	within := 0
	for _, s := range ss {
		if s.NoShow {
			f.NoShows++
			continue
		}
		f.Served++
		w := s.Wait.Minutes()
		waits = append(waits, w)
		wsum += w
		hsum += s.Handle.Minutes()
		if s.Wait <= target {
			within++
		}
	}
	if f.Arrivals > 0 {
		f.Abandonment = float64(f.NoShows) / float64(f.Arrivals)
	}
	if f.Served == 0 {
		return f
	}
	f.MeanWait = wsum / float64(f.Served)
	f.MeanHandle = hsum / float64(f.Served)
	f.ServiceLevel = float64(within) / float64(f.Served)
	f.P90Wait = Percentile(waits, 0.9)
	if f.MeanHandle > 0 {
		f.UnitWait = f.MeanWait / f.MeanHandle
	}
	return f
}

// Percentile is the nearest-rank percentile q (0..1] of xs (sorted in place).
func Percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	if i < 0 {
		i = 0
	}
	return xs[i]
}

// Simulate replays a scenario: customers arrive, counters call the next
// ticket under the policy as soon as they are free, and the figures of the
// day come out.
func Simulate(sc Scenario) (SimResult, error) {
	var v apperr.Validation
	if !sc.Policy.Valid() {
		v.Add("policy", "one_of", "dedicated,pooled,priority")
	}
	if len(sc.Counters) == 0 {
		v.Add("counters", "required", "")
	}
	if err := v.Err(); err != nil {
		return SimResult{}, err
	}
	prio := map[int64]int{}
	for _, t := range sc.Types {
		prio[t.ID] = t.Priority
	}
	order := make([]int, len(sc.Arrivals))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sc.Arrivals[order[a]].At < sc.Arrivals[order[b]].At })

	free := make([]time.Duration, len(sc.Counters)) // when each counter is next free
	busy := make([]bool, len(sc.Counters))
	var waiting []Waiting
	samples := make([]Sample, len(sc.Arrivals))
	next, now, last := 0, time.Duration(0), time.Duration(0)
	for next < len(order) || len(waiting) > 0 {
		// Advance to the next event: an arrival or a counter finishing.
		t := time.Duration(math.MaxInt64)
		if next < len(order) {
			t = sc.Arrivals[order[next]].At
		}
		for i, b := range busy {
			if b && free[i] < t {
				t = free[i]
			}
		}
		if t == time.Duration(math.MaxInt64) {
			break // customers left whom no counter serves
		}
		now = t
		for i, b := range busy {
			if b && free[i] <= now {
				busy[i] = false
			}
		}
		for next < len(order) && sc.Arrivals[order[next]].At <= now {
			i := order[next]
			a := sc.Arrivals[i]
			waiting = append(waiting, Waiting{ID: int64(i), Type: a.Type, Priority: prio[a.Type], Seq: int64(next)})
			next++
		}
		for c := range sc.Counters {
			if busy[c] || len(waiting) == 0 {
				continue
			}
			k := Pick(sc.Policy, sc.Counters[c], waiting)
			if k < 0 {
				continue
			}
			w := waiting[k]
			waiting = append(waiting[:k], waiting[k+1:]...)
			a := sc.Arrivals[w.ID]
			d := a.Handle
			if a.NoShow {
				d = sc.NoShowTime
			}
			samples[w.ID] = Sample{Type: a.Type, Wait: now - a.At, Handle: a.Handle, NoShow: a.NoShow}
			busy[c], free[c] = true, now+d
			if now+d > last {
				last = now + d
			}
		}
		if next >= len(order) && len(waiting) > 0 {
			anyBusy := false
			for _, b := range busy {
				anyBusy = anyBusy || b
			}
			if !anyBusy {
				break // what is left has no counter serving its type
			}
		}
	}
	res := SimResult{LastFinish: last}
	res.ByType, res.Total = Summarise(samples, sc.Target)
	for _, s := range samples {
		if !s.NoShow {
			res.Waits = append(res.Waits, s.Wait)
		}
	}
	return res, nil
}

// Split builds counter profiles: n[t] counters dedicated to type t, in
// the order of types.
func Split(types []SimType, n map[int64]int) []Profile {
	var out []Profile
	for _, t := range types {
		for i := 0; i < n[t.ID]; i++ {
			out = append(out, Profile{t.ID: true})
		}
	}
	return out
}

// AllTypes builds c counters that each serve every type.
func AllTypes(types []SimType, c int) []Profile {
	out := make([]Profile, c)
	for i := range out {
		p := Profile{}
		for _, t := range types {
			p[t.ID] = true
		}
		out[i] = p
	}
	return out
}

// Demand is a type's expected traffic in one hour of a generated day.
type Demand struct {
	Type     int64
	Hour     int     // hours from opening
	Arrivals float64 // mean customers in the hour
	Handle   time.Duration
}

// Generate draws a day of arrivals: Poisson arrivals at each hour's rate
// and exponential handle times around its mean, from a fixed seed so a
// comparison of splits sees the same customers.
func Generate(demand []Demand, seed uint64) []Arrival {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []Arrival
	for _, d := range demand {
		if d.Arrivals <= 0 {
			continue
		}
		start := time.Duration(d.Hour) * time.Hour
		gap := float64(time.Hour) / d.Arrivals
		for t := r.ExpFloat64() * gap; t < float64(time.Hour); t += r.ExpFloat64() * gap {
			h := time.Duration(r.ExpFloat64() * float64(d.Handle))
			if h < time.Second {
				h = time.Second
			}
			out = append(out, Arrival{At: start + time.Duration(t), Type: d.Type, Handle: h})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}
