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
