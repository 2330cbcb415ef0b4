package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"kesu/internal/jobs"
)

// JobStore implements jobs.Store.
type JobStore struct{ *DB }

var _ jobs.Store = JobStore{}

// Jobs returns the job table.
func (db *DB) Jobs() JobStore { return JobStore{db} }

// Enqueue implements jobs.Store.
func (s JobStore) Enqueue(ctx context.Context, js ...*jobs.Job) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.enqueueTx(ctx, tx, js...) })
}

// enqueueTx stores jobs inside a transaction of another change, so the
// job exists exactly when the change does.
func (db *DB) enqueueTx(ctx context.Context, tx *sql.Tx, js ...*jobs.Job) error {
	for _, st := range db.jobInserts(js) {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// statement is a query with its arguments.
type statement struct {
	query string
	args  []any
}

// jobInserts fills the jobs' defaults and returns the statements that
// store them, in chunks.
func (db *DB) jobInserts(js []*jobs.Job) []statement {
	now := db.Now()
	const chunk = 200
	var out []statement
	for start := 0; start < len(js); start += chunk {
		part := js[start:min(start+chunk, len(js))]
		args := make([]any, 0, 6*len(part))
		for _, j := range part {
			if j.RunAt.IsZero() {
				j.RunAt = now
			}
			if j.MaxAttempts <= 0 {
				j.MaxAttempts = jobs.DefaultMaxAttempts
			}
			j.Status, j.CreatedAt = jobs.Pending, now
			args = append(args, j.Kind, nullStr(j.Key), string(j.Payload), micros(j.RunAt), j.MaxAttempts, micros(now))
		}
		q := db.raw["jobs.insert"] + " " + strings.TrimSuffix(strings.Repeat(db.raw["jobs.insert.row"]+", ", len(part)), ", ") +
			" " + db.raw["jobs.insert.tail"]
		out = append(out, statement{db.Dialect.Rebind(q), args})
	}
	return out
}

func scanJob(r scanner) (*jobs.Job, error) {
	var j jobs.Job
	var payload string
	var runAt, created int64
	var locked, done sql.NullInt64
	if err := r.Scan(&j.ID, &j.Kind, &j.Key, &payload, &runAt, &j.Status, &j.Attempts, &j.MaxAttempts, &j.LockedBy, &locked,
		&j.LastError, &created, &done); err != nil {
		return nil, err
	}
	if payload != "" {
		j.Payload = []byte(payload)
	}
	j.RunAt, j.CreatedAt, j.LockedUntil, j.DoneAt = fromMicros(runAt), fromMicros(created), timePtr(locked), timePtr(done)
	return &j, nil
}

// Claim implements jobs.Store.
func (s JobStore) Claim(ctx context.Context, worker string, lease time.Duration, limit int) ([]jobs.Job, error) {
	now := s.Now()
	var out []jobs.Job
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q("jobs.claim"), worker, micros(now.Add(lease)), micros(now), micros(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, *j)
		}
		return rows.Err()
	})
	return out, err
}

// Extend implements jobs.Store.
func (s JobStore) Extend(ctx context.Context, ids []int64, worker string, lease time.Duration) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		const chunk = 500
		until := micros(s.Now().Add(lease))
		for start := 0; start < len(ids); start += chunk {
			part := ids[start:min(start+chunk, len(ids))]
			args := []any{until, worker}
			for _, id := range part {
				args = append(args, id)
			}
			res, err := tx.ExecContext(ctx, s.Dialect.Rebind(s.raw["jobs.extend"]+" "+inList(len(part))), args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// Complete implements jobs.Store.
func (s JobStore) Complete(ctx context.Context, id int64, worker string) (bool, error) {
	var ok bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("jobs.complete"), micros(s.Now()), id, worker)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// CompleteMany implements jobs.Store: the claimed jobs of ids done in one
// transaction; it returns how many were still ours.
func (s JobStore) CompleteMany(ctx context.Context, ids []int64, worker string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		const chunk = 500
		for start := 0; start < len(ids); start += chunk {
			part := ids[start:min(start+chunk, len(ids))]
			args := []any{micros(s.Now()), worker}
			for _, id := range part {
				args = append(args, id)
			}
			res, err := tx.ExecContext(ctx, s.Dialect.Rebind(s.raw["jobs.complete.many"]+" "+inList(len(part))), args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// Fail implements jobs.Store.
func (s JobStore) Fail(ctx context.Context, id int64, worker, msg string, retryAt time.Time) error {
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	dead := retryAt.IsZero()
	if dead {
		retryAt = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("jobs.fail"), dead, micros(retryAt), msg, id, worker)
		return err
	})
}

// DropPending deletes the pending jobs of the given kinds and says how many
// there were. The demo data uses it: its complainants and staff are made
// up, and nothing may be sent to their addresses and numbers.
func (s JobStore) DropPending(ctx context.Context, kinds ...string) (int64, error) {
	if len(kinds) == 0 {
		return 0, nil
	}
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	res, err := s.W.ExecContext(ctx, s.Dialect.Rebind(s.raw["jobs.drop_pending"]+" "+inList(len(kinds))), args...)
	if err != nil {
		return 0, s.classify(err)
	}
	return res.RowsAffected()
}

// Retry implements jobs.Store.
func (s JobStore) Retry(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("jobs.retry"), micros(s.Now()), id)
		return err
	})
}

// List implements jobs.Store, newest first.
func (s JobStore) List(ctx context.Context, f jobs.Filter) ([]jobs.Job, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
		if f.Status != jobs.Done {
			// Lets both engines use the index of open jobs (jobs_open).
			where = append(where, "status <> 'done'")
		}
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	q := s.q("jobs.select")
	if len(where) > 0 {
		q += s.Dialect.Rebind(" WHERE " + strings.Join(where, " AND "))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return list(ctx, s.DB, q+" ORDER BY id DESC LIMIT "+strconv.Itoa(limit), args, scanJob)
}

// NextRunAt implements jobs.Store.
func (s JobStore) NextRunAt(ctx context.Context) (time.Time, error) {
	var t sql.NullInt64
	if err := s.R.QueryRowContext(ctx, s.q("jobs.next")).Scan(&t); err != nil {
		return time.Time{}, s.classify(err)
	}
	if !t.Valid {
		return time.Time{}, nil
	}
	return fromMicros(t.Int64), nil
}

// Prune implements jobs.Store. The index of done jobs by run_at finds the
// candidates: a job finished before a time ran before it.
func (s JobStore) Prune(ctx context.Context, before time.Time, keep []string, limit int) (int, error) {
	q := s.raw["jobs.prune"]
	args := []any{micros(before), micros(before)}
	if len(keep) > 0 {
		in, kargs := statusList(keep)
		q += " AND kind NOT IN " + in
		args = append(args, kargs...)
	}
	q += " ORDER BY run_at LIMIT " + strconv.Itoa(limit) + ")"
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Dialect.Rebind(q), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
