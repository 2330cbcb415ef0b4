package queue

import (
	"math"
	"testing"
	"time"

	"kesu/internal/apperr"
)

// erlangCDirect is the textbook form of Erlang C, summed term by term in
// logarithms: an independent check of the recursion the planner uses.
//
//	C(c, a) = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a))
func erlangCDirect(c int, a float64) float64 {
	term := func(k int) float64 {
		lg, _ := math.Lgamma(float64(k) + 1)
		return math.Exp(float64(k)*math.Log(a) - lg)
	}
	sum := 0.0
	for k := 0; k < c; k++ {
		sum += term(k)
	}
	top := term(c) * float64(c) / (float64(c) - a)
	return top / (sum + top)
}

func sig3(x float64) float64 {
	if x == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

func TestErlangCAgainstPublishedValues(t *testing.T) {
	cases := []struct {
		c    int
		a    float64
		want float64
	}{
		// M/M/2 with ρ = 0.5: P(wait) = ρ²·2/(1+ρ) = 1/3 (any queueing text).
		{2, 1, 0.333},
		// M/M/3, a = 2: 4/9.
		{3, 2, 0.444},
		// M/M/1: P(wait) = ρ.
		{1, 0.75, 0.75},
		// Erlang C tables, 10 Erlangs.
		{11, 10, 0.682},
		{12, 10, 0.449},
		{13, 10, 0.285},
		{14, 10, 0.174},
		{15, 10, 0.102},
		// 5 Erlangs.
		{6, 5, 0.588},
		{7, 5, 0.324},
		{8, 5, 0.167},
	}
	for _, tc := range cases {
		got := ErlangC(tc.c, tc.a)
		if sig3(got) != tc.want {
			t.Errorf("ErlangC(%d, %v) = %.5f, want %.3f", tc.c, tc.a, got, tc.want)
		}
		if d := erlangCDirect(tc.c, tc.a); math.Abs(d-got) > 1e-9 {
			t.Errorf("ErlangC(%d, %v): recursion %.9f, direct sum %.9f", tc.c, tc.a, got, d)
		}
	}
	// The two formulations agree over a wide range, large loads included.
	for _, a := range []float64{0.3, 3.7, 42.5, 120} {
		for c := int(a) + 1; c < int(a)+25; c++ {
			if r, d := ErlangC(c, a), erlangCDirect(c, a); math.Abs(r-d) > 1e-9*math.Max(1, d) {
				t.Fatalf("c=%d a=%v: recursion %.12f, direct %.12f", c, a, r, d)
			}
		}
	}
}

// The classic contact-centre example: 100 calls per 30 minutes, 180 s
// handle time, 80 % answered within 20 s. Offered load 10 Erlangs; 14
// agents are needed (P(wait) 17.4 %, service level 88.8 %, ASA 7.84 s);
// 13 fall short at 79.6 %.
func TestPlanClassicCallCentre(t *testing.T) {
	p, err := PlanCounters(PlanInput{Arrivals: 100, Per: 30 * time.Minute, Handle: 180 * time.Second, Target: 20 * time.Second, Level: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if p.Load != 10 || p.Recommended != 14 {
		t.Fatalf("load %v recommended %d, want 10 and 14", p.Load, p.Recommended)
	}
	want := []struct {
		c           int
		occ, pw, sl float64
		asa         float64
		meets       bool
	}{
		{13, 0.769, 0.285, 0.796, 17.1, false},
		{14, 0.714, 0.174, 0.888, 7.84, true},
		{15, 0.667, 0.102, 0.941, 3.67, true},
	}
	if len(p.Rows) != len(want) {
		t.Fatalf("rows %+v", p.Rows)
	}
	for i, w := range want {
		r := p.Rows[i]
		if r.Counters != w.c || sig3(r.Occupancy) != w.occ || sig3(r.PWait) != w.pw || sig3(r.ServiceLevel) != w.sl ||
			sig3(r.ASA) != w.asa || r.MeetsTarget != w.meets {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	// Independent service level and ASA from the direct formula.
	pw := erlangCDirect(14, 10)
	if sl := 1 - pw*math.Exp(-(14-10)*20.0/180); math.Abs(sl-p.Rows[1].ServiceLevel) > 1e-9 {
		t.Errorf("service level %v, direct %v", p.Rows[1].ServiceLevel, sl)
	}
	if asa := pw * 180 / (14 - 10); math.Abs(asa-p.Rows[1].ASA) > 1e-9 {
		t.Errorf("ASA %v, direct %v", p.Rows[1].ASA, asa)
	}
	if len(p.Assumptions) == 0 {
		t.Error("a plan states its assumptions")
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	_, err := PlanCounters(PlanInput{Arrivals: -1, Per: 0, Handle: time.Minute, Target: -time.Second, Level: 1.5})
	var e *apperr.Error
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v", err)
	}
	e = err.(*apperr.Error)
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"arrivals", "per", "target", "level"} {
		if !got[f] {
			t.Errorf("no field error for %s in %+v", f, e.Fields)
		}
	}
}
