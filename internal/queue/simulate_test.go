package queue

import (
	"math"
	"testing"
	"time"
)

const (
	simple  = int64(1)
	complex = int64(2)
)

var seedTypes = []SimType{{ID: simple, Priority: 0}, {ID: complex, Priority: 1}}

// The seed's worked example: 20 customers waiting, 10 simple (3 min) and 10
// complex (10 min).
func seedDay(extra ...Arrival) []Arrival {
	var a []Arrival
	for i := 0; i < 10; i++ {
		a = append(a, Arrival{Type: simple, Handle: 3 * time.Minute})
	}
	for i := 0; i < 10; i++ {
		a = append(a, Arrival{Type: complex, Handle: 10 * time.Minute})
	}
	return append(a, extra...)
}

func TestSeedExampleOneCounterVersusTen(t *testing.T) {
	one, err := Simulate(Scenario{Arrivals: seedDay(), Types: seedTypes, Counters: AllTypes(seedTypes, 1), Policy: Pooled})
	if err != nil {
		t.Fatal(err)
	}
	if one.LastFinish != 130*time.Minute { // 3·10 + 10·10
		t.Errorf("one counter finishes at %v, want 130m", one.LastFinish)
	}
	// Ten counters calling simple business first: the simple customers
	// are gone after 3 minutes, the complex ones wait 3 minutes, all done
	// at 13 minutes (130/10).
	ten, err := Simulate(Scenario{Arrivals: seedDay(), Types: seedTypes, Counters: AllTypes(seedTypes, 10), Policy: Priority})
	if err != nil {
		t.Fatal(err)
	}
	if ten.LastFinish != 13*time.Minute {
		t.Errorf("ten counters finish at %v, want 13m", ten.LastFinish)
	}
	if w := ten.ByType[complex].MeanWait; w != 3 {
		t.Errorf("complex customers wait %v min, want 3", w)
	}
	if w := ten.ByType[simple].MeanWait; w != 0 {
		t.Errorf("simple customers wait %v min, want 0", w)
	}
	// Complex first instead: simple customers wait 10 minutes.
	complexFirst := []SimType{{ID: simple, Priority: 1}, {ID: complex, Priority: 0}}
	cf, _ := Simulate(Scenario{Arrivals: seedDay(), Types: complexFirst, Counters: AllTypes(complexFirst, 10), Policy: Priority})
	if w := cf.ByType[simple].MeanWait; w != 10 {
		t.Errorf("complex first: simple customers wait %v min, want 10", w)
	}
}

// Five counters for simple and five for complex business: the 21st
// customer's unit waiting time (minutes of waiting per minute of service)
// is 2 whichever type they need — the seed's fairness measure.
func TestSeedExampleFiveAndFiveIsFair(t *testing.T) {
	split := Split(seedTypes, map[int64]int{simple: 5, complex: 5})
	for _, typ := range []int64{simple, complex} {
		h := 3 * time.Minute
		if typ == complex {
			h = 10 * time.Minute
		}
		r, err := Simulate(Scenario{Arrivals: seedDay(Arrival{Type: typ, Handle: h}), Types: seedTypes, Counters: split, Policy: Dedicated})
		if err != nil {
			t.Fatal(err)
		}
		w := r.Waits[20]
		if u := w.Minutes() / h.Minutes(); u != 2 {
			t.Errorf("21st customer of type %d waits %v: unit waiting time %v, want 2", typ, w, u)
		}
	}
}

// In steady state the simulator agrees with Erlang C: a long day of
// Poisson arrivals and exponential handle times on c pooled counters
// shows the planner's probability of waiting and mean wait.
func TestSimulatorMatchesPlannerInSteadyState(t *testing.T) {
	const hours = 2000
	handle := 5 * time.Minute
	types := []SimType{{ID: 1}}
	var demand []Demand
	for h := 0; h < hours; h++ {
		demand = append(demand, Demand{Type: 1, Hour: h, Arrivals: 48, Handle: handle}) // 4 Erlangs
	}
	arr := Generate(demand, 7)
	target := 2 * time.Minute
	r, err := Simulate(Scenario{Arrivals: arr, Types: types, Counters: AllTypes(types, 5), Policy: Pooled, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	want := Evaluate(5, 4, handle, target)
	waited := 0
	for _, w := range r.Waits {
		if w > 0 {
			waited++
		}
	}
	pw := float64(waited) / float64(len(r.Waits))
	if math.Abs(pw-want.PWait) > 0.03 {
		t.Errorf("simulated P(wait) %.3f, Erlang C %.3f", pw, want.PWait)
	}
	if asa := r.Total.MeanWait * 60; math.Abs(asa-want.ASA)/want.ASA > 0.08 {
		t.Errorf("simulated mean wait %.1f s, Erlang C %.1f s", asa, want.ASA)
	}
	if math.Abs(r.Total.ServiceLevel-want.ServiceLevel) > 0.03 {
		t.Errorf("simulated service level %.3f, Erlang C %.3f", r.Total.ServiceLevel, want.ServiceLevel)
	}
}

func TestPickPolicies(t *testing.T) {
	w := []Waiting{{ID: 1, Type: complex, Priority: 1, Seq: 1}, {ID: 2, Type: simple, Priority: 0, Seq: 2}, {ID: 3, Type: 3, Priority: 2, Seq: 3}}
	prof := Profile{simple: true}
	if i := Pick(Dedicated, prof, w); i != 1 {
		t.Errorf("dedicated picks %d, want the simple ticket", i)
	}
	if i := Pick(Pooled, prof, w); i != 0 {
		t.Errorf("pooled picks %d, want the oldest", i)
	}
	if i := Pick(Priority, Profile{3: true}, w); i != 2 {
		t.Errorf("priority picks %d, want its own type first", i)
	}
	if i := Pick(Priority, Profile{9: true}, w); i != 1 {
		t.Errorf("priority picks %d, want the highest-priority type when its own are empty", i)
	}
	if i := Pick(Dedicated, Profile{9: true}, w); i != -1 {
		t.Errorf("dedicated picks %d for a type nobody waits for", i)
	}
	if n := Ahead(Dedicated, w[1], w); n != 0 {
		t.Errorf("ahead in its own line %d, want 0", n)
	}
	if n := Ahead(Pooled, w[2], w); n != 2 {
		t.Errorf("ahead in the pooled line %d, want 2", n)
	}
}

func BenchmarkSimulateDay(b *testing.B) {
	// One branch: 20 counters, about 2,000 tickets over 8 hours.
	types := []SimType{{ID: 1}, {ID: 2, Priority: 1}, {ID: 3, Priority: 2}}
	var demand []Demand
	for h := 0; h < 8; h++ {
		demand = append(demand, Demand{Type: 1, Hour: h, Arrivals: 150, Handle: 4 * time.Minute},
			Demand{Type: 2, Hour: h, Arrivals: 70, Handle: 9 * time.Minute}, Demand{Type: 3, Hour: h, Arrivals: 30, Handle: 15 * time.Minute})
	}
	arr := Generate(demand, 1)
	split := Split(types, map[int64]int{1: 8, 2: 8, 3: 4})
	b.ResetTimer()
	for range b.N {
		if _, err := Simulate(Scenario{Arrivals: arr, Types: types, Counters: split, Policy: Priority, Target: 10 * time.Minute}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(arr)), "tickets")
}
