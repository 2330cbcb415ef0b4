package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/queue"
	"kesu/internal/web"
)

// planResponse is a counter plan with durations in seconds.
type planResponse struct {
	Arrivals      float64          `json:"arrivals"`
	PerSeconds    float64          `json:"per_seconds"`
	HandleSeconds float64          `json:"handle_seconds"`
	TargetSeconds float64          `json:"target_seconds"`
	Level         float64          `json:"level"`
	Load          float64          `json:"load"`
	Recommended   int              `json:"recommended"`
	Rows          []queue.Staffing `json:"rows"`
	Assumptions   []string         `json:"assumptions"`
}

// PlanResponse renders a plan for the API and the analytics page.
func PlanResponse(p queue.Plan) planResponse {
	return planResponse{Arrivals: p.Input.Arrivals, PerSeconds: p.Input.Per.Seconds(), HandleSeconds: p.Input.Handle.Seconds(),
		TargetSeconds: p.Input.Target.Seconds(), Level: p.Input.Level, Load: p.Load, Recommended: p.Recommended, Rows: p.Rows,
		Assumptions: p.Assumptions}
}

// planInput reads the planner's parameters: arrivals, per, handle and
// target as durations ("30m", "180s"), level as a fraction.
func (q *query) planInput() queue.PlanInput {
	var in queue.PlanInput
	in.Arrivals = q.float("arrivals", 0)
	in.Per = q.duration("per", time.Hour)
	in.Handle = q.duration("handle", 0)
	in.Target = q.duration("target", 0)
	in.Level = q.float("level", 0.8)
	return in
}

func (q *query) float(name string, def float64) float64 {
	s := q.str(name)
	if s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		q.v.Add(name, "invalid_value", "")
		return def
	}
	return f
}

func (q *query) duration(name string, def time.Duration) time.Duration {
	s := q.str(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		q.v.Add(name, "invalid_duration", "")
		return def
	}
	return d
}

// queuePlan is the Erlang C planner (kesu queue plan) over HTTP.
func (a *api) queuePlan(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	in := q.planInput()
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	p, err := queue.PlanCounters(in)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, PlanResponse(p))
}

// queueAnalytics is a branch's figures over from..to (dates) with the
// recommended counter split per hour for target and level.
func (a *api) queueAnalytics(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	q := &query{r: r}
	today := a.d.Queue.Day(a.d.Now())
	from, to := q.str("from"), q.str("to")
	if from == "" {
		from = today
	}
	if to == "" {
		to = today
	}
	for name, s := range map[string]string{"from": from, "to": to} {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			q.v.Add(name, "invalid_date", "")
		}
	}
	target := q.duration("target", 10*time.Minute)
	level := q.float("level", 0.8)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	an, err := a.d.Queue.Analytics(r.Context(), web.QueueActor(r), id, from, to, target, level)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, an)
}

// queueSimulate replays a recorded day (day) or a day generated from the
// traffic of from..to against a proposed split and policy, and the same
// counters as one pooled line, for comparison. The split is
// "type:counters,…" (dedicated counters per service type id); counters
// are those serving every type.
func (a *api) queueSimulate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	q := &query{r: r}
	req := queue.SimRequest{Day: q.str("day"), From: q.str("from"), To: q.str("to"), Policy: queue.Policy(q.str("policy")),
		Split: map[int64]int{}}
	for name, s := range map[string]string{"day": req.Day, "from": req.From, "to": req.To} {
		if _, err := time.Parse(time.DateOnly, s); s != "" && err != nil {
			q.v.Add(name, "invalid_date", "")
		}
	}
	if req.Day == "" && (req.From == "" || req.To == "") {
		q.v.Add("day", "required", "")
	}
	for _, part := range strings.Split(q.str("split"), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		typ, n, ok := strings.Cut(part, ":")
		t, terr := strconv.ParseInt(typ, 10, 64)
		c, cerr := strconv.Atoi(n)
		if !ok || terr != nil || cerr != nil {
			q.v.Add("split", "invalid_value", "type:counters,…")
			break
		}
		req.Split[t] = c
	}
	req.Pooled = q.num("counters", 0, 0, 500)
	req.Target = q.duration("target", 10*time.Minute)
	req.Seed = uint64(q.num("seed", 1, 0, 1<<30))
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	res, err := a.d.Queue.Simulate(r.Context(), web.QueueActor(r), id, req)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	pooled := req
	pooled.Policy, pooled.Split, pooled.Pooled = queue.Pooled, nil, res.Counters
	alt, err := a.d.Queue.Simulate(r.Context(), web.QueueActor(r), id, pooled)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]queue.SimReport{"proposed": res, "pooled": alt})
}
