package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// branchView is a branch with its service types (and the documents each
// needs), as the kiosk and the online ticket page show it.
type branchView struct {
	queue.Branch
	Types []queue.ServiceType `json:"types"`
}

func pathValueID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "bad %s %q", name, r.PathValue(name))
	}
	return id, nil
}

// listQueueBranches is the branch comparison: every branch's waiting
// counts and estimated waits, the least busy first (QUE-3).
func (a *api) listQueueBranches(w http.ResponseWriter, r *http.Request) {
	sts, err := a.d.Queue.Compare(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, listResponse[queue.BranchStatus]{Items: sts})
}

func (a *api) getQueueBranch(w http.ResponseWriter, r *http.Request) {
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
	types := cfg.Types
	if types == nil {
		types = []queue.ServiceType{}
	}
	web.WriteJSON(w, http.StatusOK, branchView{Branch: cfg.Branch, Types: types})
}

func (a *api) createQueueBranch(w http.ResponseWriter, r *http.Request) {
	var b queue.Branch
	if err := web.DecodeJSON(w, r, &b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	b.ID = 0
	if err := a.d.Queue.SaveBranch(r.Context(), web.QueueActor(r), &b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, b)
}

func (a *api) putQueueBranch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var b queue.Branch
	if err := web.DecodeJSON(w, r, &b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	b.ID = id
	if err := a.d.Queue.SaveBranch(r.Context(), web.QueueActor(r), &b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, b)
}

// queueBranchStatus is the live figures of one branch (QUE-3), public.
func (a *api) queueBranchStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	st, err := a.d.Queue.Status(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

// queueBranchEvents streams the branch's live figures as server-sent
// events: one "status" event at once and one after every change.
func (a *api) queueBranchEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	st, err := a.d.Queue.Status(ctx, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	ch, cancel := a.d.Queue.Hub.Subscribe(id)
	defer cancel()
	rc := http.NewResponseController(w)
	// A stream outlives the server's read and write timeouts.
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(st queue.BranchStatus) bool {
		b, err := a.frames.frame(st)
		if err != nil {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	fmt.Fprint(w, "retry: 3000\n\n")
	if !send(st) {
		return
	}
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	last := st.Version
	for {
		select {
		case <-ctx.Done():
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": ping\n\n")
			if rc.Flush() != nil {
				return
			}
		case <-ch:
			st, err := a.d.Queue.Status(ctx, id)
			if err != nil {
				return
			}
			if st.Version == last {
				continue
			}
			last = st.Version
			if !send(st) {
				return
			}
		}
	}
}

func (a *api) createQueueType(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var t queue.ServiceType
	if err := web.DecodeJSON(w, r, &t); err != nil {
		web.WriteError(w, r, err)
		return
	}
	t.ID, t.BranchID = 0, id
	if err := a.d.Queue.SaveType(r.Context(), web.QueueActor(r), &t); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, t)
}

func (a *api) putQueueType(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	tid, err := pathValueID(r, "type")
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var t queue.ServiceType
	if err := web.DecodeJSON(w, r, &t); err != nil {
		web.WriteError(w, r, err)
		return
	}
	t.ID, t.BranchID = tid, id
	if err := a.d.Queue.SaveType(r.Context(), web.QueueActor(r), &t); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

// statusFrames keeps each branch's last status event as written, so that
// the watchers of a branch — a thousand on a busy lobby — share one
// encoding per change instead of encoding the same figures each.
type statusFrames struct {
	mu sync.Mutex
	m  map[int64]statusFrame
}

type statusFrame struct {
	version int64
	at      time.Time // when the figures were computed: the cached status it came from
	b       []byte
}

// frame returns the server-sent event of st.
func (f *statusFrames) frame(st queue.BranchStatus) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[st.BranchID]; ok && c.version == st.Version && c.at.Equal(st.At) {
		return c.b, nil
	}
	data, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	b := fmt.Appendf(nil, "id: %d\nevent: status\ndata: ", st.Version)
	b = append(append(b, data...), "\n\n"...)
	if f.m == nil {
		f.m = map[int64]statusFrame{}
	}
	f.m[st.BranchID] = statusFrame{version: st.Version, at: st.At, b: b}
	return b, nil
}
