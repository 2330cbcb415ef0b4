package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// Intake commits concurrent complaint creations in shared transactions
// (group commit): a worker takes every request waiting at that moment, up
// to maxBatch, writes them in one transaction and answers each caller only
// after the commit. The cost of a commit (WAL write on SQLite, the
// numbering lock and WAL flush on PostgreSQL) is paid once per batch
// instead of once per complaint. A request that fails on its own (bad
// reference, reused idempotency key) is answered with its error and the
// batch is retried without it, so no request sees another's failure and
// numbers stay gap-free.
type intake struct {
	db   *DB
	reqs chan *createReq
	once sync.Once
	stop chan struct{}
	wg   sync.WaitGroup
}

const maxBatch = 64

type createReq struct {
	ctx     context.Context
	c       *complaint.Complaint
	opts    complaint.CreateOptions
	replay  bool // the idempotency key was used before
	err     error
	done    chan struct{}
	written bool
}

// itemError marks an error that belongs to one request of a batch.
type itemError struct {
	req *createReq
	err error
}

func (e *itemError) Error() string { return e.err.Error() }

func (in *intake) start() {
	in.once.Do(func() {
		in.reqs = make(chan *createReq)
		in.stop = make(chan struct{})
		workers := in.db.IntakeWorkers
		if workers < 1 {
			workers = 1
		}
		for range workers {
			in.wg.Add(1)
			go in.run()
		}
	})
}

func (in *intake) close() {
	if in.stop != nil {
		close(in.stop)
		in.wg.Wait()
	}
}

// submit hands r to a worker and waits for its answer.
func (in *intake) submit(r *createReq) error {
	in.start()
	select {
	case in.reqs <- r:
	case <-r.ctx.Done():
		return apperr.Wrap(apperr.Unavailable, r.ctx.Err(), "request cancelled before it was stored")
	case <-in.stop:
		return apperr.New(apperr.Unavailable, "server is shutting down")
	}
	<-r.done
	return r.err
}

func (in *intake) run() {
	defer in.wg.Done()
	for {
		var first *createReq
		select {
		case first = <-in.reqs:
		case <-in.stop:
			return
		}
		batch := []*createReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-in.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		in.commit(batch)
	}
}

// commit writes batch, retrying without requests that fail on their own.
func (in *intake) commit(batch []*createReq) {
	s := ComplaintStore{in.db}
	for len(batch) > 0 {
		live := batch[:0]
		for _, r := range batch {
			if r.ctx.Err() != nil {
				r.err = apperr.Wrap(apperr.Unavailable, r.ctx.Err(), "request cancelled before it was stored")
				close(r.done)
				continue
			}
			live = append(live, r)
		}
		batch = live
		if len(batch) == 0 {
			return
		}
		saved := make([]complaint.Complaint, len(batch))
		for i, r := range batch {
			saved[i] = *r.c
		}
		err := in.db.inTx(context.Background(), func(tx *sql.Tx) error {
			now := in.db.Now()
			fin := make([]Finish, 0, len(batch))
			for _, r := range batch {
				f, err := s.insertRecord(context.Background(), tx, r.c, r.opts, now)
				if err != nil {
					return &itemError{req: r, err: err}
				}
				fin = append(fin, f)
			}
			return in.db.Dialect.FinishComplaints(context.Background(), tx, fin)
		})
		var ie *itemError
		if errors.As(err, &ie) && (errors.Is(ie.err, errIdempotentReplay) || ownFault(ie.err)) {
			// Drop the failing request and write the others again.
			for i, r := range batch {
				*r.c = saved[i]
			}
			ie.req.err = ie.err
			if errors.Is(ie.err, errIdempotentReplay) {
				ie.req.replay, ie.req.err = true, nil
			}
			close(ie.req.done)
			rest := batch[:0]
			for _, r := range batch {
				if r != ie.req {
					rest = append(rest, r)
				}
			}
			batch = rest
			continue
		}
		if ie != nil {
			err = ie.err
		}
		for i, r := range batch {
			if err != nil {
				*r.c = saved[i]
				r.err = err
			} else {
				r.written = true
			}
			close(r.done)
		}
		return
	}
}

// ownFault reports whether err is caused by the request itself (bad input,
// a conflict) rather than by the database, so that the batch can go on
// without it.
func ownFault(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.NotFound, apperr.Forbidden:
		return true
	}
	return false
}

// insertRecord writes one complaint inside tx — record, timeline event and
// idempotency key — and returns what FinishComplaints still has to do.
func (s ComplaintStore) insertRecord(ctx context.Context, tx *sql.Tx, c *complaint.Complaint, opts complaint.CreateOptions, now time.Time) (Finish, error) {
	top, err := s.resolveRefs(ctx, tx, c)
	if err != nil {
		return Finish{}, err
	}
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	args := append([]any{c.TrackingCode, c.Status}, s.fieldArgs(c, top)...)
	args = append(args[:len(args):len(args)], micros(c.ExpectedBy), micros(now), micros(now))
	if err := s.stmts.QueryRow(ctx, tx, s.q("complaint.insert"), args...).Scan(&c.ID); err != nil {
		return Finish{}, fmt.Errorf("insert complaint: %w", err)
	}
	ev := &complaint.Event{ComplaintID: c.ID, At: now, Kind: complaint.EventCreated, Public: true,
		Data: map[string]any{"channel": c.Channel}}
	if err := s.insertEvent(ctx, tx, ev, opts.Actor); err != nil {
		return Finish{}, err
	}
	if opts.IdempotencyKey != "" {
		_, err := s.stmts.Exec(ctx, tx, s.q("complaint.idempotency.insert"), idemScope(opts.Actor), opts.IdempotencyKey, opts.RequestHash, c.ID, micros(now))
		if err != nil {
			if apperr.Is(s.Dialect.Classify(err), apperr.Conflict) {
				return Finish{}, errIdempotentReplay
			}
			return Finish{}, fmt.Errorf("insert idempotency key: %w", err)
		}
	}
	entry := &audit.Entry{At: now, Actor: opts.Actor, Action: "complaint.create", Object: "complaint:" + strconv.FormatInt(c.ID, 10),
		Detail: mustJSON(map[string]any{"channel": c.Channel, "severity": c.Severity})}
	return Finish{C: c, Spec: opts.Number, Tokens: searchTokens(c), Entry: entry}, nil
}

// idemScope keeps idempotency keys of different users apart.
func idemScope(a audit.Actor) string { return "user:" + strconv.FormatInt(a.UserID, 10) }
