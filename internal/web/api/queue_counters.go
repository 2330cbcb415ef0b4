package api

import (
	"net/http"

	"kesu/internal/queue"
	"kesu/internal/web"
)

func (a *api) listQueueCounters(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	cfg, err := a.d.Queue.Config(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	cs := cfg.Counters
	if cs == nil {
		cs = []queue.Counter{}
	}
	web.WriteJSON(w, http.StatusOK, listResponse[queue.Counter]{Items: cs})
}

func (a *api) createQueueCounter(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var c queue.Counter
	if err := web.DecodeJSON(w, r, &c); err != nil {
		web.WriteError(w, r, err)
		return
	}
	c.ID, c.BranchID = 0, id
	if err := a.d.Queue.SaveCounter(r.Context(), web.QueueActor(r), &c); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (a *api) putQueueCounter(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	cid, err := pathValueID(r, "counter")
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var c queue.Counter
	if err := web.DecodeJSON(w, r, &c); err != nil {
		web.WriteError(w, r, err)
		return
	}
	c.ID, c.BranchID = cid, id
	if err := a.d.Queue.SaveCounter(r.Context(), web.QueueActor(r), &c); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// callNext gives the counter in the path the next ticket under its
// branch's policy; 404 when nobody waits for it.
func (a *api) callNext(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	t, err := a.d.Queue.CallNext(r.Context(), web.QueueActor(r), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

// counterAction is recall, no-show, transfer (to_type), serve or finish
// of a ticket the counter holds.
func (a *api) counterAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	tid, err := pathValueID(r, "ticket")
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in struct {
		ToType int64 `json:"to_type"`
	}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(w, r, &in); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	t, err := a.d.Queue.Act(r.Context(), web.QueueActor(r), tid, id, r.PathValue("action"), in.ToType)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}
