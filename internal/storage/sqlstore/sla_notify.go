package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
)

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

// pageTx tells the manager on duty (the rostered duty manager, or without
// a roster the owning department's manager and deputy) and the GMs at
// once of the started clocks whose policy pages (safety hazards), keyed by
// complaint and clock so that each goes out once. A clock already past its
// due time (a complaint entered late) is not paged: its breach is notified.
func (db *DB) pageTx(ctx context.Context, tx *sql.Tx, started map[int64][]sla.Clock) error {
	paged := map[int64][]sla.Clock{}
	var args []any
	now := db.Now()
	for id, cs := range started {
		for _, c := range cs {
			if p, ok := db.SLA.Policy(c.Policy, c.PolicyVersion); ok && p.Page && c.DueAt.After(now) {
				if len(paged[id]) == 0 {
					args = append(args, id)
				}
				paged[id] = append(paged[id], c)
			}
		}
	}
	if len(args) == 0 {
		return nil
	}
	gms, err := db.ids(ctx, tx, db.q("sla.gms"))
	if err != nil {
		return err
	}
	// The manager on duty: the duty managers of the roster running now
	// (the complaint's team's, else any team's); without a roster, the
	// owning department's manager and deputy.
	byDept, onDuty, err := db.Desk().dutyManagersTx(ctx, tx, now)
	if err != nil {
		return fmt.Errorf("page: duty roster: %w", err)
	}
	rows, err := tx.QueryContext(ctx, db.q("desk.page")+db.Dialect.Rebind(" WHERE c.id IN "+inList(len(args))), args...)
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	loc := db.SLA.Calendar().Location()
	var ns []sla.Notice
	for rows.Next() {
		var id int64
		var number string
		var manager, deputy, dept sql.NullInt64
		if err := rows.Scan(&id, &number, &manager, &deputy, &dept); err != nil {
			rows.Close()
			return err
		}
		duty := ids(manager, deputy)
		if own := byDept[dept.Int64]; dept.Valid && len(own) > 0 {
			duty = own
		} else if len(onDuty) > 0 {
			duty = onDuty
		}
		to := append(append([]int64(nil), duty...), gms...)
		for _, c := range paged[id] {
			name := c.Policy
			if p, ok := db.SLA.Policy(c.Policy, c.PolicyVersion); ok {
				name = p.ZH
			}
			due := c.DueAt.In(loc).Format("2006-01-02 15:04")
			cid := id
			seen := map[int64]bool{}
			for _, u := range to {
				if seen[u] {
					continue
				}
				seen[u] = true
				ns = append(ns, sla.Notice{UserID: u, Kind: "sla.page", ComplaintID: &cid,
					Title: fmt.Sprintf("【安全隐患】%s %s", number, name),
					Body:  fmt.Sprintf("%s 涉及安全隐患，“%s”须于 %s 前处理完毕，请立即安排。", number, name, due),
					Key:   "sla.page:" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(c.ID, 10) + ":" + strconv.FormatInt(u, 10),
					Data:  map[string]string{"number": number, "policy": c.Policy, "due": c.DueAt.UTC().Format(time.RFC3339)}})
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return db.notifyTx(ctx, tx, ns...)
}

func ids(ps ...sql.NullInt64) []int64 {
	var out []int64
	for _, p := range ps {
		if p.Valid {
			out = append(out, p.Int64)
		}
	}
	return out
}
