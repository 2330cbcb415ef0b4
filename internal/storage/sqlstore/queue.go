package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/queue"
)

// QueueStore implements queue.Store.
type QueueStore struct{ *DB }

var _ queue.Store = QueueStore{}

// Queue returns the branch-queue store.
func (db *DB) Queue() QueueStore { return QueueStore{db} }

// SaveBranch implements queue.Store: a new branch when b.ID is 0.
func (s QueueStore) SaveBranch(ctx context.Context, b *queue.Branch, actor audit.Actor, guard queue.Guard) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if guard != nil {
			var cur *queue.Branch
			if b.ID != 0 {
				var err error
				if cur, err = s.guarded(ctx, tx, b.ID); err != nil {
					return err
				}
			}
			if err := guard(cur); err != nil {
				return err
			}
		}
		args := []any{b.Code, b.Name, b.NameEN, b.Address, string(b.Policy), b.Opens, b.Closes, b.EveryDay, b.DepartmentID}
		action := "queue.branch.update"
		if b.ID == 0 {
			action = "queue.branch.create"
			if err := tx.QueryRowContext(ctx, s.q("queue.branch.insert"), args...).Scan(&b.ID); err != nil {
				return fieldConflict(s.classify(err), "code")
			}
		} else if err := mustAffect(tx.ExecContext(ctx, s.q("queue.branch.update"), append(args, b.ID)...)); err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		return s.audit(ctx, tx, actor, action, obj("queue_branch", b.ID), map[string]any{"code": b.Code, "policy": b.Policy, "department_id": b.DepartmentID})
	})
}

// guarded takes branch id's lock (moving its versions, as every change
// of its configuration does) and reads it as stored, for a Guard.
func (s QueueStore) guarded(ctx context.Context, tx *sql.Tx, id int64) (*queue.Branch, error) {
	if _, err := s.bumpBy(ctx, tx, "queue.branch.bump.config", id); err != nil {
		return nil, err
	}
	b, err := scanBranch(tx.QueryRowContext(ctx, s.q("queue.branch.get"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return b, nil
}

// mustAffect turns an update of no row into NotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.New(apperr.NotFound, "no such record")
	}
	return nil
}

func scanBranch(r scanner) (*queue.Branch, error) {
	var b queue.Branch
	var policy string
	var dept sql.NullInt64
	if err := r.Scan(&b.ID, &b.Code, &b.Name, &b.NameEN, &b.Address, &policy, &b.Opens, &b.Closes, &b.EveryDay, &dept); err != nil {
		return nil, err
	}
	b.Policy, b.DepartmentID = queue.Policy(policy), intPtr(dept)
	return &b, nil
}

// Branch implements queue.Store.
func (s QueueStore) Branch(ctx context.Context, id int64) (*queue.Branch, error) {
	b, err := scanBranch(s.R.QueryRowContext(ctx, s.q("queue.branch.get"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return b, nil
}

// Branches implements queue.Store.
func (s QueueStore) Branches(ctx context.Context) ([]queue.Branch, error) {
	return list(ctx, s.DB, s.q("queue.branch.list"), nil, scanBranch)
}

// SaveType implements queue.Store.
func (s QueueStore) SaveType(ctx context.Context, t *queue.ServiceType, actor audit.Actor, guard queue.Guard) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.guarded(ctx, tx, t.BranchID)
		if err != nil {
			return err
		}
		if guard != nil {
			if err := guard(cur); err != nil {
				return err
			}
		}
		args := []any{t.Prefix, t.Name, t.NameEN, t.Documents, t.DocumentsEN, t.Priority, t.HandleMinutes}
		action := "queue.type.update"
		if t.ID == 0 {
			action = "queue.type.create"
			if err := tx.QueryRowContext(ctx, s.q("queue.type.insert"), append([]any{t.BranchID}, args...)...).Scan(&t.ID); err != nil {
				return fieldConflict(s.classify(err), "prefix")
			}
		} else if err := mustAffect(tx.ExecContext(ctx, s.q("queue.type.update"), append(args, t.ID, t.BranchID)...)); err != nil {
			return fieldConflict(s.classify(err), "prefix")
		}
		return s.audit(ctx, tx, actor, action, obj("queue_type", t.ID), map[string]any{"branch": t.BranchID, "prefix": t.Prefix})
	})
}

func scanType(r scanner) (*queue.ServiceType, error) {
	var t queue.ServiceType
	err := r.Scan(&t.ID, &t.BranchID, &t.Prefix, &t.Name, &t.NameEN, &t.Documents, &t.DocumentsEN, &t.Priority, &t.HandleMinutes)
	return &t, err
}

// Types implements queue.Store.
func (s QueueStore) Types(ctx context.Context, branchID int64) ([]queue.ServiceType, error) {
	return list(ctx, s.DB, s.q("queue.type.list"), []any{branchID}, scanType)
}

// SaveCounter implements queue.Store; the counter's types must be the
// branch's.
func (s QueueStore) SaveCounter(ctx context.Context, c *queue.Counter, actor audit.Actor, guard queue.Guard) error {
	if err := c.Validate(); err != nil {
		return err
	}
	types, err := s.Types(ctx, c.BranchID)
	if err != nil {
		return err
	}
	known := map[int64]bool{}
	for _, t := range types {
		known[t.ID] = true
	}
	ids := make([]string, len(c.Types))
	for i, t := range c.Types {
		if !known[t] {
			var v apperr.Validation
			v.Add("types", "not_found", strconv.FormatInt(t, 10))
			return v.Err()
		}
		ids[i] = strconv.FormatInt(t, 10)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.guarded(ctx, tx, c.BranchID)
		if err != nil {
			return err
		}
		if guard != nil {
			if err := guard(cur); err != nil {
				return err
			}
		}
		action := "queue.counter.update"
		if c.ID == 0 {
			action = "queue.counter.create"
			if err := tx.QueryRowContext(ctx, s.q("queue.counter.insert"), c.BranchID, c.Name, strings.Join(ids, ","), c.Open).Scan(&c.ID); err != nil {
				return fieldConflict(s.classify(err), "name")
			}
		} else if err := mustAffect(tx.ExecContext(ctx, s.q("queue.counter.update"), c.Name, strings.Join(ids, ","), c.Open, c.ID, c.BranchID)); err != nil {
			return fieldConflict(s.classify(err), "name")
		}
		return s.audit(ctx, tx, actor, action, obj("queue_counter", c.ID), map[string]any{"branch": c.BranchID, "types": c.Types, "open": c.Open})
	})
}

