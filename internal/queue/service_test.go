package queue

import (
	"context"
	"maps"
	"testing"
	"time"
)

// holidays is a business calendar where the listed dates are days off.
type holidays map[string]bool

func (h holidays) IsWorkingDay(t time.Time) (bool, error) { return !h[t.Format(time.DateOnly)], nil }

// Tickets are issued within the opening hours, on working days of the
// business calendar unless the branch opens every day.
func TestOpeningHoursOnTheBusinessCalendar(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	s := &Service{Loc: loc, Calendar: func() WorkingDays { return holidays{"2026-10-01": true} }}
	b := &Branch{Opens: "09:00", Closes: "17:00"}
	for _, tc := range []struct {
		at       time.Time
		everyDay bool
		want     bool
	}{
		{time.Date(2026, 9, 30, 9, 0, 0, 0, loc), false, true},
		{time.Date(2026, 9, 30, 8, 59, 0, 0, loc), false, false},
		{time.Date(2026, 9, 30, 17, 0, 0, 0, loc), false, false},
		{time.Date(2026, 10, 1, 10, 0, 0, 0, loc), false, false}, // National Day
		{time.Date(2026, 10, 1, 10, 0, 0, 0, loc), true, true},
		// UTC 01:30 is 09:30 in the branch's zone.
		{time.Date(2026, 9, 30, 1, 30, 0, 0, time.UTC), false, true},
	} {
		b.EveryDay = tc.everyDay
		if got, err := s.Open(b, tc.at); err != nil || got != tc.want {
			t.Errorf("open at %v (every day %v) = %v, %v; want %v", tc.at, tc.everyDay, got, err, tc.want)
		}
	}
}

func TestNumber(t *testing.T) {
	for n, want := range map[int64]string{1: "A001", 42: "A042", 999: "A999", 1000: "A1000"} {
		if got := Number("A", n); got != want {
			t.Errorf("Number(A, %d) = %s, want %s", n, got, want)
		}
	}
}

// The reminder position is the place in the ticket's own line: other
// types interleave in the issue order without moving it (dedicated), but
// count under one pooled line.
func TestDueRemindersByPosition(t *testing.T) {
	line := []Ticket{{ID: 1, TypeID: 1, Seq: 1}, {ID: 2, TypeID: 2, Seq: 2}, {ID: 3, TypeID: 2, Seq: 3}, {ID: 4, TypeID: 1, Seq: 4, RemindAhead: 2}}
	if due := DueReminders(Dedicated, line); len(due) != 1 || due[0].ID != 4 {
		t.Errorf("dedicated: due %v, want ticket 4 (2nd of its line)", due)
	}
	if due := DueReminders(Pooled, line); len(due) != 0 {
		t.Errorf("pooled: due %v, want none (4th in the one line)", due)
	}
	now := time.Now()
	line[3].RemindedAt = &now
	if due := DueReminders(Dedicated, line); len(due) != 0 {
		t.Errorf("reminded twice: %v", due)
	}
}

// configStore counts the reads of a branch's configuration; the rest of
// the store is not used.
type configStore struct {
	Store
	reads   int
	version map[int64]int64
}

func (s *configStore) Branch(_ context.Context, id int64) (*Branch, error) {
	s.reads++
	return &Branch{ID: id, Policy: Pooled}, nil
}
func (s *configStore) Types(context.Context, int64) ([]ServiceType, error) { return nil, nil }
func (s *configStore) Counters(context.Context, int64) ([]Counter, error)  { return nil, nil }
func (s *configStore) ConfigVersions(context.Context) (map[int64]int64, error) {
	return maps.Clone(s.version), nil
}

// A branch's configuration is read once and kept while the hub's poll of
// the configuration versions is current: tickets (Notify) leave it, a
// change on this server (Changed) or one the poll sees on another server
// drops it.
func TestConfigCachedUntilChanged(t *testing.T) {
	ctx := context.Background()
	st := &configStore{version: map[int64]int64{1: 0}}
	hub := &Hub{ConfigVersions: st.ConfigVersions}
	s := &Service{Store: st, Hub: hub}
	hub.pollConfig(ctx)
	read := func(want int, what string) {
		t.Helper()
		if _, err := s.Config(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if st.reads != want {
			t.Fatalf("%s: %d reads of the configuration, want %d", what, st.reads, want)
		}
	}
	read(1, "first")
	hub.Notify(1) // a ticket taken or called
	read(1, "after a ticket")
	s.Changed(1)
	read(2, "after a change on this server")
	hub.pollConfig(ctx)
	read(2, "after a poll that saw nothing")
	st.version[1]++ // another server changed the branch
	hub.pollConfig(ctx)
	read(3, "after a change on another server")
	// Without a current poll the configuration is kept a second at most.
	hub.cfgAt = time.Now().Add(-2 * time.Second)
	s.config[1] = cachedConfig{c: s.config[1].c, gen: s.config[1].gen, at: time.Now().Add(-2 * time.Second)}
	read(4, "without a current poll")
}

// A configuration read before the poll first saw its branch (a branch
// made on another server a moment ago, or any branch while the hub
// starts) is dropped once the poll sees the branch: the version the poll
// sees first may already be a change the cached copy lacks, such as the
// branch given to another department.
func TestConfigReadBeforeThePollSawTheBranch(t *testing.T) {
	ctx := context.Background()
	st := &configStore{version: map[int64]int64{1: 0}}
	hub := &Hub{ConfigVersions: st.ConfigVersions}
	s := &Service{Store: st, Hub: hub}
	read := func(id int64, want int, what string) {
		t.Helper()
		if _, err := s.Config(ctx, id); err != nil {
			t.Fatal(err)
		}
		if st.reads != want {
			t.Fatalf("%s: %d reads of the configuration, want %d", what, st.reads, want)
		}
	}
	// While the hub starts: read, changed elsewhere, then the first poll.
	read(1, 1, "before the first poll")
	st.version[1]++
	hub.pollConfig(ctx)
	read(1, 2, "after the first poll")
	// A branch the running poll has not seen yet.
	read(2, 3, "a new branch")
	st.version[2] = 1
	hub.pollConfig(ctx)
	read(2, 4, "after the poll first saw the new branch")
	hub.pollConfig(ctx)
	read(2, 4, "after a poll that saw nothing")
}
