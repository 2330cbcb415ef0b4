package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/sla"
)

// Intake commits concurrent complaint creations in shared transactions
// (group commit): a worker takes every request waiting at that moment, up
// to maxBatch, numbers them with one move of the counter, writes them with
// a handful of multi-row statements in one transaction and answers each
// caller only after the commit. The commit
// (WAL write on SQLite; the numbering lock and WAL flush on PostgreSQL) and
// the round trips are paid once per batch instead of once per complaint. A
// request that fails on its own (a customer that does not exist) is
// answered with its error while the others are written; a failed commit
// fails every request of the batch and writes nothing.
type intake struct {
	db   *DB
	reqs chan *createReq
	once sync.Once
	stop chan struct{}
	wg   sync.WaitGroup
}

const maxBatch = 64

type createReq struct {
	ctx    context.Context
	c      *complaint.Complaint
	opts   complaint.CreateOptions
	replay bool // the idempotency key was used before
	bulk   bool // an import: no letter, webhook or batch check queued
	err    error
	done   chan struct{}

	// What registration starts with the complaint (registration.go).
	quality bool
	clocks  []sla.Clock
}

func (in *intake) start() {
	in.once.Do(func() {
		in.reqs = make(chan *createReq)
		in.stop = make(chan struct{})
		for range max(in.db.IntakeWorkers, 1) {
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

// maxConflictRetries bounds how often a batch is written again after a
// unique-key conflict with another server (an idempotency key committed
// between our check and our insert).
const maxConflictRetries = 3

// commit writes batch and answers every request in it.
func (in *intake) commit(batch []*createReq) {
	s := ComplaintStore{in.db}
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = apperr.Wrap(apperr.Unavailable, err, "request cancelled before it was stored")
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if in.db.IntakeBatch != nil {
		in.db.IntakeBatch(len(live))
	}
	saved := make([]complaint.Complaint, len(live))
	for i, r := range live {
		saved[i] = *r.c
	}
	var err error
	for attempt := 0; ; attempt++ {
		err = in.db.inTx(context.Background(), func(tx *sql.Tx) error {
			return s.writeBatch(context.Background(), tx, live, in.db.Now())
		})
		if err == nil || !apperr.Is(err, apperr.Conflict) || attempt == maxConflictRetries {
			break
		}
		for i, r := range live {
			*r.c, r.err, r.replay = saved[i], nil, false
		}
	}
	for i, r := range live {
		if err != nil {
			*r.c, r.err, r.replay = saved[i], err, false
		} else if r.err != nil {
			*r.c = saved[i]
		}
		close(r.done)
	}
}

// writeBatch writes the complaints of reqs inside tx: it marks requests
// whose idempotency key was used before as replays and those with bad
// references with their error, and stores the others — record, timeline
// event, idempotency key, number, search index and audit entry.
func (s ComplaintStore) writeBatch(ctx context.Context, tx *sql.Tx, reqs []*createReq, now time.Time) error {
	if err := s.markReplays(ctx, tx, reqs); err != nil {
		return err
	}
	var todo []*createReq
	var cs []*complaint.Complaint
	for _, r := range reqs {
		if !r.replay {
			todo, cs = append(todo, r), append(cs, r.c)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	rs, err := s.loadRefs(ctx, tx, cs)
	if err != nil {
		return err
	}
	var ok []*createReq
	var tops []string
	for _, r := range todo {
		top, err := s.apply(ctx, tx, rs, r.c)
		if err == nil {
			err = s.startClocks(ctx, tx, r, top, now)
		}
		if err != nil {
			r.err = err
			continue
		}
		ok, tops = append(ok, r), append(tops, top)
	}
	if len(ok) == 0 {
		return nil
	}
	// With ids drawn up front (PostgreSQL), everything that does not need
	// the number is written before the numbering lock is taken, so the lock
	// is held for the complaints' insert, the audit entries and the commit.
	pre, err := s.Dialect.AllocateIDs(ctx, tx, len(ok))
	if err != nil {
		return fmt.Errorf("allocate ids: %w", err)
	}
	for i, id := range pre {
		ok[i].c.ID = id
	}
	afterInsert := func() error {
		if err := s.insertCreatedEvents(ctx, tx, ok, now); err != nil {
			return err
		}
		if err := s.insertKeys(ctx, tx, ok, now); err != nil {
			return err
		}
		return s.storeClocks(ctx, tx, ok)
	}
	if pre != nil {
		if err := afterInsert(); err != nil {
			return err
		}
	}
	if err := s.number(ctx, tx, ok); err != nil {
		return err
	}
	toks := make([][]string, len(ok))
	for i, r := range ok {
		toks[i] = searchTokens(r.c)
	}
	if err := s.insertComplaints(ctx, tx, ok, tops, toks, now, pre != nil); err != nil {
		return err
	}
	if pre == nil {
		if err := afterInsert(); err != nil {
			return err
		}
	}
	idx := make([]Indexed, len(ok))
	entries := make([]*audit.Entry, len(ok))
	for i, r := range ok {
		c := r.c
		idx[i] = Indexed{ID: c.ID, Tokens: toks[i]}
		entries[i] = &audit.Entry{At: now, Actor: r.opts.Actor, Action: "complaint.create", Object: "complaint:" + strconv.FormatInt(c.ID, 10),
			Detail: mustJSON(map[string]any{"channel": c.Channel, "severity": c.Severity, "number": c.Number})}
	}
	if err := s.Dialect.IndexComplaints(ctx, tx, idx); err != nil {
		return err
	}
	if err := s.registered(ctx, tx, ok); err != nil {
		return err
	}
	return s.Dialect.AppendAudit(ctx, tx, s.AuditKey, entries...)
}

// number draws the numbers of reqs, one counter move per scope (a batch
// has one scope, or two across midnight).
func (s ComplaintStore) number(ctx context.Context, tx *sql.Tx, reqs []*createReq) error {
	scope := func(r *createReq) string { return r.opts.Number.Prefix + "{SEQ}" + r.opts.Number.Suffix }
	counts := map[string]int{}
	var order []string
	for _, r := range reqs {
		if counts[scope(r)] == 0 {
			order = append(order, scope(r))
		}
		counts[scope(r)]++
	}
	next := map[string]int64{}
	for _, sc := range order {
		last, err := s.Dialect.NextNumbers(ctx, tx, sc, counts[sc])
		if err != nil {
			return fmt.Errorf("number complaints: %w", err)
		}
		next[sc] = last - int64(counts[sc]) + 1
	}
	for _, r := range reqs {
		r.c.Number = r.opts.Number.Format(next[scope(r)])
		next[scope(r)]++
	}
	return nil
}

// markReplays marks requests whose idempotency key is already stored, or
// used by an earlier request of the same batch.
func (s ComplaintStore) markReplays(ctx context.Context, tx *sql.Tx, reqs []*createReq) error {
	type key struct{ scope, key string }
	first := map[key]bool{}
	var args []any
	for _, r := range reqs {
		if r.opts.IdempotencyKey == "" {
			continue
		}
		k := key{idemScope(r.opts.Actor), r.opts.IdempotencyKey}
		if first[k] {
			r.replay = true // the earlier request of this batch writes it
			continue
		}
		first[k] = false
		args = append(args, k.scope, k.key)
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, s.Dialect.Rebind(s.raw["complaint.idempotency.find"]+" "+
		strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ")+")"), args...)
	if err != nil {
		return fmt.Errorf("find idempotency keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.scope, &k.key); err != nil {
			return err
		}
		first[k] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range reqs {
		if r.opts.IdempotencyKey != "" && !r.replay && first[key{idemScope(r.opts.Actor), r.opts.IdempotencyKey}] {
			r.replay = true
		}
	}
	return nil
}

// multiRow builds "head (row), (row)… tail" for n rows, rebound.
func (s ComplaintStore) multiRow(head, row, tail string, n int) string {
	r := s.raw[row]
	var b strings.Builder
	b.WriteString(s.raw[head])
	b.WriteByte(' ')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r)
	}
	if tail != "" {
		b.WriteByte(' ')
		b.WriteString(s.raw[tail])
	}
	return s.Dialect.Rebind(b.String())
}

func (s ComplaintStore) insertComplaints(ctx context.Context, tx *sql.Tx, reqs []*createReq, tops []string, toks [][]string, now time.Time, withID bool) error {
	byCode := make(map[string]*complaint.Complaint, len(reqs))
	args := make([]any, 0, len(reqs)*39)
	for i, r := range reqs {
		c := r.c
		// The tracking code tells the returned ids apart; make it unique in
		// the batch.
		for byCode[c.TrackingCode] != nil || c.TrackingCode == "" {
			c.TrackingCode = complaint.NewTrackingCode()
		}
		byCode[c.TrackingCode] = c
		c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
		if withID {
			args = append(args, c.ID)
		}
		if c.Profile == "" {
			c.Profile = complaint.DefaultProfile
		}
		args = append(args, c.Number, c.TrackingCode, c.Status, c.Profile, c.ProfileVersion)
		args = append(args, s.fieldArgs(c, tops[i])...)
		args = append(args[:len(args)-1], nullInt(c.HolderID), nullInt(c.BackupID), args[len(args)-1])
		args = append(args, micros(c.ExpectedBy), micros(now), micros(now), outcomes(reqs[i].clocks))
		args = append(args, s.Dialect.SearchArgs(toks[i])...)
	}
	rows, err := tx.QueryContext(ctx, s.multiRow("complaint.insert", "complaint.insert.row", "complaint.insert.returning", len(reqs)), args...)
	if err != nil {
		return fmt.Errorf("insert complaints: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return fmt.Errorf("insert complaints: %w", err)
		}
		byCode[code].ID = id
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert complaints: %w", err)
	}
	if n != len(reqs) {
		return fmt.Errorf("insert complaints: %d rows returned for %d", n, len(reqs))
	}
	return nil
}

func (s ComplaintStore) insertCreatedEvents(ctx context.Context, tx *sql.Tx, reqs []*createReq, now time.Time) error {
	args := make([]any, 0, len(reqs)*8)
	for _, r := range reqs {
		var actorID sql.NullInt64
		if r.opts.Actor.UserID != 0 {
			actorID = sql.NullInt64{Int64: r.opts.Actor.UserID, Valid: true}
		}
		d := map[string]any{"channel": r.c.Channel}
		for k, v := range map[string]*int64{"department_id": r.c.DepartmentID, "holder_id": r.c.HolderID, "backup_id": r.c.BackupID} {
			if v != nil {
				d[k] = *v
			}
		}
		data := string(mustJSON(d))
		args = append(args, r.c.ID, micros(now), actorID, r.opts.Actor.Name, complaint.EventCreated, true, "", data)
	}
	if _, err := tx.ExecContext(ctx, s.multiRow("complaint.events.insert", "complaint.events.row", "", len(reqs)), args...); err != nil {
		return fmt.Errorf("insert timeline events: %w", err)
	}
	return nil
}

func (s ComplaintStore) insertKeys(ctx context.Context, tx *sql.Tx, reqs []*createReq, now time.Time) error {
	var args []any
	for _, r := range reqs {
		if r.opts.IdempotencyKey != "" {
			args = append(args, idemScope(r.opts.Actor), r.opts.IdempotencyKey, r.opts.RequestHash, r.c.ID, micros(now))
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.multiRow("complaint.idempotency.insert", "complaint.idempotency.row", "", len(args)/5), args...); err != nil {
		return fmt.Errorf("insert idempotency keys: %w", err)
	}
	return nil
}

// idemScope keeps idempotency keys of different users apart.
func idemScope(a audit.Actor) string { return "user:" + strconv.FormatInt(a.UserID, 10) }