func scanCounter(r scanner) (*queue.Counter, error) {
	var c queue.Counter
	var types string
	if err := r.Scan(&c.ID, &c.BranchID, &c.Name, &types, &c.Open); err != nil {
		return nil, err
	}
	for _, p := range strings.Split(types, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			c.Types = append(c.Types, id)
		}
	}
	return &c, nil
}

// CounterBranch implements queue.Store.
func (s QueueStore) CounterBranch(ctx context.Context, counterID int64) (int64, error) {
	var id int64
	if err := s.R.QueryRowContext(ctx, s.q("queue.counter.branch"), counterID).Scan(&id); err != nil {
		return 0, s.classify(err)
	}
	return id, nil
}

// Counters implements queue.Store.
func (s QueueStore) Counters(ctx context.Context, branchID int64) ([]queue.Counter, error) {
	return list(ctx, s.DB, s.q("queue.counter.list"), []any{branchID}, scanCounter)
}

func scanTicket(r scanner) (*queue.Ticket, error) {
	var t queue.Ticket
	var reminded, called, served, finished, counter, complaint sql.NullInt64
	var issued int64
	if err := r.Scan(&t.ID, &t.BranchID, &t.TypeID, &t.Day, &t.Number, &t.Seq, &t.Status, &t.Channel, &t.Lang, &t.Phone, &t.RemindAhead,
		&reminded, &t.Token, &issued, &called, &served, &finished, &counter, &t.Calls, &complaint); err != nil {
		return nil, err
	}
	t.IssuedAt, t.RemindedAt, t.CalledAt, t.ServedAt, t.FinishedAt = fromMicros(issued), timePtr(reminded), timePtr(called), timePtr(served), timePtr(finished)
	t.CounterID, t.ComplaintID = intPtr(counter), intPtr(complaint)
	return &t, nil
}

// branchTx is what a ticket transaction knows of its branch.
type branchTx struct {
	policy       queue.Policy
	name, nameEN string
}

