package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// counterData is the counter screen: the counter, its branch's types and
// live figures, and the ticket it holds.
type counterData struct {
	Counter queue.Counter
	Branch  queue.Branch
	Types   []queue.ServiceType
	Status  queue.BranchStatus
	Current *queue.Ticket
	Events  []queue.Event
}

func (h *handler) loadCounter(r *http.Request) (*counterData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	var d counterData
	cfg, err := h.d.Queue.Counter(ctx, web.QueueActor(r), id)
	if err != nil {
		return nil, err
	}
	d.Branch, d.Types = cfg.Branch, cfg.Types
	for _, c := range cfg.Counters {
		if c.ID == id {
			d.Counter = c
		}
	}
	if d.Counter.ID == 0 {
		return nil, apperr.New(apperr.NotFound, "no counter %d", id)
	}
	if d.Status, err = h.d.Queue.Status(ctx, d.Branch.ID); err != nil {
		return nil, err
	}
	at, err := h.d.Queue.Store.AtCounters(ctx, d.Branch.ID, h.d.Queue.Day(h.d.Now()))
	if err != nil {
		return nil, err
	}
	for i := range at {
		if at[i].CounterID != nil && *at[i].CounterID == id {
			d.Current = &at[i]
			break
		}
	}
	if d.Current != nil {
		if d.Events, err = h.d.Queue.Store.Events(ctx, d.Current.ID); err != nil {
			return nil, err
		}
	}
	return &d, nil
}

// queueCounter is the counter's calling screen (QUE-6).
func (h *handler) queueCounter(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadCounter(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.counter")
	p.Nav = "queue"
	p.Title = d.Counter.Name + " · " + p.Title
	switch r.URL.Query().Get("m") {
	case "empty":
		p.Flash = web.T(p.L, "queue.nobody_waiting")
	case "done":
		p.Flash = web.T(p.L, "queue.step_done")
	}
	p.D = d
	h.render(w, http.StatusOK, "staff", "queue_counter", p)
}

// queueCounterCall calls the next ticket to the counter.
func (h *handler) queueCounterCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	back := "/queue/counters/" + strconv.FormatInt(id, 10)
	if _, err := h.d.Queue.CallNext(r.Context(), web.QueueActor(r), id); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			http.Redirect(w, r, back+"?m=empty", http.StatusSeeOther)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// queueCounterAct records recall, no-show, transfer, serve or finish.
func (h *handler) queueCounterAct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tid, _ := strconv.ParseInt(r.PostForm.Get("ticket"), 10, 64)
	to, _ := strconv.ParseInt(r.PostForm.Get("to_type"), 10, 64)
	if _, err := h.d.Queue.Act(r.Context(), web.QueueActor(r), tid, id, r.PostForm.Get("action"), to); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/queue/counters/"+strconv.FormatInt(id, 10)+"?m=done", http.StatusSeeOther)
}

// counterActions are the steps a counter may take on a ticket in status
// (transfer has its own form).
func counterActions(status string) []string {
	switch status {
	case queue.StatusCalled:
		return []string{queue.ActServe, queue.ActRecall, queue.ActNoShow}
	case queue.StatusServing:
		return []string{queue.ActFinish}
	}
	return nil
}
