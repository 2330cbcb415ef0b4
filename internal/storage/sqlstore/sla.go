package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/sla"
)

// SLAStore keeps the time-limit clocks (one row per complaint, see
// clockset.go) and the in-app notifications; it implements sla.Store and
// sla.ScheduleStore.
type SLAStore struct{ *DB }

var (
	_ sla.Store         = SLAStore{}
	_ sla.ScheduleStore = SLAStore{}
)

// SLAClocks returns the clock and notification store.
func (db *DB) SLAClocks() SLAStore { return SLAStore{db} }

func scanSet(r scanner) (*clockSet, error) {
	var s clockSet
	var base int64
	var text, ext string
	if err := r.Scan(&s.complaintID, &base, &text, &ext, &s.version); err != nil {
		return nil, err
	}
	s.base = fromMicros(base)
	var err error
	s.clocks, err = decodeClocks(s.complaintID, s.base, text, ext, s.version)
	return &s, err
}

// Clocks returns every clock of a complaint, oldest first.
func (s SLAStore) Clocks(ctx context.Context, complaintID int64) ([]sla.Clock, error) {
	set, err := scanSet(s.R.QueryRowContext(ctx, s.q("sla.set.lock"), complaintID))
	if errors.Is(err, sql.ErrNoRows) {
		return []sla.Clock{}, nil
	}
	if err != nil {
		return nil, s.classify(err)
	}
	return set.clocks, nil
}

// firingBy reads the clock rows with something firing by t, soonest
// first.
func (db *DB) firingBy(ctx context.Context, t time.Time, limit int) ([]clockSet, error) {
	rows, err := db.R.QueryContext(ctx, db.q("sla.firing"), micros(t), limit)
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	var out []clockSet
	for rows.Next() {
		set, err := scanSet(rows)
		if err != nil {
			return nil, db.classify(err)
		}
		out = append(out, *set)
	}
	return out, db.classify(rows.Err())
}

