package auth

import (
	"sync"
	"time"
)

// addrThrottle counts failed sign-ins per client address, whatever user
// they named, so that guessing across many user names from one address is
// slowed as guessing one account's password is by its lockout. It lives in
// the server's memory: each server counts its own.
type addrThrottle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
	noted  map[string]time.Time // when a throttled refusal was last audited
}

// maxAddrs bounds the memory a flood of addresses can take.
const maxAddrs = 100000

// recent drops failures older than the window; the lock is held.
func (a *addrThrottle) recent(ip string, now time.Time) []time.Time {
	h := a.fails[ip]
	cut := now.Add(-a.window)
	i := 0
	for i < len(h) && !h[i].After(cut) {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(a.fails, ip)
	} else {
		a.fails[ip] = h
	}
	return h
}

// blocked reports whether ip has used up its failures, and until when.
func (a *addrThrottle) blocked(ip string, now time.Time) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.recent(ip, now)
	if len(h) < a.limit {
		return time.Time{}, false
	}
	return h[len(h)-a.limit].Add(a.window), true
}

// fail records a failed sign-in from ip.
func (a *addrThrottle) fail(ip string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.fails) >= maxAddrs {
		clear(a.fails)
	}
	a.fails[ip] = append(a.recent(ip, now), now)
}

// note reports whether a throttled refusal from ip should be audited: the
// first one, then at most one a minute, so a flood does not flood the log.
func (a *addrThrottle) note(ip string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.noted[ip]; ok && now.Sub(last) < time.Minute && !now.Before(last) {
		return false
	}
	if len(a.noted) >= maxAddrs {
		clear(a.noted)
	}
	a.noted[ip] = now
	return true
}
