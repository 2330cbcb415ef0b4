package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
)

// SLAStore keeps SLA clocks and in-app notifications; it implements
// sla.Store and sla.ScheduleStore.
type SLAStore struct{ *DB }

var (
	_ sla.Store         = SLAStore{}
	_ sla.ScheduleStore = SLAStore{}
)

// SLA returns the clock and notification store.
func (db *DB) SLAClocks() SLAStore { return SLAStore{db} }

func scanClock(r scanner) (*sla.Clock, error) {
	var c sla.Clock
	var started, due, pausedTotal, lateness int64
	var paused, stopped, breached, holder, reminded, escalated sql.NullInt64
	var ext string
	if err := r.Scan(&c.ID, &c.ComplaintID, &c.Policy, &started, &due, &paused, &pausedTotal, &stopped, &c.State, &breached, &lateness,
		&holder, &reminded, &escalated, &ext, &c.Version); err != nil {
		return nil, err
	}
	c.StartedAt, c.DueAt, c.PausedAt, c.StoppedAt = fromMicros(started), fromMicros(due), timePtr(paused), timePtr(stopped)
	c.PausedTotal, c.Lateness = time.Duration(pausedTotal)*time.Microsecond, time.Duration(lateness)*time.Microsecond
	c.BreachedAt, c.HolderID, c.RemindedAt, c.EscalatedAt = timePtr(breached), intPtr(holder), timePtr(reminded), timePtr(escalated)
	if ext != "" {
		c.Extension = new(sla.Extension)
		if err := json.Unmarshal([]byte(ext), c.Extension); err != nil {
			return nil, fmt.Errorf("clock %d extension: %w", c.ID, err)
		}
	}
	return &c, nil
}

func queryClocks(ctx context.Context, q querier, query string, args ...any) ([]sla.Clock, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sla.Clock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// Clocks returns every clock of a complaint, oldest first.
func (s SLAStore) Clocks(ctx context.Context, complaintID int64) ([]sla.Clock, error) {
	cs, err := queryClocks(ctx, s.R, s.q("sla.clock.select")+s.Dialect.Rebind(" WHERE complaint_id = ? ORDER BY id"), complaintID)
	return cs, s.classify(err)
}

// OpenClocks returns the clocks that may still fire with a due time up to
// dueBy (running, or breached and not yet stopped), for the dry run.
func (s SLAStore) OpenClocks(ctx context.Context, dueBy time.Time) ([]sla.Clock, error) {
	cs, err := queryClocks(ctx, s.R, s.q("sla.open"), micros(dueBy))
	return cs, s.classify(err)
}

// subjects reads what policy conditions look at, with the receipt time.
func (db *DB) subjects(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]sla.Subject, map[int64]time.Time, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, db.q("sla.subject")+db.Dialect.Rebind(" WHERE c.id IN "+inList(len(ids))), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("clock subjects: %w", err)
	}
	defer rows.Close()
	subs, recv := map[int64]sla.Subject{}, map[int64]time.Time{}
	for rows.Next() {
		var id, received int64
		var s sla.Subject
		if err := rows.Scan(&id, &s.Quality, &s.Safety, &s.Category, &s.CategoryTop, &s.Severity, &s.Region, &s.Class, &received); err != nil {
			return nil, nil, err
		}
		subs[id], recv[id] = s, fromMicros(received)
	}
	return subs, recv, rows.Err()
}

// startClocksTx starts the clocks of newly registered complaints (the
// "created" event at their receipt time) inside the intake transaction.
func (db *DB) startClocksTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if db.SLA == nil || len(ids) == 0 {
		return nil
	}
	subs, recv, err := db.subjects(ctx, tx, ids)
	if err != nil {
		return err
	}
	var all []sla.Clock
	for _, id := range ids {
		started, _, err := db.SLA.Apply(subs[id], nil, sla.Change{Events: []string{sla.EventCreated}}, recv[id])
		if err != nil {
			return err
		}
		for i := range started {
			started[i].ComplaintID = id
		}
		all = append(all, started...)
	}
	if err := db.insertClocks(ctx, tx, all); err != nil {
		return err
	}
	return db.refreshOutcomes(ctx, tx, ids)
}