// bump moves the branch's version, taking its row lock on PostgreSQL.
func (s QueueStore) bump(ctx context.Context, tx *sql.Tx, branchID int64) (branchTx, error) {
	return s.bumpBy(ctx, tx, "queue.branch.bump", branchID)
}

// bumpBy is bump by another query: found by a ticket, or moving the
// configuration version too.
func (s QueueStore) bumpBy(ctx context.Context, tx *sql.Tx, query string, key int64) (branchTx, error) {
	var b branchTx
	var policy string
	if err := tx.QueryRowContext(ctx, s.q(query), key).Scan(&policy, &b.name, &b.nameEN); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return b, apperr.New(apperr.NotFound, "no such branch")
		}
		return b, err
	}
	b.policy = queue.Policy(policy)
	return b, nil
}

func (s QueueStore) event(ctx context.Context, tx *sql.Tx, e queue.Event) error {
	_, err := tx.ExecContext(ctx, s.q("queue.event.insert"), e.TicketID, micros(e.At), e.Action, nullInt(e.CounterID), e.Detail, e.By)
	return err
}

// waitingTx reads the branch's line of the day inside tx, with the
// columns call-next and the reminders use (branch, day and status set),
// and each ticket's type priority.
func (s QueueStore) waitingTx(ctx context.Context, tx *sql.Tx, branchID int64, day string) ([]queue.Ticket, []int, error) {
	rows, err := tx.QueryContext(ctx, s.q("queue.ticket.line"), branchID, day)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []queue.Ticket
	var prio []int
	for rows.Next() {
		t, p, err := scanLine(rows, branchID, day)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, t)
		prio = append(prio, p)
	}
	return out, prio, rows.Err()
}

// numberRows are the rows of queue.number.take from either driver.
type numberRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// takeNumber reads queue.number.take's answer into t: the branch's
// sequence (the row of prefix "") as its Seq, the type's number as its
// Number. A type not of the branch gives no number: type_id not found.
func takeNumber(rows numberRows, t *queue.Ticket) error {
	var prefix string
	var n int64
	for rows.Next() {
		var p string
		var last int64
		if err := rows.Scan(&p, &last); err != nil {
			return err
		}
		if p == "" {
			t.Seq = last
		} else {
			prefix, n = p, last
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if prefix == "" {
		var v apperr.Validation
		v.Add("type_id", "not_found", "")
		return v.Err()
	}
	t.Number, t.Status = queue.Number(prefix, n), queue.StatusWaiting
	return nil
}

// Issue implements queue.Store. The transaction takes the branch's lock,
// both numbers in one statement, inserts the ticket and its event and
// reads the waiting tickets issued before it.
func (s QueueStore) Issue(ctx context.Context, t *queue.Ticket) ([]queue.Ticket, error) {
	if s.Dialect.Name() == "postgres" {
		return s.issuePipe(ctx, t)
	}
	var ahead []queue.Ticket
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		b, err := s.bump(ctx, tx, t.BranchID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.q("queue.number.take"), t.Day, t.TypeID, t.BranchID, t.BranchID, t.Day)
		if err != nil {
			return err
		}
		err = takeNumber(rows, t)
		rows.Close()
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("queue.ticket.insert"), t.BranchID, t.TypeID, t.Day, t.Number, t.Seq, t.Status, t.Channel, t.Lang,
			t.Phone, t.RemindAhead, t.Token, micros(t.IssuedAt)).Scan(&t.ID); err != nil {
			return err
		}
		if err := s.event(ctx, tx, queue.Event{TicketID: t.ID, At: t.IssuedAt, Action: "issued", Detail: t.Channel}); err != nil {
			return err
		}
		before, err := tx.QueryContext(ctx, s.q("queue.ticket.before"), t.BranchID, t.Day, t.Seq)
		if err != nil {
			return err
		}
		for before.Next() {
			w := queue.Ticket{BranchID: t.BranchID, Day: t.Day, Status: queue.StatusWaiting}
			if err := before.Scan(&w.ID, &w.TypeID, &w.Seq); err != nil {
				before.Close()
				return err
			}
			if queue.SameLine(b.policy, w.TypeID, t.TypeID) {
				ahead = append(ahead, w)
			}
		}
		if err := before.Close(); err != nil {
			return err
		}
		pos := len(ahead) + 1
		// Already within N when issued: the ticket shows it; no text.
		if t.RemindAhead > 0 && pos <= t.RemindAhead {
			now := t.IssuedAt
			t.RemindedAt = &now
			_, err = tx.ExecContext(ctx, s.q("queue.ticket.remind"), micros(now), t.ID)
		}
		return err
	})
	return ahead, err
}

