package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Handler runs one job. An error means "try again later" unless it is
// Permanent.
type Handler func(ctx context.Context, j Job) error

// BatchHandler runs the claimed jobs of one kind together (letters sent
// over one connection, their timeline entries in one transaction); it
// returns one error per job, nil for those done.
type BatchHandler func(ctx context.Context, js []Job) []error

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the job goes dead at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Worker claims and runs due jobs until its context ends.
type Worker struct {
	Store    Store
	Name     string // unique per process, e.g. host:pid
	Handlers map[string]Handler
	// Batches run every claimed job of their kind in one call.
	Batches map[string]BatchHandler
	Now     func() time.Time
	Log     *slog.Logger
	// Poll is how often an idle worker looks for due jobs; Lease how long a
	// claimed job stays ours without renewal (DefaultLease when 0): while
	// its jobs run the worker renews the lease every Lease/3, so a server
	// that dies loses its claims within Lease and another takes them over;
	// Batch is how many jobs one claim takes.
	Poll  time.Duration
	Lease time.Duration
	Batch int
	// Backoff returns the delay before attempt n+1 (default: 30s·2^(n-1),
	// at most 6h).
	Backoff func(attempt int) time.Duration
	// KeepDone is how long done jobs stay in the table (7 days when 0);
	// Run deletes older ones every PruneEvery (an hour when 0). Jobs of
	// the KeepKinds (the fixed-date runs, whose last run is shown) stay.
	KeepDone   time.Duration
	PruneEvery time.Duration
	KeepKinds  []string

	wake      chan struct{}
	once      sync.Once
	lastPrune time.Time
}

func (w *Worker) init() {
	w.once.Do(func() {
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Log == nil {
			w.Log = slog.Default()
		}
		if w.Poll <= 0 {
			w.Poll = time.Second
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		if w.Batch <= 0 {
			w.Batch = 128
		}
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		if w.KeepDone <= 0 {
			w.KeepDone = 7 * 24 * time.Hour
		}
		if w.PruneEvery <= 0 {
			w.PruneEvery = time.Hour
		}
		w.wake = make(chan struct{}, 1)
	})
}

// DefaultLease is how long a claim lasts without renewal: a crashed
// server's jobs are run by another within it.
const DefaultLease = 10 * time.Second

// DefaultBackoff waits 30 s, 1 min, 2 min … up to 6 h between attempts.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second * time.Duration(math.Pow(2, float64(max(attempt-1, 0))))
	return min(d, 6*time.Hour)
}

// Wake makes an idle worker look for jobs now (after an enqueue).
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is cancelled.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
		n, err := w.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("job worker", "err", err)
		}
		if now := w.Now(); now.Sub(w.lastPrune) >= w.PruneEvery {
			w.lastPrune = now
			if _, err := w.Prune(ctx); err != nil && ctx.Err() == nil {
				w.Log.Warn("job prune", "err", err)
			}
		}
		next := w.Poll
		if n == w.Batch {
			next = 0 // more may be due
		}
		t.Reset(next)
	}
}

// Prune deletes the done jobs older than KeepDone, a batch at a time so
// that no transaction grows large, and returns how many it deleted.
func (w *Worker) Prune(ctx context.Context) (int, error) {
	w.init()
	const batch = 5000
	total := 0
	before := w.Now().Add(-w.KeepDone)
	for {
		n, err := w.Store.Prune(ctx, before, w.KeepKinds, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// RunDue claims one batch of due jobs and runs them; it returns how many it
// claimed. Tests call it directly with a fake clock.
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	w.init()
	js, err := w.Store.Claim(ctx, w.Name, w.Lease, w.Batch)
	if err != nil {
		return 0, err
	}
	if len(js) > 0 {
		ids := make([]int64, len(js))
		for i, j := range js {
			ids[i] = j.ID
		}
		stop := w.heartbeat(ctx, ids)
		defer stop()
	}
	// Jobs of a batch kind run together; the others one by one. The
	// successes are marked done in one write at the end.
	var done []int64
	batches := map[string][]Job{}
	for _, j := range js {
		if _, ok := w.Batches[j.Kind]; ok {
			batches[j.Kind] = append(batches[j.Kind], j)
		}
	}
	for kind, group := range batches {
		if ctx.Err() != nil {
			break
		}
		errs := safeBatch(ctx, w.Batches[kind], group)
		for i, j := range group {
			if errs[i] == nil {
				done = append(done, j.ID)
			} else {
				w.failed(ctx, j, errs[i])
			}
		}
	}
	for _, j := range js {
		if _, ok := w.Batches[j.Kind]; ok {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if err := w.runOne(ctx, j); err == nil {
			done = append(done, j.ID)
		}
	}
	if n, err := w.Store.CompleteMany(ctx, done, w.Name); err != nil {
		w.Log.Warn("job complete", "jobs", len(done), "err", err)
	} else if n < len(done) {
		w.Log.Warn("job lease lost before completion", "jobs", len(done)-n)
	}
	return len(js), ctx.Err()
}

// heartbeat renews the lease on ids every Lease/3 until stop is called,
// so jobs that run longer than a lease stay ours. A server that dies stops
// renewing and its claims run out within Lease. Jobs already finished
// (failed, or done and completed) are no longer renewed.
func (w *Worker) heartbeat(ctx context.Context, ids []int64) (stop func()) {
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(w.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
			}
			n, err := w.Store.Extend(hctx, ids, w.Name, w.Lease)
			if err != nil && hctx.Err() == nil {
				w.Log.Warn("job lease renewal", "jobs", len(ids), "err", err)
			} else if err == nil && n == 0 {
				return // nothing of ours is running any more
			}
		}
	}()
	return func() { cancel(); <-done }
}

// runOne runs one job; a failure is recorded, a success is the caller's
// to mark done.
func (w *Worker) runOne(ctx context.Context, j Job) error {
	h, ok := w.Handlers[j.Kind]
	var err error
	if !ok {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	} else {
		err = safeRun(ctx, h, j)
	}
	if err != nil {
		w.failed(ctx, j, err)
	}
	return err
}

// failed records a failure: retried with backoff, or dead when permanent.
func (w *Worker) failed(ctx context.Context, j Job, err error) {
	retry := w.Now().Add(w.Backoff(j.Attempts))
	if IsPermanent(err) {
		retry = time.Time{} // no retry: dead now
	}
	w.Log.Info("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", err)
	if ferr := w.Store.Fail(ctx, j.ID, w.Name, err.Error(), retry); ferr != nil {
		w.Log.Warn("job fail", "id", j.ID, "err", ferr)
	}
}

func safeBatch(ctx context.Context, h BatchHandler, js []Job) (errs []error) {
	defer func() {
		if v := recover(); v != nil {
			errs = make([]error, len(js))
			for i := range errs {
				errs[i] = fmt.Errorf("handler panic: %v", v)
			}
		}
	}()
	errs = h(ctx, js)
	if len(errs) != len(js) {
		panic(fmt.Sprintf("batch handler of %s answered %d errors for %d jobs", js[0].Kind, len(errs), len(js)))
	}
	return errs
}

func safeRun(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panic: %v", v)
		}
	}()
	return h(ctx, j)
}
