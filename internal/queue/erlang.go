package queue

import (
	"math"
	"time"

	"kesu/internal/apperr"
)

// Assumptions of the Erlang C (M/M/c) planner, stated with every plan.
var Assumptions = []string{
	"arrivals are random and independent (Poisson) at a steady rate over the period",
	"handle times are exponentially distributed around the given mean",
	"every counter serves every customer of the line (one pooled line per plan)",
	"customers wait as long as it takes: no one leaves the line (no abandonment)",
	"customers are called first come, first served",
	"counters are fully staffed for the whole period",
}

// PlanInput is what the planner needs: Arrivals customers per Per, a mean
// handle time, and the service level sought: Level of customers called
// within Target.
type PlanInput struct {
	Arrivals float64       `json:"arrivals"`
	Per      time.Duration `json:"per"`
	Handle   time.Duration `json:"handle"`
	Target   time.Duration `json:"target"`
	Level    float64       `json:"level"`
}

// Staffing is the expected performance of one counter count.
type Staffing struct {
	Counters     int     `json:"counters"`
	Load         float64 `json:"load"`          // offered load in Erlangs
	Occupancy    float64 `json:"occupancy"`     // load per counter
	PWait        float64 `json:"p_wait"`        // probability a customer waits at all
	ServiceLevel float64 `json:"service_level"` // share called within the target
	ASA          float64 `json:"asa_seconds"`   // average speed of answer (mean wait), seconds
	MeetsTarget  bool    `json:"meets_target"`
}

// Plan is the planner's answer: the smallest counter count that meets the
// level (Recommended) and its neighbours, with the model's assumptions.
type Plan struct {
	Input       PlanInput  `json:"input"`
	Load        float64    `json:"load"`
	Recommended int        `json:"recommended"`
	Rows        []Staffing `json:"rows"`
	Assumptions []string   `json:"assumptions"`
}

// maxCounters bounds the search; a branch or contact centre beyond it is
// not what the planner is for.
const maxCounters = 10000

// Validate checks a planner input and returns field errors.
func (in PlanInput) Validate() error {
	var v apperr.Validation
	if !(in.Arrivals > 0) || math.IsInf(in.Arrivals, 0) {
		v.Add("arrivals", "positive", "")
	}
	if in.Per <= 0 {
		v.Add("per", "positive", "")
	}
	if in.Handle <= 0 {
		v.Add("handle", "positive", "")
	}
	if in.Target < 0 {
		v.Add("target", "not_negative", "")
	}
	if !(in.Level > 0 && in.Level < 1) {
		v.Add("level", "between", "0,1")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if in.load() >= maxCounters-2 {
		v.Add("arrivals", "too_large", "")
	}
	return v.Err()
}

func (in PlanInput) load() float64 {
	return in.Arrivals / in.Per.Seconds() * in.Handle.Seconds()
}

// ErlangB is the blocking probability of c servers offered a Erlangs,
// by the stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC is the probability that a customer must wait with c counters
// offered a Erlangs; 1 when the line is unstable (c ≤ a).
func ErlangC(c int, a float64) float64 {
	if float64(c) <= a {
		return 1
	}
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - a*(1-b))
}

// Evaluate returns the M/M/c figures of c counters offered a Erlangs with
// mean handle time h and service-level target t.
func Evaluate(c int, a float64, h, t time.Duration) Staffing {
	s := Staffing{Counters: c, Load: a, Occupancy: a / float64(c)}
	if float64(c) <= a {
		s.PWait, s.ServiceLevel, s.ASA = 1, 0, math.Inf(1)
		return s
	}
	s.PWait = ErlangC(c, a)
	free := float64(c) - a
	s.ServiceLevel = 1 - s.PWait*math.Exp(-free*t.Seconds()/h.Seconds())
	s.ASA = s.PWait * h.Seconds() / free
	return s
}

// PlanCounters finds the smallest counter count meeting the input's level
// and returns it with its neighbours (one fewer when that is stable, one
// more).
func PlanCounters(in PlanInput) (Plan, error) {
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	a := in.load()
	p := Plan{Input: in, Load: a, Assumptions: Assumptions}
	c := int(math.Floor(a)) + 1
	for ; c < maxCounters; c++ {
		if Evaluate(c, a, in.Handle, in.Target).ServiceLevel >= in.Level {
			break
		}
	}
	p.Recommended = c
	for k := c - 1; k <= c+1; k++ {
		if k < 1 || float64(k) <= a {
			continue
		}
		s := Evaluate(k, a, in.Handle, in.Target)
		s.MeetsTarget = s.ServiceLevel >= in.Level
		p.Rows = append(p.Rows, s)
	}
	return p, nil
}