// applyClocksTx applies what a change of a case means for its clocks —
// start, stop, pause, resume — inside the change's transaction, and
// enqueues the timers of started and moved clocks with it.
func (db *DB) applyClocksTx(ctx context.Context, tx *sql.Tx, complaintID int64, holder *int64, ch sla.Change, at time.Time) error {
	if db.SLA == nil || ch.Empty() {
		return nil
	}
	subs, _, err := db.subjects(ctx, tx, []int64{complaintID})
	if err != nil {
		return err
	}
	open, err := queryClocks(ctx, tx, db.q("sla.clock.select")+db.Dialect.Rebind(" WHERE complaint_id = ? AND state IN ('running', 'paused')"), complaintID)
	if err != nil {
		return fmt.Errorf("open clocks: %w", err)
	}
	started, changed, err := db.SLA.Apply(subs[complaintID], open, ch, at)
	if err != nil {
		return err
	}
	before := map[int64]sla.Clock{}
	for _, c := range open {
		before[c.ID] = c
	}
	for i := range changed {
		c := &changed[i]
		if c.State == sla.Breached && c.HolderID == nil {
			c.HolderID = holder
		}
		if err := db.updateClock(ctx, tx, c, before[c.ID].DueAt); err != nil {
			return err
		}
	}
	for i := range started {
		started[i].ComplaintID = complaintID
	}
	if err := db.insertClocks(ctx, tx, started); err != nil {
		return err
	}
	if len(started) == 0 && len(changed) == 0 {
		return nil
	}
	return db.refreshOutcomes(ctx, tx, []int64{complaintID})
}

func (db *DB) insertClocks(ctx context.Context, tx *sql.Tx, cs []sla.Clock) error {
	// One multi-row insert per chunk: a batch of new complaints starts
	// several clocks each.
	const chunk = 200
	var js []*jobs.Job
	for start := 0; start < len(cs); start += chunk {
		part := cs[start:min(start+chunk, len(cs))]
		args := make([]any, 0, 4*len(part))
		for _, c := range part {
			args = append(args, c.ComplaintID, c.Policy, micros(c.StartedAt), micros(c.DueAt))
		}
		q := db.raw["sla.clock.insert.head"] + " " + strings.TrimSuffix(strings.Repeat(db.raw["sla.clock.insert.row"]+", ", len(part)), ", ") +
			" " + db.raw["sla.clock.insert.returning"]
		rows, err := tx.QueryContext(ctx, db.Dialect.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("start clocks: %w", err)
		}
		type key struct {
			complaint int64
			policy    string
		}
		ids := map[key]int64{}
		for rows.Next() {
			var k key
			var id int64
			if err := rows.Scan(&id, &k.complaint, &k.policy); err != nil {
				rows.Close()
				return fmt.Errorf("start clocks: %w", err)
			}
			ids[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("start clocks: %w", err)
		}
		for i := range part {
			c := &part[i]
			c.ID = ids[key{c.ComplaintID, c.Policy}]
			p, _ := db.SLA.Policies.Get(c.Policy)
			js = append(js, sla.TimerJobs(p, c)...)
		}
	}
	return db.enqueueTx(ctx, tx, js...)
}

// updateClock writes a changed clock; when its due time moved, the timers
// of the new due time are enqueued (those of the old one find the clock
// moved and do nothing) and its reminder may be sent again.
func (db *DB) updateClock(ctx context.Context, tx *sql.Tx, c *sla.Clock, oldDue time.Time) error {
	moved := !c.DueAt.Equal(oldDue)
	if moved {
		c.RemindedAt, c.EscalatedAt = nil, nil
	}
	ext := ""
	if c.Extension != nil {
		ext = string(mustJSON(c.Extension))
	}
	res, err := tx.ExecContext(ctx, db.q("sla.clock.update"), micros(c.DueAt), nullMicros(c.PausedAt), c.PausedTotal.Microseconds(),
		nullMicros(c.StoppedAt), c.State, nullMicros(c.BreachedAt), c.Lateness.Microseconds(), nullInt(c.HolderID),
		nullMicros(c.RemindedAt), nullMicros(c.EscalatedAt), ext, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update clock %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "clock %d was changed by someone else", c.ID)
	}
	c.Version++
	if moved && c.State == sla.Running {
		p, _ := db.SLA.Policies.Get(c.Policy)
		return db.enqueueTx(ctx, tx, sla.TimerJobs(p, c)...)
	}
	return nil
}

