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

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the job goes dead at once.
func Permanent(err error) error { return permanent{err} }

// Worker claims and runs due jobs until its context ends.
type Worker struct {
	Store    Store
	Name     string // unique per process, e.g. host:pid
	Handlers map[string]Handler
	Now      func() time.Time
	Log      *slog.Logger
	// Poll is how often an idle worker looks for due jobs; Lease how long a
	// claimed job stays ours; Batch how many jobs one claim takes.
	Poll  time.Duration
	Lease time.Duration
	Batch int
	// Backoff returns the delay before attempt n+1 (default: 30s·2^(n-1),
	// at most 6h).
	Backoff func(attempt int) time.Duration

	wake chan struct{}
	once sync.Once
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
			w.Lease = 2 * time.Minute
		}
		if w.Batch <= 0 {
			w.Batch = 32
		}
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		w.wake = make(chan struct{}, 1)
	})
}

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
		next := w.Poll
		if n == w.Batch {
			next = 0 // more may be due
		}
		t.Reset(next)
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
	for _, j := range js {
		if ctx.Err() != nil {
			return len(js), ctx.Err()
		}
		w.runOne(ctx, j)
	}
	return len(js), nil
}

func (w *Worker) runOne(ctx context.Context, j Job) {
	h, ok := w.Handlers[j.Kind]
	var err error
	if !ok {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	} else {
		err = safeRun(ctx, h, j)
	}
	if err == nil {
		if ok, cerr := w.Store.Complete(ctx, j.ID, w.Name); cerr != nil {
			w.Log.Warn("job complete", "id", j.ID, "kind", j.Kind, "err", cerr)
		} else if !ok {
			w.Log.Warn("job lease lost before completion", "id", j.ID, "kind", j.Kind)
		}
		return
	}
	retry := w.Now().Add(w.Backoff(j.Attempts))
	var p permanent
	if errors.As(err, &p) {
		retry = time.Time{} // no retry: dead now
	}
	w.Log.Info("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", err)
	if ferr := w.Store.Fail(ctx, j.ID, w.Name, err.Error(), retry); ferr != nil {
		w.Log.Warn("job fail", "id", j.ID, "err", ferr)
	}
}

func safeRun(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panic: %v", v)
		}
	}()
	return h(ctx, j)
}
