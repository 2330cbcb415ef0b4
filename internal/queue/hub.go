package queue

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Hub tells the live pages' watchers that a branch changed. Changes made
// on this server are announced at once; Run polls the branches' versions
// so that changes made on other servers reach this server's watchers too.
// Run also polls the configuration versions, so that a server keeps each
// branch's configuration until another server changes it (ConfigGen).
type Hub struct {
	Versions       func(ctx context.Context) (map[int64]int64, error)
	ConfigVersions func(ctx context.Context) (map[int64]int64, error) // nil: not polled
	Every          time.Duration                                      // poll interval; 250 ms when zero
	Log            *slog.Logger

	mu     sync.Mutex
	subs   map[int64]map[chan struct{}]struct{}
	known  map[int64]int64
	gen    map[int64]uint64 // notifications per branch
	cfg    map[int64]int64  // configuration versions as last polled
	cfgGen map[int64]uint64 // configuration changes seen per branch
	cfgAt  time.Time        // last successful poll of the configuration versions
}

// ConfigGen counts the configuration changes of a branch that the poll
// has seen, and reports whether the poll is current (it succeeded within
// the last second): only then does the count cover other servers'
// changes.
func (h *Hub) ConfigGen(branchID int64) (gen uint64, current bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfgGen[branchID], !h.cfgAt.IsZero() && time.Since(h.cfgAt) < time.Second
}

// Gen counts the notifications of a branch: a cached status computed at
// the same count has seen every change this server knows of.
func (h *Hub) Gen(branchID int64) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen[branchID]
}

// Subscribe returns a channel that receives a signal after each change of
// the branch (changes in a burst may merge into one) and a cancel func.
func (h *Hub) Subscribe(branchID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int64]map[chan struct{}]struct{}{}
	}
	if h.subs[branchID] == nil {
		h.subs[branchID] = map[chan struct{}]struct{}{}
	}
	h.subs[branchID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[branchID], ch)
		h.mu.Unlock()
	}
}

// Watchers counts the subscriptions.
func (h *Hub) Watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

// Notify signals the branch's watchers without blocking.
func (h *Hub) Notify(branchID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gen == nil {
		h.gen = map[int64]uint64{}
	}
	h.gen[branchID]++
	for ch := range h.subs[branchID] {
		select {
		case ch <- struct{}{}:
		default: // a signal is already pending
		}
	}
}

// Run polls the versions until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	every := h.Every
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.pollConfig(ctx)
		if h.Watchers() == 0 {
			continue
		}
		vs, err := h.Versions(ctx)
		if err != nil {
			if h.Log != nil && ctx.Err() == nil {
				h.Log.Warn("queue versions", "err", err)
			}
			continue
		}
		var changed []int64
		h.mu.Lock()
		if h.known == nil {
			h.known = map[int64]int64{}
		}
		for id, v := range vs {
			if old, ok := h.known[id]; ok && old != v {
				changed = append(changed, id)
			}
			h.known[id] = v
		}
		h.mu.Unlock()
		for _, id := range changed {
			h.Notify(id)
		}
	}
}

// pollConfig reads the configuration versions and counts the changes.
func (h *Hub) pollConfig(ctx context.Context) {
	if h.ConfigVersions == nil {
		return
	}
	vs, err := h.ConfigVersions(ctx)
	if err != nil {
		if h.Log != nil && ctx.Err() == nil {
			h.Log.Warn("queue configuration versions", "err", err)
		}
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg == nil {
		h.cfg, h.cfgGen = map[int64]int64{}, map[int64]uint64{}
	}
	for id, v := range vs {
		// A branch seen for the first time counts as changed: a
		// configuration read before (while the hub starts, or of a branch
		// made on another server a moment ago) may predate the version
		// seen now.
		if old, ok := h.cfg[id]; !ok || old != v {
			h.cfgGen[id]++
		}
		h.cfg[id] = v
	}
	h.cfgAt = time.Now()
}