// Ticket implements queue.Store.
func (s QueueStore) Ticket(ctx context.Context, id int64) (*queue.Ticket, error) {
	t, err := scanTicket(s.R.QueryRowContext(ctx, s.q("queue.ticket.get"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return t, nil
}

// scanCounterBump reads the answer of queue.branch.bump.counter: the
// counter with its branch, and what the call needs of the branch.
func scanCounterBump(r scanner, counterID int64) (queue.Counter, branchTx, error) {
	var b branchTx
	var policy string
	var name, types sql.NullString
	var open sql.NullBool
	c := queue.Counter{ID: counterID}
	if err := r.Scan(&c.BranchID, &policy, &b.name, &b.nameEN, &name, &types, &open); err != nil {
		return c, b, err
	}
	b.policy = queue.Policy(policy)
	c.Name, c.Open = name.String, open.Bool
	for _, p := range strings.Split(types.String, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			c.Types = append(c.Types, id)
		}
	}
	return c, b, nil
}

// scanLine reads one ticket of queue.ticket.line with its type's
// priority.
func scanLine(r scanner, branchID int64, day string) (queue.Ticket, int, error) {
	t := queue.Ticket{BranchID: branchID, Day: day, Status: queue.StatusWaiting}
	var reminded sql.NullInt64
	var prio int
	if err := r.Scan(&t.ID, &t.TypeID, &t.Seq, &t.RemindAhead, &reminded, &t.Phone, &t.Lang, &t.Number, &t.Calls, &prio); err != nil {
		return t, 0, err
	}
	t.RemindedAt = timePtr(reminded)
	return t, prio, nil
}

// CallNext implements queue.Store. One transaction: the branch's lock
// (found by the counter, which comes back with it), the line with the
// types' priorities, the conditional update returning the ticket, its
// event and the reminders now due.
func (s QueueStore) CallNext(ctx context.Context, counterID int64, day string, at time.Time, by string) (*queue.Ticket, error) {
	if s.Dialect.Name() == "postgres" {
		return s.callPipe(ctx, counterID, day, at, by)
	}
	var called *queue.Ticket
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, b, err := scanCounterBump(tx.QueryRowContext(ctx, s.q("queue.branch.bump.counter"), counterID, counterID, counterID, counterID), counterID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no counter %d", counterID)
		} else if err != nil {
			return err
		}
		if !c.Open {
			return apperr.New(apperr.Conflict, "counter %s is closed", c.Name)
		}
		for range 5 {
			waiting, prio, err := s.waitingTx(ctx, tx, c.BranchID, day)
			if err != nil {
				return err
			}
			ws := make([]queue.Waiting, len(waiting))
			for i, t := range waiting {
				ws[i] = queue.Waiting{ID: t.ID, Type: t.TypeID, Priority: prio[i], Seq: t.Seq}
			}
			k := queue.Pick(b.policy, c.Profile(), ws)
			if k < 0 {
				return apperr.New(apperr.NotFound, "nobody waits for counter %s", c.Name)
			}
			called, err = scanTicket(tx.QueryRowContext(ctx, s.q("queue.ticket.call"), c.ID, micros(at), waiting[k].ID, waiting[k].TypeID))
			if errors.Is(err, sql.ErrNoRows) {
				continue // taken by another counter meanwhile: pick again
			} else if err != nil {
				return err
			}
			t := *called
			if err := s.event(ctx, tx, queue.Event{TicketID: t.ID, At: at, Action: "called", CounterID: &c.ID, By: by}); err != nil {
				return err
			}
			if t.Phone != "" && s.QueueSMS {
				name := b.name
				if t.Lang == "en" && b.nameEN != "" {
					name = b.nameEN
				}
				if err := s.enqueueTx(ctx, tx, smsJob("queue-called:"+strconv.FormatInt(t.ID, 10)+":"+strconv.Itoa(t.Calls), t.Phone,
					queue.CalledText(t.Lang, name, t.Number, c.Name))); err != nil {
					return err
				}
			}
			return s.remindTx(ctx, tx, b, append(waiting[:k:k], waiting[k+1:]...), at)
		}
		return apperr.New(apperr.Conflict, "the line moved too fast; try again")
	})
	return called, err
}

