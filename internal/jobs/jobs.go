// Package jobs is kesu's durable job table: work to do later or outside a
// request (notifications, deadline checks, scheduled summaries) is stored as
// a row, in the same transaction as the change that causes it, and run by
// workers that claim due rows under a lease. Several kesu servers share the
// table without running a job twice at the same time (PostgreSQL: FOR UPDATE
// SKIP LOCKED; SQLite: one writer); a server that dies mid-job loses its
// lease and another server runs the job again, so handlers must be safe to
// repeat (a job that sends a message records that it sent it). The lease
// is short (seconds) and renewed by the live worker while its jobs run, so
// a dead server's claims are taken over within seconds while a long job
// keeps its claim.
package jobs

import (
	"context"
	"encoding/json"
	"time"
)

// Status of a job.
const (
	Pending = "pending"
	Running = "running"
	Done    = "done"
	Dead    = "dead" // failed MaxAttempts times; an administrator may retry it
)

// Job is one unit of deferred work.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`          // handler name, e.g. notify.email
	Key         string          `json:"key,omitempty"` // unique when set: enqueueing the same key twice is a no-op
	Payload     json.RawMessage `json:"payload,omitempty"`
	RunAt       time.Time       `json:"run_at"`
	Status      string          `json:"status"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LockedUntil *time.Time      `json:"locked_until,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	DoneAt      *time.Time      `json:"done_at,omitempty"`
}

// DefaultMaxAttempts is used when a job does not say.
const DefaultMaxAttempts = 8

// Filter selects jobs for an administrator's list.
type Filter struct {
	Status string
	Kind   string
	Limit  int
}

// Store persists jobs.
type Store interface {
	// Enqueue stores jobs; a job whose Key exists already is skipped.
	Enqueue(ctx context.Context, js ...*Job) error
	// Claim takes up to limit due jobs (pending and due, or running with an
	// expired lease) for worker until now+lease.
	Claim(ctx context.Context, worker string, lease time.Duration, limit int) ([]Job, error)
	// Extend renews worker's lease on those of ids it still holds until
	// now+lease and returns how many it renewed: the heartbeat of a live
	// worker on its running jobs.
	Extend(ctx context.Context, ids []int64, worker string, lease time.Duration) (int, error)
	// Complete marks a claimed job done; false when the lease was lost.
	Complete(ctx context.Context, id int64, worker string) (bool, error)
	// CompleteMany marks claimed jobs done in one write and returns how
	// many were still held by worker.
	CompleteMany(ctx context.Context, ids []int64, worker string) (int, error)
	// Fail records an error; the job runs again at retryAt, or goes dead
	// when it has no attempts left.
	Fail(ctx context.Context, id int64, worker, msg string, retryAt time.Time) error
	// Retry puts a dead job back in the queue now.
	Retry(ctx context.Context, id int64) error
	List(ctx context.Context, f Filter) ([]Job, error)
	// NextRunAt is the earliest run_at of a pending job, or zero.
	NextRunAt(ctx context.Context) (time.Time, error)
	// Prune deletes up to limit done jobs finished before before, except
	// those of the kinds in keep, and returns how many it deleted. Dead
	// jobs are never pruned.
	Prune(ctx context.Context, before time.Time, keep []string, limit int) (int, error)
}

// Payload encodes v for Job.Payload.
func Payload(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // kesu's own plain payload types
	}
	return b
}
