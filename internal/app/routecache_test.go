package app

import (
	"errors"
	"testing"
	"time"
)

// Routing reads a customer once per routeTTL; a failed read is not
// remembered, and a change shows once the time is up.
func TestRouteCache(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := newRouteCache[string](func() time.Time { return now })
	reads := 0
	class := "A"
	load := func() (string, error) { reads++; return class, nil }
	for range 3 {
		if v, err := c.get(7, load); err != nil || v != "A" {
			t.Fatalf("get = %q, %v", v, err)
		}
	}
	if reads != 1 {
		t.Fatalf("%d reads within the time to live, want 1", reads)
	}
	class = "B"
	now = now.Add(routeTTL)
	if v, _ := c.get(7, load); v != "B" || reads != 2 {
		t.Fatalf("after the time to live: %q with %d reads, want the change read again", v, reads)
	}
	fail := errors.New("gone")
	if _, err := c.get(8, func() (string, error) { return "", fail }); !errors.Is(err, fail) {
		t.Fatalf("error %v", err)
	}
	if v, _ := c.get(8, load); v != "B" {
		t.Fatalf("a failed read was remembered: %q", v)
	}
	now = now.Add(-time.Minute) // the clock went back: read again
	if _, _ = c.get(7, load); reads != 4 {
		t.Fatalf("%d reads, want a read after the clock went back", reads)
	}
}