// Extend moves the due time of a complaint's open clock of policy to to,
// with the customer's consent, and records it on the timeline.
func (s SLAStore) Extend(ctx context.Context, complaintID int64, policy string, to time.Time, consent sla.Consent, actor audit.Actor) error {
	if s.SLA == nil {
		return apperr.New(apperr.Unavailable, "time limits are not configured")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cs, err := queryClocks(ctx, tx, s.q("sla.clock.select")+s.Dialect.Rebind(" WHERE complaint_id = ? AND policy = ? AND state IN ('running', 'paused')"),
			complaintID, policy)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return apperr.New(apperr.NotFound, "complaint %d has no open %s clock", complaintID, policy)
		}
		c := cs[0]
		from := c.DueAt
		if err := sla.Extend(&c, to, consent, actor.UserID); err != nil {
			if err == sla.ErrNoConsent {
				return &apperr.Error{Code: apperr.Invalid, Message: err.Error(), Fields: []apperr.FieldError{{Field: "consent", Rule: "required"}}}
			}
			return &apperr.Error{Code: apperr.Invalid, Message: err.Error(), Fields: []apperr.FieldError{{Field: "due_at", Rule: "invalid_value"}}}
		}
		if err := s.updateClock(ctx, tx, &c, from); err != nil {
			return err
		}
		return (CaseStore{s.DB}).event(ctx, tx, complaintID, &caseChange{kind: "sla_extended", data: map[string]any{"policy": policy,
			"from": from, "to": to, "consent": consent}}, actor, "sla.extend")
	})
}

// Fire implements sla.Store.
func (s SLAStore) Fire(ctx context.Context, t sla.Timer, now time.Time, compose sla.Composer) (bool, error) {
	var fired bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		switch t.Kind {
		case sla.JobRemind:
			res, err = tx.ExecContext(ctx, s.q("sla.fire.remind"), micros(now), t.ClockID, micros(t.Due))
		case sla.JobBreach:
			res, err = tx.ExecContext(ctx, s.q("sla.fire.breach"), micros(now), micros(now), t.ClockID, micros(t.Due))
		case sla.JobEscalate:
			// The breach timer of this clock may not have run yet (another
			// server holds it, or it is behind in the queue): breach first,
			// with its notices, so the escalation never overtakes it.
			bres, berr := tx.ExecContext(ctx, s.q("sla.fire.breach"), micros(now), micros(now), t.ClockID, micros(t.Due))
			if berr != nil {
				return berr
			}
			if n, _ := bres.RowsAffected(); n == 1 {
				bt := t
				bt.Kind = sla.JobBreach
				if err := s.notifyFired(ctx, tx, []sla.Timer{bt}, compose); err != nil {
					return err
				}
			}
			res, err = tx.ExecContext(ctx, s.q("sla.fire.escalate"), micros(now), t.ClockID, micros(t.Due))
		default:
			return jobs.Permanent(fmt.Errorf("unknown timer %q", t.Kind))
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // met, moved or fired already
		}
		if t.Kind != sla.JobRemind {
			if err := s.refreshOutcomesOfClocks(ctx, tx, []int64{t.ClockID}); err != nil {
				return err
			}
		}
		fired = true
		return s.notifyFired(ctx, tx, []sla.Timer{t}, compose)
	})
	return fired, err
}

