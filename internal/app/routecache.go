package app

import (
	"sync"
	"time"
)

// routeTTL is how long routing trusts what it read of a customer (class,
// region, dealer) or a product (line), as it trusts a department's team
// (casework.teamTTL): a register change reaches routing on every server
// within it. The complaint itself stores the customer's name, class and
// region as read in its registration transaction.
const routeTTL = 10 * time.Second

// routeCacheMax bounds a cache; a full one starts again empty.
const routeCacheMax = 10000

// routeCache remembers successful lookups for routeTTL, so a burst of
// registrations about the same customers and products does not read the
// same rows for every request.
type routeCache[V any] struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[int64]routeEntry[V]
}

type routeEntry[V any] struct {
	v  V
	at time.Time
}

func newRouteCache[V any](now func() time.Time) *routeCache[V] {
	return &routeCache[V]{now: now, m: map[int64]routeEntry[V]{}}
}

// get returns the value of id, read with load when not known or too old.
func (c *routeCache[V]) get(id int64, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < routeTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= routeCacheMax {
		clear(c.m)
	}
	c.m[id] = routeEntry[V]{v: v, at: now}
	c.mu.Unlock()
	return v, nil
}
