package ui

import (
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// analyticsData is the analytics page: the branch's figures, the planner
// and, when asked, a simulation.
type analyticsData struct {
	Branch    queue.Branch
	Types     []queue.ServiceType
	Analytics queue.Analytics
	Plan      *queue.Plan
	Sim       *queue.SimReport
	SimPooled *queue.SimReport
}

// queueAnalytics shows a branch's waiting figures from history (QUE-5/6),
// the Erlang C planner and the simulator comparing a counter split and
// policy with one pooled line.
func (h *handler) queueAnalytics(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "queue.analytics")
	p.Nav = "queue"
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	actor := web.QueueActor(r)
	cfg, err := h.d.Queue.Authorize(ctx, actor, auth.QueueReport, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &analyticsData{Branch: cfg.Branch, Types: cfg.Types}
	q := r.URL.Query()
	p.F = q
	today := h.d.Queue.Day(h.d.Now())
	from, to := orDefault(q.Get("from"), today), orDefault(q.Get("to"), today)
	target := parseDur(q.Get("target"), 10*time.Minute)
	level := parseFloat(q.Get("level"), 0.8)
	var problems []error
	if d.Analytics, err = h.d.Queue.Analytics(ctx, actor, id, from, to, target, level); err != nil {
		problems = append(problems, err)
	}
	if q.Get("arrivals") != "" {
		pl, err := queue.PlanCounters(queue.PlanInput{Arrivals: parseFloat(q.Get("arrivals"), 0), Per: parseDur(q.Get("per"), time.Hour),
			Handle: parseDur(q.Get("handle"), 0), Target: parseDur(q.Get("ptarget"), 0), Level: parseFloat(q.Get("plevel"), 0.8)})
		if err != nil {
			problems = append(problems, err)
		} else {
			d.Plan = &pl
		}
	}
	if q.Get("simulate") != "" {
		req := queue.SimRequest{Day: q.Get("day"), From: from, To: to, Policy: queue.Policy(q.Get("policy")), Split: map[int64]int{},
			Target: target, Seed: 1}
		if req.Day != "" {
			req.From, req.To = "", ""
		}
		for _, t := range d.Types {
			n, _ := strconv.Atoi(q.Get("split_" + strconv.FormatInt(t.ID, 10)))
			req.Split[t.ID] = n
		}
		req.Pooled, _ = strconv.Atoi(q.Get("counters"))
		if req.Policy == queue.Pooled {
			for _, n := range req.Split {
				req.Pooled += n
			}
			req.Split = nil
		}
		sim, err := h.d.Queue.Simulate(ctx, actor, id, req)
		if err != nil {
			problems = append(problems, err)
		} else {
			d.Sim = &sim
			alt := req
			alt.Policy, alt.Split, alt.Pooled = queue.Pooled, nil, sim.Counters
			if pooled, err := h.d.Queue.Simulate(ctx, actor, id, alt); err == nil {
				d.SimPooled = &pooled
			}
		}
	}
	status := http.StatusOK
	for _, e := range problems {
		if !formErrors(p, e) {
			h.fail(w, r, e)
			return
		}
		status = http.StatusUnprocessableEntity
	}
	if status == http.StatusOK && len(problems) > 0 {
		h.fail(w, r, apperr.New(apperr.Invalid, "bad parameters"))
		return
	}
	p.D = d
	h.render(w, status, "staff", "queue_analytics", p)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func parseDur(s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d
	}
	return -1 // refused by the planner with a field error
}

func parseFloat(s string, def float64) float64 {
	if s == "" {
		return def
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return -1
}
