package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/queue"
	"kesu/internal/storage/sqlstore"
)

// QueueBranch creates a branch with types A (simple, 3 min) and B
// (complex, 10 min), and any further prefix the counters name (15 min),
// and the given counters: each a list of type prefixes.
func QueueBranch(t testing.TB, ctx context.Context, s queue.Store, code string, policy queue.Policy, counters ...string) (*queue.Branch, map[string]*queue.ServiceType, []*queue.Counter) {
	t.Helper()
	b := &queue.Branch{Code: code, Name: "网点 " + code, NameEN: "Branch " + code, Policy: policy, Opens: "00:00", Closes: "23:59", EveryDay: true}
	if err := s.SaveBranch(ctx, b, audit.System, nil); err != nil {
		t.Fatalf("branch: %v", err)
	}
	types := map[string]*queue.ServiceType{}
	prefixes := []string{"A", "B"}
	for _, prof := range counters {
		for _, p := range strings.Split(prof, "") {
			if !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p) // a further type: 15 minutes
			}
		}
	}
	for i, p := range prefixes {
		name, handle := map[string]string{"A": "简单业务", "B": "复杂业务"}[p], map[string]float64{"A": 3, "B": 10}[p]
		if name == "" {
			name, handle = "业务 "+p, 15
		}
		ty := &queue.ServiceType{BranchID: b.ID, Prefix: p, Name: name, Priority: i, HandleMinutes: handle, Documents: "身份证"}
		if err := s.SaveType(ctx, ty, audit.System, nil); err != nil {
			t.Fatalf("type %s: %v", p, err)
		}
		types[p] = ty
	}
	var cs []*queue.Counter
	for i, prof := range counters {
		c := &queue.Counter{BranchID: b.ID, Name: fmt.Sprintf("%d号窗口", i+1), Open: true}
		for _, p := range strings.Split(prof, "") {
			c.Types = append(c.Types, types[p].ID)
		}
		if err := s.SaveCounter(ctx, c, audit.System, nil); err != nil {
			t.Fatalf("counter: %v", err)
		}
		cs = append(cs, c)
	}
	return b, types, cs
}

func issue(t *testing.T, e *env, b *queue.Branch, ty *queue.ServiceType, phone string, remind int) (*queue.Ticket, int) {
	t.Helper()
	tk := &queue.Ticket{BranchID: b.ID, TypeID: ty.ID, Day: e.clock.Now().In(Zone).Format(time.DateOnly), Channel: "kiosk", Lang: "zh",
		Phone: phone, RemindAhead: remind, Token: "tok", IssuedAt: e.clock.Now()}
	ahead, err := e.db.Queue().Issue(e.ctx, tk)
	if err != nil {
		t.Fatalf("issue %s: %v", ty.Prefix, err)
	}
	return tk, len(ahead)
}