func smsJob(key, phone, text string) *jobs.Job {
	return &jobs.Job{Kind: notify.JobSMS, Key: key, Payload: jobs.Payload(notify.Message{Channel: notify.SMS, To: []string{phone}, Text: text})}
}

// remindTx marks and queues the N-ahead reminders that are due now that
// the line is waiting; a ticket is marked once, so it is texted once.
func (s QueueStore) remindTx(ctx context.Context, tx *sql.Tx, b branchTx, waiting []queue.Ticket, at time.Time) error {
	due := queue.DueReminders(b.policy, waiting)
	if len(due) == 0 {
		return nil
	}
	pos := queue.Positions(b.policy, waiting)
	for _, t := range due {
		res, err := tx.ExecContext(ctx, s.q("queue.ticket.remind"), micros(at), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if err := s.event(ctx, tx, queue.Event{TicketID: t.ID, At: at, Action: "reminded", Detail: strconv.Itoa(pos[t.ID])}); err != nil {
			return err
		}
		if t.Phone == "" || !s.QueueSMS {
			continue
		}
		name := b.name
		if t.Lang == "en" && b.nameEN != "" {
			name = b.nameEN
		}
		if err := s.enqueueTx(ctx, tx, smsJob("queue-remind:"+strconv.FormatInt(t.ID, 10), t.Phone,
			queue.ReminderText(t.Lang, name, t.Number, pos[t.ID]))); err != nil {
			return err
		}
	}
	return nil
}

// Act implements queue.Store.
func (s QueueStore) Act(ctx context.Context, ticketID, counterID int64, action string, toType int64, at time.Time, by string) (*queue.Ticket, error) {
	if s.Dialect.Name() == "postgres" && action != queue.ActTransfer {
		return s.actPipe(ctx, ticketID, counterID, action, at, by)
	}
	t := &queue.Ticket{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		b, err := s.bumpBy(ctx, tx, "queue.branch.bump.ticket", ticketID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.NotFound, "no ticket %d", ticketID)
		} else if err != nil {
			return err
		}
		// Read under the branch lock.
		cur, err := scanTicket(tx.QueryRowContext(ctx, s.q("queue.ticket.get"), ticketID))
		if err != nil {
			return err
		}
		if err := atCounter(cur, counterID); err != nil {
			return err
		}
		if action == queue.ActTransfer {
			types, err := s.Types(ctx, cur.BranchID)
			if err != nil {
				return err
			}
			ok := false
			for _, ty := range types {
				ok = ok || ty.ID == toType
			}
			if !ok || toType == cur.TypeID {
				var v apperr.Validation
				v.Add("to_type", "invalid_value", "")
				return v.Err()
			}
		}
		next, detail, err := actStep(cur, action, toType, at)
		if err != nil {
			return err
		}
		if err := mustAffect(tx.ExecContext(ctx, s.q("queue.ticket.set"), next.Status, next.TypeID, nullInt(next.CounterID), nullMicros(next.CalledAt),
			nullMicros(next.ServedAt), nullMicros(next.FinishedAt), next.Calls, next.ID, cur.Status)); err != nil {
			return err
		}
		if err := s.event(ctx, tx, queue.Event{TicketID: cur.ID, At: at, Action: action, CounterID: &counterID, Detail: detail, By: by}); err != nil {
			return err
		}
		*t = next
		if action != queue.ActTransfer {
			return nil
		}
		waiting, _, err := s.waitingTx(ctx, tx, t.BranchID, t.Day)
		if err != nil {
			return err
		}
		return s.remindTx(ctx, tx, b, waiting, at)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// atCounter refuses an action on a ticket the counter does not hold.
func atCounter(cur *queue.Ticket, counterID int64) error {
	if cur.CounterID == nil || *cur.CounterID != counterID {
		return apperr.New(apperr.Conflict, "ticket %s is not at this counter", cur.Number)
	}
	return nil
}

// actStep is what a counter action does to the ticket cur, which the
// counter holds (atCounter): the ticket after it and its event's detail. A
// transfer's target type is checked by the caller.
func actStep(cur *queue.Ticket, action string, toType int64, at time.Time) (queue.Ticket, string, error) {
	from := cur.Status
	next := *cur
	detail := ""
	switch action {
	case queue.ActRecall:
		if from != queue.StatusCalled {
			return next, "", badStep(cur, action)
		}
		next.Calls++
	case queue.ActNoShow:
		if from != queue.StatusCalled {
			return next, "", badStep(cur, action)
		}
		next.Status, next.FinishedAt = queue.StatusNoShow, &at
	case queue.ActServe:
		if from != queue.StatusCalled {
			return next, "", badStep(cur, action)
		}
		next.Status, next.ServedAt = queue.StatusServing, &at
	case queue.ActFinish:
		if from != queue.StatusServing && from != queue.StatusCalled {
			return next, "", badStep(cur, action)
		}
		if next.ServedAt == nil {
			next.ServedAt = next.CalledAt
		}
		next.Status, next.FinishedAt = queue.StatusDone, &at
	case queue.ActTransfer:
		if from != queue.StatusServing && from != queue.StatusCalled {
			return next, "", badStep(cur, action)
		}
		detail = fmt.Sprintf("%d→%d", cur.TypeID, toType)
		next.Status, next.TypeID, next.CounterID, next.CalledAt, next.ServedAt, next.Calls = queue.StatusWaiting, toType, nil, nil, nil, 0
	default:
		var v apperr.Validation
		v.Add("action", "one_of", strings.Join(queue.Actions, ","))
		return next, "", v.Err()
	}
	return next, detail, nil
}

func badStep(t *queue.Ticket, action string) error {
	return apperr.New(apperr.Conflict, "ticket %s is %s: cannot %s", t.Number, t.Status, action)
}

// Waiting implements queue.Store.
func (s QueueStore) Waiting(ctx context.Context, branchID int64, day string) ([]queue.Ticket, error) {
	return list(ctx, s.DB, s.q("queue.ticket.waiting"), []any{branchID, day}, scanTicket)
}

// AtCounters implements queue.Store.
func (s QueueStore) AtCounters(ctx context.Context, branchID int64, day string) ([]queue.Ticket, error) {
	return list(ctx, s.DB, s.q("queue.ticket.at_counters"), []any{branchID, day}, scanTicket)
}

// Tickets implements queue.Store.
func (s QueueStore) Tickets(ctx context.Context, branchID int64, from, to string) ([]queue.Ticket, error) {
	return list(ctx, s.DB, s.q("queue.ticket.range"), []any{branchID, from, to}, scanTicket)
}

// Version implements queue.Store.
func (s QueueStore) Version(ctx context.Context, branchID int64) (int64, error) {
	var v int64
	if err := s.R.QueryRowContext(ctx, s.q("queue.branch.version"), branchID).Scan(&v); err != nil {
		return 0, s.classify(err)
	}
	return v, nil
}

// Versions implements queue.Store.
func (s QueueStore) Versions(ctx context.Context) (map[int64]int64, error) {
	return s.versions(ctx, "queue.branch.versions")
}

// ConfigVersions implements queue.Store.
func (s QueueStore) ConfigVersions(ctx context.Context) (map[int64]int64, error) {
	return s.versions(ctx, "queue.branch.config_versions")
}

func (s QueueStore) versions(ctx context.Context, query string) (map[int64]int64, error) {
	rows, err := s.R.QueryContext(ctx, s.q(query))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, s.classify(err)
		}
		out[id] = v
	}
	return out, s.classify(rows.Err())
}

// Events implements queue.Store.
func (s QueueStore) Events(ctx context.Context, ticketID int64) ([]queue.Event, error) {
	return list(ctx, s.DB, s.q("queue.event.list"), []any{ticketID}, func(r scanner) (*queue.Event, error) {
		var e queue.Event
		var at int64
		var counter sql.NullInt64
		if err := r.Scan(&e.TicketID, &at, &e.Action, &counter, &e.Detail, &e.By); err != nil {
			return nil, err
		}
		e.At, e.CounterID = fromMicros(at), intPtr(counter)
		return &e, nil
	})
}

// LinkComplaint implements queue.Store.
func (s QueueStore) LinkComplaint(ctx context.Context, ticketID, complaintID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, s.q("queue.ticket.complaint"), complaintID, ticketID))
	})
}
