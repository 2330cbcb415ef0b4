package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/storage/sqlstore"
)

// OpenPair opens two handles on one fresh database, as two kesu servers
// would.
type OpenPair func(t *testing.T) (*sqlstore.DB, *sqlstore.DB)

// clock is a fake clock shared by handles.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// RunJobs is the contract suite of the job table.
func RunJobs(t *testing.T, open OpenPair) {
	setup := func(t *testing.T) (*sqlstore.DB, *sqlstore.DB, *clock) {
		a, b := open(t)
		c := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		a.Now, b.Now = c.Now, c.Now
		return a, b, c
	}
	t.Run("DueKeyAndRetry", func(t *testing.T) {
		db, _, c := setup(t)
		ctx := context.Background()
		st := db.Jobs()
		later := &jobs.Job{Kind: "k", Key: "later", RunAt: c.Now().Add(time.Hour)}
		if err := st.Enqueue(ctx, &jobs.Job{Kind: "k", Key: "now", Payload: jobs.Payload(map[string]int{"n": 1})}, later,
			&jobs.Job{Kind: "k", Key: "now"}); err != nil {
			t.Fatal(err)
		}
		all, _ := st.List(ctx, jobs.Filter{})
		if len(all) != 2 {
			t.Fatalf("a repeated key must not enqueue twice: %d jobs", len(all))
		}
		got, err := st.Claim(ctx, "w1", time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].Key != "now" || got[0].Attempts != 1 || string(got[0].Payload) != `{"n":1}` {
			t.Fatalf("claim = %+v, %v", got, err)
		}
		if again, _ := st.Claim(ctx, "w2", time.Minute, 10); len(again) != 0 {
			t.Fatalf("a claimed job or a future job was claimed again: %+v", again)
		}
		if next, _ := st.NextRunAt(ctx); !next.Equal(later.RunAt) {
			t.Fatalf("next run %v, want %v", next, later.RunAt)
		}
		// Failure: retried at the given time, dead after max attempts.
		if err := st.Fail(ctx, got[0].ID, "w1", "smtp down", c.Now().Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if js, _ := st.Claim(ctx, "w1", time.Minute, 10); len(js) != 0 {
			t.Fatal("a failed job ran before its retry time")
		}
		c.Add(31 * time.Second)
		js, _ := st.Claim(ctx, "w1", time.Minute, 10)
		if len(js) != 1 || js[0].Attempts != 2 || js[0].LastError != "smtp down" {
			t.Fatalf("retry claim = %+v", js)
		}
		if err := st.Fail(ctx, js[0].ID, "w1", "bad address", time.Time{}); err != nil { // permanent
			t.Fatal(err)
		}
		dead, _ := st.List(ctx, jobs.Filter{Status: jobs.Dead})
		if len(dead) != 1 || dead[0].LastError != "bad address" {
			t.Fatalf("dead list = %+v", dead)
		}
		if err := st.Retry(ctx, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		js, _ = st.Claim(ctx, "w1", time.Minute, 10)
		if len(js) != 1 || js[0].Attempts != 1 {
			t.Fatalf("an administrator's retry should run again from attempt 1: %+v", js)
		}
		if ok, err := st.Complete(ctx, js[0].ID, "w1"); !ok || err != nil {
			t.Fatalf("complete = %v, %v", ok, err)
		}
		done, _ := st.List(ctx, jobs.Filter{Status: jobs.Done})
		if len(done) != 1 || done[0].DoneAt == nil {
			t.Fatalf("done = %+v", done)
		}
	})
	t.Run("DoneJobsPruned", func(t *testing.T) {
		db, _, c := setup(t)
		ctx := context.Background()
		st := db.Jobs()
		run := func(kind string, fail bool) {
			t.Helper()
			if err := st.Enqueue(ctx, &jobs.Job{Kind: kind}); err != nil {
				t.Fatal(err)
			}
			js, err := st.Claim(ctx, "w", time.Minute, 1)
			if err != nil || len(js) != 1 {
				t.Fatalf("claim %v %v", js, err)
			}
			if fail {
				err = st.Fail(ctx, js[0].ID, "w", "broken", time.Time{})
			} else {
				_, err = st.Complete(ctx, js[0].ID, "w")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		run("old", false)
		run("old", true)
		run("sla.schedule", false)
		c.Add(8 * 24 * time.Hour)
		run("recent", false)
		w := &jobs.Worker{Store: st, Name: "w", Now: c.Now, KeepKinds: []string{"sla.schedule"}}
		if n, err := w.Prune(ctx); err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the old done job only", n, err)
		}
		left, _ := st.List(ctx, jobs.Filter{})
		kinds := map[string]string{}
		for _, j := range left {
			kinds[j.Kind+"/"+j.Status] = j.Kind
		}
		if len(left) != 3 || kinds["old/dead"] == "" || kinds["sla.schedule/done"] == "" || kinds["recent/done"] == "" {
			t.Fatalf("left after pruning: %+v", kinds)
		}
	})

	t.Run("LeaseExpiresWhenAServerDies", func(t *testing.T) {
		a, b, c := setup(t)
		ctx := context.Background()
		if err := a.Jobs().Enqueue(ctx, &jobs.Job{Kind: "k", Key: "x"}); err != nil {
			t.Fatal(err)
		}
		js, _ := a.Jobs().Claim(ctx, "server-a", time.Minute, 1)
		if len(js) != 1 {
			t.Fatal("server a claims nothing")
		}
		// Server a dies here. Within the lease nobody else takes the job.
		if got, _ := b.Jobs().Claim(ctx, "server-b", time.Minute, 1); len(got) != 0 {
			t.Fatal("job taken while its lease runs")
		}
		c.Add(61 * time.Second)
		got, _ := b.Jobs().Claim(ctx, "server-b", time.Minute, 1)
		if len(got) != 1 || got[0].ID != js[0].ID || got[0].Attempts != 2 {
			t.Fatalf("after the lease server b should take the job: %+v", got)
		}
		if ok, _ := a.Jobs().Complete(ctx, js[0].ID, "server-a"); ok {
			t.Fatal("a server that lost its lease must not complete the job")
		}
		if ok, _ := b.Jobs().Complete(ctx, js[0].ID, "server-b"); !ok {
			t.Fatal("server b could not complete")
		}
	})
	t.Run("TwoServersRunEachJobOnce", func(t *testing.T) {
		a, b, _ := setup(t)
		ctx := context.Background()
		const n = 1000
		var batch []*jobs.Job
		for i := 0; i < n; i++ {
			batch = append(batch, &jobs.Job{Kind: "escalate", Key: fmt.Sprintf("esc-%d", i), Payload: jobs.Payload(i)})
		}
		if err := a.Jobs().Enqueue(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		runs := map[string]int{}
		var total atomic.Int64
		handler := func(_ context.Context, j jobs.Job) error {
			mu.Lock()
			runs[j.Key]++
			mu.Unlock()
			total.Add(1)
			return nil
		}
		var wg sync.WaitGroup
		for i, db := range []*sqlstore.DB{a, b, a, b} {
			w := &jobs.Worker{Store: db.Jobs(), Name: fmt.Sprintf("server-%d", i), Handlers: map[string]jobs.Handler{"escalate": handler}, Batch: 25}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k, err := w.RunDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if total.Load() != n || len(runs) != n {
			t.Fatalf("%d runs of %d distinct jobs, want %d each once", total.Load(), len(runs), n)
		}
		for k, c := range runs {
			if c != 1 {
				t.Fatalf("job %s ran %d times", k, c)
			}
		}
		left, _ := a.Jobs().List(ctx, jobs.Filter{Status: jobs.Pending})
		if len(left) != 0 {
			t.Fatalf("%d jobs left pending", len(left))
		}
	})
	t.Run("DeadServerClaimTakenOverInSeconds", func(t *testing.T) {
		// Two servers on the real clock with a short lease. A long job on
		// a live server keeps its claim past several leases (its worker
		// renews it); the registration work of a server that dies (its
		// worker stops without releasing what it claimed) is run by the
		// other server within about a lease.
		a, b := open(t)
		a.Now, b.Now = time.Now, time.Now
		ctx := context.Background()
		const lease = time.Second
		var mu sync.Mutex
		ranBy := map[string][]string{} // job key → servers that ran it
		record := func(server string, j jobs.Job) {
			mu.Lock()
			ranBy[j.Key] = append(ranBy[j.Key], server)
			mu.Unlock()
		}
		runsOf := func(key string) []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), ranBy[key]...)
		}
		hung := make(chan struct{})
		defer close(hung)
		claimed := make(chan struct{}, 1)
		handler := func(server string) jobs.Handler {
			return func(ctx context.Context, j jobs.Job) error {
				record(server, j)
				switch {
				case j.Key == "long":
					time.Sleep(3 * lease)
				case j.Key == "crash" && server == "dying":
					claimed <- struct{}{}
					<-hung // the process is gone: nothing more happens here
				}
				return nil
			}
		}
		worker := func(db *sqlstore.DB, name string) *jobs.Worker {
			return &jobs.Worker{Store: db.Jobs(), Name: name, Lease: lease, Poll: 20 * time.Millisecond,
				Handlers: map[string]jobs.Handler{sqlstore.JobRegistered: handler(name)}}
		}
		// The other server polls all along.
		otherCtx, stopOther := context.WithCancel(ctx)
		defer stopOther()
		otherDone := make(chan struct{})
		go func() { worker(b, "other").Run(otherCtx); close(otherDone) }()

		if err := a.Jobs().Enqueue(ctx, &jobs.Job{Kind: sqlstore.JobRegistered, Key: "long"}); err != nil {
			t.Fatal(err)
		}
		// The first server takes the long job before the other can.
		live := worker(a, "live")
		deadline := time.Now().Add(5 * time.Second)
		for len(runsOf("long")) == 0 && time.Now().Before(deadline) {
			if _, err := live.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := runsOf("long"); len(got) != 1 {
			t.Fatalf("the long job ran %v: a live server's job must keep its claim past its lease", got)
		}

		dyingCtx, kill := context.WithCancel(ctx)
		dying := worker(a, "dying")
		// Stop the other server, and wait until it has stopped, before
		// the job is queued: the dying one must be the one that holds it.
		stopOther()
		<-otherDone
		if err := a.Jobs().Enqueue(ctx, &jobs.Job{Kind: sqlstore.JobRegistered, Key: "crash"}); err != nil {
			t.Fatal(err)
		}
		go dying.RunDue(dyingCtx)
		select {
		case <-claimed:
		case <-time.After(5 * time.Second):
			t.Fatal("the dying server never claimed the job")
		}
		kill()
		killed := time.Now()
		otherCtx, stopOther = context.WithCancel(ctx)
		defer stopOther()
		go worker(b, "other").Run(otherCtx)
		for time.Since(killed) < 10*time.Second {
			if got := runsOf("crash"); len(got) == 2 {
				if got[1] != "other" {
					t.Fatalf("runs %v, want the other server to take over", got)
				}
				if el := time.Since(killed); el > 5*time.Second {
					t.Fatalf("taken over after %v, want within seconds", el)
				}
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the dead server's claim was never taken over: runs %v", runsOf("crash"))
	})
	t.Run("BatchKindsRunTogether", func(t *testing.T) {
		db, _, c := setup(t)
		ctx := context.Background()
		st := db.Jobs()
		var js []*jobs.Job
		for i := range 6 {
			js = append(js, &jobs.Job{Kind: "letter", Key: fmt.Sprintf("l%d", i), Payload: jobs.Payload(i)})
		}
		js = append(js, &jobs.Job{Kind: "single", Key: "s1"}, &jobs.Job{Kind: "single", Key: "s2"})
		if err := st.Enqueue(ctx, js...); err != nil {
			t.Fatal(err)
		}
		var calls, singles int
		w := &jobs.Worker{Store: st, Name: "w", Now: c.Now,
			Handlers: map[string]jobs.Handler{"single": func(context.Context, jobs.Job) error { singles++; return nil }},
			Batches: map[string]jobs.BatchHandler{"letter": func(_ context.Context, js []jobs.Job) []error {
				calls++
				errs := make([]error, len(js))
				for i, j := range js {
					switch j.Key {
					case "l2":
						errs[i] = errors.New("mailbox busy")
					case "l4":
						errs[i] = jobs.Permanent(errors.New("no such address"))
					}
				}
				return errs
			}}}
		if n, err := w.RunDue(ctx); err != nil || n != 8 {
			t.Fatalf("ran %d, %v", n, err)
		}
		if calls != 1 || singles != 2 {
			t.Fatalf("batch handler called %d times, single handler %d; want 1 and 2", calls, singles)
		}
		status := map[string]string{}
		all, _ := st.List(ctx, jobs.Filter{})
		for _, j := range all {
			status[j.Key] = j.Status
		}
		for key, want := range map[string]string{"l0": jobs.Done, "l1": jobs.Done, "l2": jobs.Pending, "l3": jobs.Done,
			"l4": jobs.Dead, "l5": jobs.Done, "s1": jobs.Done, "s2": jobs.Done} {
			if status[key] != want {
				t.Errorf("job %s is %s, want %s", key, status[key], want)
			}
		}
		// A lost lease is not completed by the server that lost it.
		if err := st.Enqueue(ctx, &jobs.Job{Kind: "k", Key: "lease"}); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Claim(ctx, "a", time.Minute, 1)
		c.Add(2 * time.Minute)
		again, _ := st.Claim(ctx, "b", time.Minute, 10)
		retaken := false
		for _, j := range again {
			retaken = retaken || (len(got) == 1 && j.ID == got[0].ID)
		}
		if !retaken {
			t.Fatalf("claims %v / %v", got, again)
		}
		if n, err := st.CompleteMany(ctx, []int64{got[0].ID}, "a"); err != nil || n != 0 {
			t.Fatalf("completed %d jobs whose lease was lost (%v)", n, err)
		}
		if n, err := st.CompleteMany(ctx, []int64{got[0].ID}, "b"); err != nil || n != 1 {
			t.Fatalf("holder completed %d, %v", n, err)
		}
		if n, err := st.CompleteMany(ctx, nil, "b"); err != nil || n != 0 {
			t.Fatalf("empty completion: %d, %v", n, err)
		}
	})
	t.Run("WorkerRetriesAndGivesUp", func(t *testing.T) {
		db, _, c := setup(t)
		ctx := context.Background()
		st := db.Jobs()
		st.Enqueue(ctx, &jobs.Job{Kind: "flaky", Key: "f", MaxAttempts: 3}, &jobs.Job{Kind: "broken", Key: "b"},
			&jobs.Job{Kind: "unknown", Key: "u"})
		calls := 0
		w := &jobs.Worker{Store: st, Name: "w", Now: c.Now, Handlers: map[string]jobs.Handler{
			"flaky":  func(context.Context, jobs.Job) error { calls++; return errors.New("try later") },
			"broken": func(context.Context, jobs.Job) error { return jobs.Permanent(errors.New("bad payload")) },
		}}
		for i := 0; i < 5; i++ {
			if _, err := w.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			c.Add(time.Hour)
		}
		if calls != 3 {
			t.Fatalf("flaky job ran %d times, want 3 (max attempts)", calls)
		}
		dead, _ := st.List(ctx, jobs.Filter{Status: jobs.Dead})
		if len(dead) != 3 {
			t.Fatalf("dead jobs = %d, want 3 (flaky after 3 attempts, permanent, unknown kind)", len(dead))
		}
	})
}