func testQueueTickets(t *testing.T, e *env) {
	s := e.db.Queue()
	b, ty, cs := QueueBranch(t, e.ctx, s, "B1", queue.Dedicated, "A", "B")
	cfg0, err := s.ConfigVersions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Tickets taken and called leave the configuration version; a
		// change of a counter moves it.
		if cfg, _ := s.ConfigVersions(e.ctx); cfg[b.ID] != cfg0[b.ID] {
			t.Errorf("configuration version %d → %d by tickets alone", cfg0[b.ID], cfg[b.ID])
		}
		cs[0].Open = false
		if err := s.SaveCounter(e.ctx, cs[0], audit.System, nil); err != nil {
			t.Fatal(err)
		}
		if cfg, _ := s.ConfigVersions(e.ctx); cfg[b.ID] <= cfg0[b.ID] {
			t.Errorf("configuration version %d after closing a counter, was %d", cfg[b.ID], cfg0[b.ID])
		}
		day := Start.In(Zone).Format(time.DateOnly)
		issue(t, e, b, ty["A"], "", 0)
		if _, err := s.CallNext(e.ctx, cs[0].ID, day, Start, "柜员"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a closed counter called: %v, want conflict", err)
		}
		if _, err := s.CallNext(e.ctx, 999999, day, Start, "柜员"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown counter called: %v, want not found", err)
		}
	}()
	var got []string
	for _, p := range []string{"A", "B", "A", "A", "B"} {
		tk, _ := issue(t, e, b, ty[p], "", 0)
		got = append(got, tk.Number)
	}
	if strings.Join(got, " ") != "A001 B001 A002 A003 B002" {
		t.Errorf("numbers %v: want per type prefix", got)
	}
	if _, ahead := issue(t, e, b, ty["A"], "", 0); ahead != 3 {
		t.Errorf("ahead of the fourth A ticket: %d, want 3 (its own line)", ahead)
	}
	// The next day starts again at 001.
	e.clock.Set(Start.AddDate(0, 0, 1))
	if tk, _ := issue(t, e, b, ty["B"], "", 0); tk.Number != "B001" {
		t.Errorf("next day's first B is %s", tk.Number)
	}
	e.clock.Set(Start)
	day := Start.In(Zone).Format(time.DateOnly)
	// Counter 1 serves A only: it calls A001, then A002.
	c1 := cs[0]
	tk, err := s.CallNext(e.ctx, c1.ID, day, Start, "柜员")
	if err != nil || tk.Number != "A001" {
		t.Fatalf("call next = %v, %v; want A001", tk, err)
	}
	if _, err := s.Act(e.ctx, tk.ID, cs[1].ID, queue.ActServe, 0, Start, "柜员"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("another counter serving A001: %v, want conflict", err)
	}
	if _, err := s.Act(e.ctx, tk.ID, c1.ID, queue.ActFinish, 0, Start, "柜员"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Act(e.ctx, tk.ID, c1.ID, queue.ActServe, 0, Start, "柜员"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("serving a finished ticket: %v, want conflict", err)
	}
	// The refusals wrote nothing: A001's events are its issue, its call
	// and its finish, at counter 1 by the clerk.
	if evs, _ := s.Events(e.ctx, tk.ID); len(evs) != 3 || evs[2].Action != queue.ActFinish || evs[2].CounterID == nil || *evs[2].CounterID != c1.ID || evs[2].By != "柜员" {
		t.Errorf("A001's events after two refused actions: %+v", evs)
	}
	if _, err := s.Act(e.ctx, tk.ID+1_000_000, c1.ID, queue.ActServe, 0, Start, "柜员"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("acting on no ticket: %v, want not found", err)
	}
	tk2, _ := s.CallNext(e.ctx, c1.ID, day, Start.Add(time.Minute), "柜员")
	if tk2.Number != "A002" {
		t.Errorf("second call %s, want A002", tk2.Number)
	}
	for _, a := range []string{queue.ActRecall, queue.ActServe, queue.ActFinish} {
		if _, err := s.Act(e.ctx, tk2.ID, c1.ID, a, 0, Start.Add(2*time.Minute), "柜员"); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	evs, _ := s.Events(e.ctx, tk2.ID)
	var acts []string
	for _, ev := range evs {
		acts = append(acts, ev.Action)
	}
	if strings.Join(acts, ",") != "issued,called,recall,serve,finish" {
		t.Errorf("events %v", acts)
	}
	done, _ := s.Ticket(e.ctx, tk2.ID)
	if done.Status != queue.StatusDone || done.Calls != 2 || done.FinishedAt == nil || done.ServedAt == nil {
		t.Errorf("finished ticket %+v", done)
	}
	// Counter 2 serves B only and is not handed A tickets.
	b1, _ := s.CallNext(e.ctx, cs[1].ID, day, Start, "柜员")
	b2, _ := s.CallNext(e.ctx, cs[1].ID, day, Start, "柜员")
	if b1.Number != "B001" || b2.Number != "B002" {
		t.Errorf("B counter called %s, %s", b1.Number, b2.Number)
	}
	if _, err := s.CallNext(e.ctx, cs[1].ID, day, Start, "柜员"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("empty B line: %v, want not found", err)
	}
	// Bad input writes nothing.
	err = s.SaveBranch(e.ctx, &queue.Branch{Code: "x y", Name: "", Policy: "random"}, audit.System, nil)
	if ae, ok := err.(*apperr.Error); !ok || len(ae.Fields) < 3 {
		t.Errorf("bad branch: %v", err)
	}
	if bs, _ := s.Branches(e.ctx); len(bs) != 1 {
		t.Errorf("branches %d after a refused one", len(bs))
	}
}

// A refused ticket takes no number and leaves nothing behind; a ticket
// transferred to another type is called by that type's counter only.
func testQueueRefusedAndTransferred(t *testing.T, e *env) {
	s := e.db.Queue()
	b, ty, cs := QueueBranch(t, e.ctx, s, "B3", queue.Dedicated, "A", "B")
	_, other, _ := QueueBranch(t, e.ctx, s, "B4", queue.Dedicated, "A")
	day := Start.In(Zone).Format(time.DateOnly)
	tk := &queue.Ticket{BranchID: b.ID, TypeID: other["A"].ID, Day: day, Channel: "kiosk", Lang: "zh", Token: "tok", IssuedAt: Start}
	_, err := s.Issue(e.ctx, tk)
	if ae, ok := err.(*apperr.Error); !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || ae.Fields[0].Field != "type_id" {
		t.Errorf("a ticket of another branch's type: %v, want invalid type_id", err)
	}
	tk = &queue.Ticket{BranchID: 999999, TypeID: ty["A"].ID, Day: day, Channel: "kiosk", Lang: "zh", Token: "tok", IssuedAt: Start}
	if _, err := s.Issue(e.ctx, tk); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a ticket of an unknown branch: %v, want not found", err)
	}
	a1, _ := issue(t, e, b, ty["A"], "", 0)
	if a1.Number != "A001" || a1.Seq != 1 {
		t.Errorf("first ticket after refused ones: %s seq %d, want A001 seq 1", a1.Number, a1.Seq)
	}
	if w, _ := s.Waiting(e.ctx, b.ID, day); len(w) != 1 {
		t.Errorf("%d waiting, want 1", len(w))
	}
	tk, err = s.CallNext(e.ctx, cs[0].ID, day, Start, "柜员")
	if err != nil || tk.ID != a1.ID {
		t.Fatalf("call next = %v, %v; want A001", tk, err)
	}
	if _, err := s.Act(e.ctx, tk.ID, cs[0].ID, queue.ActTransfer, ty["B"].ID, Start.Add(time.Minute), "柜员"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CallNext(e.ctx, cs[0].ID, day, Start.Add(2*time.Minute), "柜员"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the A counter after the transfer: %v, want not found", err)
	}
	tk, err = s.CallNext(e.ctx, cs[1].ID, day, Start.Add(2*time.Minute), "柜员")
	if err != nil || tk.ID != a1.ID || tk.TypeID != ty["B"].ID || tk.Calls != 1 || tk.Status != queue.StatusCalled || *tk.CounterID != cs[1].ID {
		t.Fatalf("the B counter called %+v, %v; want the transferred A001 with one call", tk, err)
	}
	evs, _ := s.Events(e.ctx, a1.ID)
	var acts []string
	for _, ev := range evs {
		acts = append(acts, ev.Action)
	}
	if strings.Join(acts, ",") != "issued,called,transfer,called" {
		t.Errorf("events %v", acts)
	}
}

// The N-ahead reminder goes by position in the ticket's own line, once,
// with a no-show and a transfer in between.
func testQueueReminder(t *testing.T, e *env) {
	e.db.QueueSMS = true
	s := e.db.Queue()
	b, ty, cs := QueueBranch(t, e.ctx, s, "R1", queue.Dedicated, "A", "B")
	day := Start.In(Zone).Format(time.DateOnly)
	for _, p := range []string{"A", "B", "A", "A", "B", "A"} {
		issue(t, e, b, ty[p], "", 0)
	}
	x, ahead := issue(t, e, b, ty["A"], "13800000000", 3) // A005: 5th in the A line
	if ahead != 4 || x.RemindedAt != nil {
		t.Fatalf("X ahead %d reminded %v", ahead, x.RemindedAt)
	}
	c1, c2 := cs[0], cs[1]
	at := Start
	call := func(c *queue.Counter) *queue.Ticket {
		t.Helper()
		at = at.Add(time.Minute)
		tk, err := s.CallNext(e.ctx, c.ID, day, at, "柜员")
		if err != nil {
			t.Fatalf("call: %v", err)
		}
		return tk
	}
	act := func(tk *queue.Ticket, c *queue.Counter, a string, to int64) {
		t.Helper()
		at = at.Add(time.Minute)
		if _, err := s.Act(e.ctx, tk.ID, c.ID, a, to, at, "柜员"); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	reminded := func() *time.Time {
		tk, _ := s.Ticket(e.ctx, x.ID)
		return tk.RemindedAt
	}
	a1 := call(c1) // X now 4th
	act(a1, c1, queue.ActNoShow, 0)
	b1 := call(c2)
	act(b1, c2, queue.ActTransfer, ty["A"].ID) // B001 joins the A line ahead of X: X 5th again
	b2 := call(c2)
	act(b2, c2, queue.ActFinish, 0)
	if r := reminded(); r != nil {
		t.Fatalf("reminded at %v while still 5th", r)
	}
	moved := call(c1) // the transferred B001: X 4th
	if moved.ID != b1.ID {
		t.Errorf("A counter called %s, want the transferred ticket", moved.Number)
	}
	act(moved, c1, queue.ActFinish, 0)
	if r := reminded(); r != nil {
		t.Fatalf("reminded at %v while 4th", r)
	}
	call(c1) // A002 called: X is 3rd in line
	wantAt := at
	if r := reminded(); r == nil || !r.Equal(wantAt) {
		t.Fatalf("reminded at %v, want %v (when it became 3rd)", r, wantAt)
	}
	call(c1) // 2nd
	call(c1) // 1st
	if n := e.count(t, "jobs WHERE key = 'queue-remind:"+fmt.Sprint(x.ID)+"'"); n != 1 {
		t.Errorf("%d reminder texts, want exactly 1", n)
	}
	var payload string
	e.db.W.QueryRowContext(e.ctx, "SELECT payload FROM jobs WHERE key = 'queue-remind:"+fmt.Sprint(x.ID)+"'").Scan(&payload)
	if !strings.Contains(payload, "13800000000") || !strings.Contains(payload, "A005") || !strings.Contains(payload, "前面还有 2 位") {
		t.Errorf("reminder text %s", payload)
	}
	// Called: a text too.
	got := call(c1)
	if got.ID != x.ID {
		t.Fatalf("called %s, want X", got.Number)
	}
	if n := e.count(t, "jobs WHERE key LIKE 'queue-called:"+fmt.Sprint(x.ID)+":%'"); n != 1 {
		t.Errorf("%d called texts, want 1", n)
	}
	// A ticket already within N when issued is not texted.
	y, _ := issue(t, e, b, ty["B"], "13900000000", 5)
	if y.RemindedAt == nil {
		t.Error("a ticket within N at issue is marked reminded")
	}
	if n := e.count(t, "jobs WHERE key = 'queue-remind:"+fmt.Sprint(y.ID)+"'"); n != 0 {
		t.Errorf("texted at issue")
	}
}

// QueueConcurrentCalls has every counter of a 20-counter branch call at
// once from the stores given (one per server) until the line is empty:
// each ticket is called exactly once.
func QueueConcurrentCalls(t *testing.T, stores ...*sqlstore.DB) {
	ctx := t.Context()
	day := Start.In(Zone).Format(time.DateOnly)
	s0 := stores[0].Queue()
	profiles := make([]string, 20)
	for i := range profiles {
		profiles[i] = []string{"A", "B", "AB"}[i%3]
	}
	for _, pol := range []queue.Policy{queue.Dedicated, queue.Pooled, queue.Priority} {
		b, ty, cs := QueueBranch(t, ctx, s0, "C-"+string(pol), pol, profiles...)
		const n = 300
		for i := range n {
			p := "A"
			if i%3 == 0 {
				p = "B"
			}
			tk := &queue.Ticket{BranchID: b.ID, TypeID: ty[p].ID, Day: day, Channel: "kiosk", Lang: "zh", Token: "t", IssuedAt: Start}
			if _, err := s0.Issue(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for si, db := range stores {
			for ci, c := range cs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						tk, err := db.Queue().CallNext(ctx, c.ID, day, Start, fmt.Sprintf("s%d", si))
						if apperr.Is(err, apperr.NotFound) {
							return
						}
						if err != nil {
							errs <- fmt.Errorf("counter %d: %w", ci, err)
							return
						}
						mu.Lock()
						if prev, dup := seen[tk.ID]; dup {
							errs <- fmt.Errorf("%s called twice: by %s and counter %d on store %d", tk.Number, prev, ci, si)
						}
						seen[tk.ID] = fmt.Sprintf("counter %d on store %d", ci, si)
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", pol, err)
		}
		if len(seen) != n {
			t.Errorf("%s: %d tickets called, want %d", pol, len(seen), n)
		}
		if w, _ := s0.Waiting(ctx, b.ID, day); len(w) != 0 {
			t.Errorf("%s: %d still waiting", pol, len(w))
		}
	}
}

// A configuration write runs its guard in its transaction with the branch
// as stored then; a guard's refusal writes nothing, not even the
// configuration version.
func testQueueGuard(t *testing.T, e *env) {
	s := e.db.Queue()
	b, ty, cs := QueueBranch(t, e.ctx, s, "G1", queue.Dedicated, "A")
	var dept int64 = 1
	moved := *b
	moved.DepartmentID = &dept
	if err := s.SaveBranch(e.ctx, &moved, audit.System, nil); err != nil {
		t.Fatal(err)
	}
	cfgBefore, _ := s.ConfigVersions(e.ctx)
	refuse := errors.New("out of reach")
	var seen []*int64
	guard := func(cur *queue.Branch) error {
		if cur == nil || cur.ID != b.ID {
			t.Errorf("guard saw %+v, want branch %d", cur, b.ID)
		} else {
			seen = append(seen, cur.DepartmentID)
		}
		return refuse
	}
	renamed := moved
	renamed.Name, renamed.DepartmentID = "改名", nil
	if err := s.SaveBranch(e.ctx, &renamed, audit.System, guard); !errors.Is(err, refuse) {
		t.Errorf("branch: %v, want the guard's refusal", err)
	}
	typ := *ty["A"]
	typ.Name = "改名"
	if err := s.SaveType(e.ctx, &typ, audit.System, guard); !errors.Is(err, refuse) {
		t.Errorf("type: %v, want the guard's refusal", err)
	}
	ctr := *cs[0]
	ctr.Open = false
	if err := s.SaveCounter(e.ctx, &ctr, audit.System, guard); !errors.Is(err, refuse) {
		t.Errorf("counter: %v, want the guard's refusal", err)
	}
	if len(seen) != 3 || slices.ContainsFunc(seen, func(d *int64) bool { return d == nil || *d != dept }) {
		t.Errorf("guards saw departments %v, want %d three times", seen, dept)
	}
	got, _ := s.Branch(e.ctx, b.ID)
	types, _ := s.Types(e.ctx, b.ID)
	counters, _ := s.Counters(e.ctx, b.ID)
	cfgAfter, _ := s.ConfigVersions(e.ctx)
	if got.Name == "改名" || got.DepartmentID == nil || types[0].Name == "改名" || !counters[0].Open || cfgAfter[b.ID] != cfgBefore[b.ID] {
		t.Errorf("a refused write was stored: branch %+v, type %q, counter open %v, configuration version %d → %d",
			got, types[0].Name, counters[0].Open, cfgBefore[b.ID], cfgAfter[b.ID])
	}
}