// BreachDue implements sla.Store: one indexed claim of the running clocks
// due by now.
func (s SLAStore) BreachDue(ctx context.Context, now time.Time, limit int, compose sla.Composer) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q("sla.breach.due"), micros(now), micros(now), micros(now), limit)
		if err != nil {
			return err
		}
		var ts []sla.Timer
		for rows.Next() {
			var id, due int64
			if err := rows.Scan(&id, &due); err != nil {
				rows.Close()
				return err
			}
			ts = append(ts, sla.Timer{Kind: sla.JobBreach, ClockID: id, Due: fromMicros(due), At: fromMicros(due)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(ts)
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.ClockID
		}
		if err := s.refreshOutcomesOfClocks(ctx, tx, ids); err != nil {
			return err
		}
		return s.notifyFired(ctx, tx, ts, compose)
	})
	return n, err
}

// notifyFired reads who fired timers concern and records their notices.
func (s SLAStore) notifyFired(ctx context.Context, tx *sql.Tx, ts []sla.Timer, compose sla.Composer) error {
	if len(ts) == 0 || compose == nil {
		return nil
	}
	byID := map[int64]sla.Timer{}
	args := make([]any, len(ts))
	var gms []int64
	for i, t := range ts {
		byID[t.ClockID], args[i] = t, t.ClockID
		if t.Kind == sla.JobEscalate && gms == nil {
			var err error
			if gms, err = s.ids(ctx, tx, s.q("sla.gms")); err != nil {
				return err
			}
		}
	}
	rows, err := tx.QueryContext(ctx, s.q("sla.fired")+s.Dialect.Rebind(" WHERE k.id IN "+inList(len(ts))), args...)
	if err != nil {
		return err
	}
	var fs []sla.Fired
	for rows.Next() {
		var f sla.Fired
		var started, due int64
		var holder, backup, manager sql.NullInt64
		if err := rows.Scan(&f.Clock.ID, &f.Clock.ComplaintID, &f.Clock.Policy, &started, &due, &f.Clock.State, &f.Number,
			&holder, &backup, &manager); err != nil {
			rows.Close()
			return err
		}
		f.Clock.StartedAt, f.Clock.DueAt = fromMicros(started), fromMicros(due)
		f.HolderID, f.BackupID, f.ManagerID, f.GMs = intPtr(holder), intPtr(backup), intPtr(manager), gms
		f.Timer = byID[f.Clock.ID]
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var ns []sla.Notice
	for _, f := range fs {
		ns = append(ns, compose(f)...)
	}
	if err := s.notifyTx(ctx, tx, ns...); err != nil {
		return err
	}
	if s.Outbox == nil {
		return nil
	}
	return s.enqueueTx(ctx, tx, s.Outbox.Fired(fs, ns)...)
}

func (s SLAStore) ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
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

// Outbox turns notices and fired timers into the jobs that send them
// outside kesu; notify.Outbox implements it.
type Outbox interface {
	// Notices returns the jobs of newly recorded notices to the users in to.
	Notices(ns []sla.Notice, to map[int64]org.User) ([]*jobs.Job, error)
	// Fired returns the jobs of timers that took effect with their notices.
	Fired(fs []sla.Fired, ns []sla.Notice) []*jobs.Job
}

// notifyTx is the one place notifications are sent: it records in-app
// notifications inside tx (a notice whose key exists is skipped) and
// enqueues the outbox's email and SMS jobs of those it recorded, so each
// notice leaves kesu once, after the transaction commits.
func (db *DB) notifyTx(ctx context.Context, tx *sql.Tx, ns ...sla.Notice) error {
	now := db.Now()
	var recorded []sla.Notice
	for _, n := range ns {
		var key sql.NullString
		if n.Key != "" {
			key = sql.NullString{String: n.Key, Valid: true}
		}
		res, err := tx.ExecContext(ctx, db.q("notification.insert"), n.UserID, n.Kind, nullInt(n.ComplaintID), n.Title, n.Body, key,
			micros(now))
		if err != nil {
			return fmt.Errorf("notification: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			recorded = append(recorded, n)
		}
	}
	if db.Outbox == nil || len(recorded) == 0 {
		return nil
	}
	to, err := db.recipients(ctx, tx, recorded)
	if err != nil {
		return err
	}
	js, err := db.Outbox.Notices(recorded, to)
	if err != nil {
		return err
	}
	return db.enqueueTx(ctx, tx, js...)
}

// recipients reads how the users of ns are reached.
func (db *DB) recipients(ctx context.Context, tx *sql.Tx, ns []sla.Notice) (map[int64]org.User, error) {
	var args []any
	seen := map[int64]bool{}
	for _, n := range ns {
		if !seen[n.UserID] {
			seen[n.UserID] = true
			args = append(args, n.UserID)
		}
	}
	rows, err := tx.QueryContext(ctx, db.q("notification.recipients")+db.Dialect.Rebind(" WHERE id IN "+inList(len(args))), args...)
	if err != nil {
		return nil, fmt.Errorf("notice recipients: %w", err)
	}
	defer rows.Close()
	out := map[int64]org.User{}
	for rows.Next() {
		var u org.User
		if err := rows.Scan(&u.ID, &u.Name, &u.Email, &u.Phone, &u.Lang, &u.Disabled); err != nil {
			return nil, fmt.Errorf("notice recipients: %w", err)
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// Notify implements sla.ScheduleStore.
func (s SLAStore) Notify(ctx context.Context, ns ...sla.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.notifyTx(ctx, tx, ns...) })
}

// UsersWithRoles implements sla.ScheduleStore.
func (s SLAStore) UsersWithRoles(ctx context.Context, roles []string) ([]int64, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	in, args := statusList(roles)
	ids, err := s.ids(ctx, s.R, s.Dialect.Rebind("SELECT id FROM users WHERE NOT disabled AND role IN "+in+" ORDER BY id"), args...)
	return ids, s.classify(err)
}

// Pending implements sla.ScheduleStore.
func (s SLAStore) Pending(ctx context.Context, states []string, day sla.Date) ([]sla.Pending, error) {
	if len(states) == 0 {
		return nil, nil
	}
	in, args := statusList(states)
	return list(ctx, s.DB, s.Dialect.Rebind(s.raw["sla.pending"]+" "+in+" ORDER BY id"), append([]any{day.String()}, args...),
		func(r scanner) (*sla.Pending, error) {
			var p sla.Pending
			err := r.Scan(&p.ComplaintID, &p.Number, &p.HolderID)
			return &p, err
		})
}

// Notifications lists a user's notifications, newest first.
func (s SLAStore) Notifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]sla.Notice, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	where := " WHERE user_id = ?"
	if unreadOnly {
		where += " AND read_at IS NULL"
	}
	return list(ctx, s.DB, s.q("notification.select")+s.Dialect.Rebind(where+" ORDER BY id DESC LIMIT "+strconv.Itoa(limit)), []any{userID},
		func(r scanner) (*sla.Notice, error) {
			var n sla.Notice
			var created int64
			var cid, read sql.NullInt64
			err := r.Scan(&n.ID, &n.UserID, &n.Kind, &cid, &n.Title, &n.Body, &n.Key, &created, &read)
			n.ComplaintID, n.CreatedAt, n.ReadAt = intPtr(cid), fromMicros(created), timePtr(read)
			return &n, err
		})
}

// JobRegistered is the job intake enqueues with each batch of new
// complaints; its payload is their ids.
const JobRegistered = "complaint.registered"

// StartClocks starts the clocks of complaints that have none yet, so
// running it twice for the same complaints starts them once.
func (s SLAStore) StartClocks(ctx context.Context, ids []int64) error {
	if s.SLA == nil || len(ids) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, s.Dialect.Rebind("SELECT DISTINCT complaint_id FROM sla_clocks WHERE complaint_id IN "+inList(len(ids))), args...)
		if err != nil {
			return err
		}
		have := map[int64]bool{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			have[id] = true
		}
		rows.Close()
		var todo []int64
		for _, id := range ids {
			if !have[id] {
				todo = append(todo, id)
				have[id] = true
			}
		}
		return s.startClocksTx(ctx, tx, todo)
	})
}