// OpenClocks returns the clocks of the complaints that have something to
// fire by dueBy (running, or breached and not yet escalated), for the dry
// run.
func (s SLAStore) OpenClocks(ctx context.Context, dueBy time.Time) ([]sla.Clock, error) {
	sets, err := s.firingBy(ctx, dueBy, 100000)
	if err != nil {
		return nil, err
	}
	var out []sla.Clock
	for _, set := range sets {
		for _, c := range set.clocks {
			if c.Counting() {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// subjects reads what policy conditions look at in stored complaints.
func (db *DB) subjects(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]sla.Subject, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, db.q("sla.subject")+db.Dialect.Rebind(" WHERE c.id IN "+inList(len(ids))), args...)
	if err != nil {
		return nil, fmt.Errorf("clock subjects: %w", err)
	}
	defer rows.Close()
	subs := map[int64]sla.Subject{}
	for rows.Next() {
		var id int64
		var s sla.Subject
		if err := rows.Scan(&id, &s.Quality, &s.Safety, &s.Category, &s.CategoryTop, &s.Severity, &s.Region, &s.Class, &s.Profile,
			&s.Resolution); err != nil {
			return nil, err
		}
		subs[id] = s
	}
	return subs, rows.Err()
}

// shippedRules count the clocks of a database opened without rules
// (benchmark data written in bulk).
var shippedRules = sync.OnceValue(func() *sla.Rules {
	r, err := sla.NewRules()
	if err != nil {
		panic(err) // the shipped policies and calendar are tested
	}
	return r
})

// rules returns the rules clocks count under.
func (db *DB) rules() *sla.Rules {
	if db.SLA != nil {
		return db.SLA
	}
	return shippedRules()
}

// setValues are the stored columns of a complaint's clocks.
type setValues struct {
	clocks, ext string
	next, due   sql.NullInt64
}

func (db *DB) setValues(base time.Time, cs []sla.Clock) setValues {
	var v setValues
	v.clocks, v.ext = encodeClocks(base, cs)
	if t, ok := db.rules().NextFire(cs); ok {
		v.next = sql.NullInt64{Int64: micros(t), Valid: true}
	}
	if t, ok := sla.EarliestDue(cs); ok {
		v.due = sql.NullInt64{Int64: micros(t), Valid: true}
	}
	return v
}

// insertSets stores the clocks of complaints that have none (upsert:
// replacing those they have), with multi-row statements.
func (db *DB) insertSets(ctx context.Context, tx *sql.Tx, sets []clockSet, upsert bool) error {
	tail := ""
	if upsert {
		tail = "sla.set.upsert"
	}
	for start := 0; start < len(sets); start += bulkRows {
		part := sets[start:min(start+bulkRows, len(sets))]
		args := make([]any, 0, 6*len(part))
		for _, s := range part {
			v := db.setValues(s.base, s.clocks)
			args = append(args, s.complaintID, micros(s.base), v.clocks, v.ext, v.next, v.due)
		}
		if _, err := tx.ExecContext(ctx, ComplaintStore{db}.multiRow("sla.set.insert", "sla.set.insert.row", tail, len(part)), args...); err != nil {
			return fmt.Errorf("store clocks: %w", err)
		}
	}
	return nil
}

// rewriteSets stores changed clocks of complaints that have them.
func (db *DB) rewriteSets(ctx context.Context, tx *sql.Tx, sets []clockSet) error {
	for start := 0; start < len(sets); start += bulkRows {
		part := sets[start:min(start+bulkRows, len(sets))]
		args := make([]any, 0, 5*len(part))
		for _, s := range part {
			v := db.setValues(s.base, s.clocks)
			args = append(args, s.complaintID, v.clocks, v.ext, v.next, v.due)
		}
		if _, err := tx.ExecContext(ctx, ComplaintStore{db}.multiRow("sla.set.rewrite", "sla.set.rewrite.row", "sla.set.rewrite.tail", len(part)),
			args...); err != nil {
			return fmt.Errorf("store clocks: %w", err)
		}
	}
	return nil
}

// lockSet reads a complaint's clocks for a change in tx (on PostgreSQL
// the row stays locked, so the monitor skips it until the commit); nil
// when it has none.
func (db *DB) lockSet(ctx context.Context, tx *sql.Tx, complaintID int64) (*clockSet, error) {
	set, err := scanSet(tx.QueryRowContext(ctx, db.q("sla.set.lock.tx"), complaintID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return set, err
}

// registrationChange is what registering a complaint means for its clocks.
func registrationChange(channel string) sla.Change {
	return sla.Change{Events: []string{sla.EventCreated, "channel:" + channel}}
}

// applyClocksTx applies what a change of a case means for its clocks —
// start, stop, end, pause, resume — inside the change's transaction, and
// keeps the complaint's outcomes and next firing with it.
func (db *DB) applyClocksTx(ctx context.Context, tx *sql.Tx, complaintID int64, holder *int64, ch sla.Change, at time.Time) error {
	if db.SLA == nil || ch.Empty() {
		return nil
	}
	set, err := db.lockSet(ctx, tx, complaintID)
	if err != nil {
		return fmt.Errorf("clocks: %w", err)
	}
	var clocks []sla.Clock
	if set != nil {
		clocks = set.clocks
	}
	if len(clocks) == 0 && ch.Terminal {
		return nil
	}
	subs, err := db.subjects(ctx, tx, []int64{complaintID})
	if err != nil {
		return err
	}
	started, changed, err := db.SLA.Apply(subs[complaintID], clocks, ch, at, db.Now())
	if err != nil {
		return err
	}
	if len(started) == 0 && len(changed) == 0 {
		return nil
	}
	for _, c := range changed {
		if c.State == sla.Breached && c.HolderID == nil {
			c.HolderID = holder
		}
		clocks[c.ID-1] = c
	}
	next := len(clocks)
	for i := range started {
		started[i].ID, started[i].ComplaintID = int64(next+i+1), complaintID
	}
	clocks = append(clocks, started...)
	if set == nil {
		err = db.insertSets(ctx, tx, []clockSet{{complaintID: complaintID, base: clocks[0].StartedAt, clocks: clocks}}, false)
	} else {
		set.clocks = clocks
		err = db.rewriteSets(ctx, tx, []clockSet{*set})
	}
	if err != nil {
		return err
	}
	if err := db.writeOutcomes(ctx, tx, map[int64]string{complaintID: outcomes(clocks)}); err != nil {
		return err
	}
	return db.pageTx(ctx, tx, map[int64][]sla.Clock{complaintID: started})
}

// Extend moves the due time of a complaint's open clock of policy to to,
// with the customer's consent, and records on the timeline who extended
// which limit from when to when with whose consent.
func (s SLAStore) Extend(ctx context.Context, complaintID int64, policy string, to time.Time, consent sla.Consent, reason string,
	actor audit.Actor) error {
	if s.SLA == nil {
		return apperr.New(apperr.Unavailable, "time limits are not configured")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		set, err := s.lockSet(ctx, tx, complaintID)
		if err != nil {
			return err
		}
		i := -1
		if set != nil {
			for j, c := range set.clocks {
				if c.Policy == policy && c.Open() {
					i = j
				}
			}
		}
		if i < 0 {
			return &apperr.Error{Code: apperr.NotFound, Message: fmt.Sprintf("complaint %d has no running %s clock", complaintID, policy),
				Fields: []apperr.FieldError{{Field: "policy", Rule: "not_found", Param: policy}}}
		}
		c := &set.clocks[i]
		from := c.DueAt
		if err := s.SLA.Extend(c, to, consent, reason, actor.UserID, s.Now()); err != nil {
			return err
		}
		if err := s.rewriteSets(ctx, tx, []clockSet{*set}); err != nil {
			return err
		}
		data := map[string]any{"policy": policy, "from": from, "to": to, "consent": consent}
		if reason != "" {
			data["reason"] = reason
		}
		if err := s.writeOutcomes(ctx, tx, map[int64]string{complaintID: outcomes(set.clocks)}); err != nil {
			return err
		}
		return (CaseStore{s.DB}).event(ctx, tx, complaintID, &caseChange{kind: "sla_extended", data: data}, actor, "sla.extend")
	})
}

// StartClocks starts the clocks of complaints that have none yet, from
// their receipt time: registration does it in its own transaction; this is
// for registration jobs an older kesu left behind. Which complaints lack
// clocks is read first, so the usual answer, none, takes no write
// transaction.
func (s SLAStore) StartClocks(ctx context.Context, ids []int64) error {
	if s.SLA == nil || len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := s.q("sla.unclocked") + s.Dialect.Rebind(" "+inList(len(ids)))
	type reg struct {
		id       int64
		channel  string
		received time.Time
	}
	unclocked := func(qr querier) ([]reg, error) {
		rows, err := qr.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []reg
		for rows.Next() {
			var r reg
			var at int64
			if err := rows.Scan(&r.id, &r.channel, &at); err != nil {
				return nil, err
			}
			r.received = fromMicros(at)
			out = append(out, r)
		}
		return out, rows.Err()
	}
	if todo, err := unclocked(s.R); err != nil || len(todo) == 0 {
		return s.classify(err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		todo, err := unclocked(tx)
		if err != nil {
			return err
		}
		for _, r := range todo {
			if err := s.applyClocksTx(ctx, tx, r.id, nil, registrationChange(r.channel), r.received); err != nil {
				return err
			}
		}
		return nil
	})
}

// JobRegistered is the job intake enqueues with each batch of new
// complaints subject to the batch-incident rule or served by a dealer
// (CUS-2); its payload is their ids.
const JobRegistered = "complaint.registered"

func (db *DB) ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// dueItem is a running clock due in a window, with its complaint.
type dueItem struct {
	complaintID int64
	policy      string
	due         time.Time
}

// dueBetween lists the running clocks due in [from, to), soonest first,
// and how many there are; a clock due in the window fires (its breach)
// by to, so the rows firing by to hold them all.
func (db *DB) dueBetween(ctx context.Context, from, to time.Time) ([]dueItem, error) {
	sets, err := db.firingBy(ctx, to, 1_000_000)
	if err != nil {
		return nil, err
	}
	var out []dueItem
	for _, s := range sets {
		for _, c := range s.clocks {
			if c.State == sla.Running && !c.DueAt.Before(from) && c.DueAt.Before(to) {
				out = append(out, dueItem{s.complaintID, c.Policy, c.DueAt})
			}
		}
	}
	return out, nil
}
