package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"kesu/internal/apperr"
	"kesu/internal/jobs"
	"kesu/internal/queue"
)

// On PostgreSQL the two hot ticket transactions, issue and call-next,
// send their statements in batches (pipeTx): the same queries as the
// transactions of queue.go, in two or three round trips instead of six
// or seven. A statement queued after the branch bump runs once the
// branch's lock is held and sees everything committed before.

// errLineMoved is a call-next whose batch met a line other than the one
// it read: the transaction rolls back and starts again.
var errLineMoved = errors.New("queue line moved")

// issuePipe is Issue in two round trips (three when the ticket asks for
// a reminder): the bump, both numbers and the ticket's id; then the
// ticket, its event and the tickets before it, with COMMIT.
func (s QueueStore) issuePipe(ctx context.Context, t *queue.Ticket) ([]queue.Ticket, error) {
	var ahead []queue.Ticket
	err := s.inPipe(ctx, func(p *pipeTx) error {
		ahead = nil
		var b branchTx
		p.row(s.q("queue.branch.bump"), []any{t.BranchID}, func(r pgx.Row) error {
			var err error
			b, err = scanBranchTx(r)
			return err
		})
		p.rows(s.q("queue.number.take"), []any{t.Day, t.TypeID, t.BranchID, t.BranchID, t.Day}, func(rows pgx.Rows) error {
			return takeNumber(rows, t)
		})
		p.row(s.q("queue.ticket.next_id"), nil, func(r pgx.Row) error { return r.Scan(&t.ID) })
		if err := p.send(ctx); err != nil {
			return err
		}
		p.exec(s.q("queue.ticket.insert.id"), []any{t.ID, t.BranchID, t.TypeID, t.Day, t.Number, t.Seq, t.Status, t.Channel, t.Lang,
			t.Phone, t.RemindAhead, t.Token, micros(t.IssuedAt)}, nil)
		s.eventPipe(p, queue.Event{TicketID: t.ID, At: t.IssuedAt, Action: "issued", Detail: t.Channel})
		p.rows(s.q("queue.ticket.before"), []any{t.BranchID, t.Day, t.Seq}, func(rows pgx.Rows) error {
			for rows.Next() {
				w := queue.Ticket{BranchID: t.BranchID, Day: t.Day, Status: queue.StatusWaiting}
				if err := rows.Scan(&w.ID, &w.TypeID, &w.Seq); err != nil {
					return err
				}
				if queue.SameLine(b.policy, w.TypeID, t.TypeID) {
					ahead = append(ahead, w)
				}
			}
			return rows.Err()
		})
		if t.RemindAhead == 0 {
			p.commit()
			return p.send(ctx)
		}
		if err := p.send(ctx); err != nil {
			return err
		}
		// Already within N when issued: the ticket shows it; no text.
		if pos := len(ahead) + 1; pos <= t.RemindAhead {
			now := t.IssuedAt
			t.RemindedAt = &now
			p.exec(s.q("queue.ticket.remind"), []any{micros(now), t.ID}, nil)
		}
		p.commit()
		return p.send(ctx)
	})
	return ahead, err
}

func scanBranchTx(r pgx.Row) (branchTx, error) {
	var b branchTx
	var policy string
	if err := r.Scan(&policy, &b.name, &b.nameEN); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return b, apperr.New(apperr.NotFound, "no such branch")
		}
		return b, err
	}
	b.policy = queue.Policy(policy)
	return b, nil
}

func (s QueueStore) eventPipe(p *pipeTx, e queue.Event) {
	p.exec(s.q("queue.event.insert"), []any{e.TicketID, micros(e.At), e.Action, nullInt(e.CounterID), e.Detail, e.By}, nil)
}

// enqueuePipe queues the statements that store jobs.
func (s QueueStore) enqueuePipe(p *pipeTx, js ...*jobs.Job) {
	for _, st := range s.jobInserts(js) {
		p.exec(st.query, st.args, nil)
	}
}

// callPipe is CallNext in three round trips: the bump with the counter
// and the branch's line; the call, its event, the reminders now due and
// their texts; COMMIT. A batch that finds the line other than it was read
// (a call or a reminder that changes no row) rolls back and starts again.
func (s QueueStore) callPipe(ctx context.Context, counterID int64, day string, at time.Time, by string) (*queue.Ticket, error) {
	for range 5 {
		called, err := s.callOnce(ctx, counterID, day, at, by)
		if !errors.Is(err, errLineMoved) {
			return called, err
		}
	}
	return nil, apperr.New(apperr.Conflict, "the line moved too fast; try again")
}

func (s QueueStore) callOnce(ctx context.Context, counterID int64, day string, at time.Time, by string) (*queue.Ticket, error) {
	// The line is read in the bump's batch, so by the counter's branch
	// as known before: a counter never changes branch, and the bump
	// checks it.
	var branchID int64
	if id, ok := s.counters.Load(counterID); ok {
		branchID = id.(int64)
	} else {
		id, err := s.CounterBranch(ctx, counterID)
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.New(apperr.NotFound, "no counter %d", counterID)
		} else if err != nil {
			return nil, err
		}
		branchID = id
		s.counters.Store(counterID, id)
	}
	var called *queue.Ticket
	err := s.inPipe(ctx, func(p *pipeTx) error {
		var b branchTx
		var c queue.Counter
		p.row(s.q("queue.branch.bump.counter"), []any{counterID, counterID, counterID, counterID}, func(r pgx.Row) error {
			var err error
			if c, b, err = scanCounterBump(r, counterID); errors.Is(err, pgx.ErrNoRows) {
				s.counters.Delete(counterID)
				return apperr.New(apperr.NotFound, "no counter %d", counterID)
			}
			return err
		})
		var waiting []queue.Ticket
		var prio []int
		p.rows(s.q("queue.ticket.line"), []any{branchID, day}, func(rows pgx.Rows) error {
			for rows.Next() {
				t, pr, err := scanLine(rows, branchID, day)
				if err != nil {
					return err
				}
				waiting = append(waiting, t)
				prio = append(prio, pr)
			}
			return rows.Err()
		})
		if err := p.send(ctx); err != nil {
			return err
		}
		if c.BranchID != branchID {
			s.counters.Store(counterID, c.BranchID)
			return errLineMoved
		}
		if !c.Open {
			return apperr.New(apperr.Conflict, "counter %s is closed", c.Name)
		}
		ws := make([]queue.Waiting, len(waiting))
		for i, t := range waiting {
			ws[i] = queue.Waiting{ID: t.ID, Type: t.TypeID, Priority: prio[i], Seq: t.Seq}
		}
		k := queue.Pick(b.policy, c.Profile(), ws)
		if k < 0 {
			return apperr.New(apperr.NotFound, "nobody waits for counter %s", c.Name)
		}
		w := waiting[k]
		moved := false
		p.row(s.q("queue.ticket.call"), []any{c.ID, micros(at), w.ID, w.TypeID}, func(r pgx.Row) error {
			t, err := scanTicket(r)
			if errors.Is(err, pgx.ErrNoRows) {
				moved = true // taken by another counter meanwhile: pick again
				return nil
			}
			called = t
			return err
		})
		s.eventPipe(p, queue.Event{TicketID: w.ID, At: at, Action: "called", CounterID: &c.ID, By: by})
		if w.Phone != "" && s.QueueSMS {
			s.enqueuePipe(p, smsJob("queue-called:"+strconv.FormatInt(w.ID, 10)+":"+strconv.Itoa(w.Calls+1), w.Phone,
				queue.CalledText(w.Lang, branchName(b, w.Lang), w.Number, c.Name)))
		}
		s.remindPipe(p, b, append(waiting[:k:k], waiting[k+1:]...), at, &moved)
		if err := p.send(ctx); err != nil {
			return err
		}
		if moved || called.Calls != w.Calls+1 {
			called = nil
			return errLineMoved
		}
		p.commit()
		return p.send(ctx)
	})
	if err != nil {
		return nil, err
	}
	return called, nil
}

// remindPipe queues what remindTx does: the marks, events and texts of
// the reminders due. A mark that changes no row sets moved.
func (s QueueStore) remindPipe(p *pipeTx, b branchTx, waiting []queue.Ticket, at time.Time, moved *bool) {
	due := queue.DueReminders(b.policy, waiting)
	if len(due) == 0 {
		return
	}
	pos := queue.Positions(b.policy, waiting)
	for _, t := range due {
		p.exec(s.q("queue.ticket.remind"), []any{micros(at), t.ID}, func(n int64) error {
			*moved = *moved || n == 0
			return nil
		})
		s.eventPipe(p, queue.Event{TicketID: t.ID, At: at, Action: "reminded", Detail: strconv.Itoa(pos[t.ID])})
		if t.Phone == "" || !s.QueueSMS {
			continue
		}
		s.enqueuePipe(p, smsJob("queue-remind:"+strconv.FormatInt(t.ID, 10), t.Phone,
			queue.ReminderText(t.Lang, branchName(b, t.Lang), t.Number, pos[t.ID])))
	}
}

// branchName is the branch's name in lang.
func branchName(b branchTx, lang string) string {
	if lang == "en" && b.nameEN != "" {
		return b.nameEN
	}
	return b.name
}

// actPipe is Act in two round trips, for every action but a transfer
// (which reads the branch's types and line: the transaction of queue.go):
// the bump with the ticket; then the ticket's change and its event in one
// statement (queue.ticket.act), with COMMIT. The branch's lock is held for
// the second round trip and the commit only.
func (s QueueStore) actPipe(ctx context.Context, ticketID, counterID int64, action string, at time.Time, by string) (*queue.Ticket, error) {
	var t *queue.Ticket
	err := s.inPipe(ctx, func(p *pipeTx) error {
		t = nil
		p.row(s.q("queue.branch.bump.ticket"), []any{ticketID}, func(r pgx.Row) error {
			_, err := scanBranchTx(r)
			if apperr.Is(err, apperr.NotFound) {
				return apperr.New(apperr.NotFound, "no ticket %d", ticketID)
			}
			return err
		})
		var cur *queue.Ticket
		p.row(s.q("queue.ticket.get"), []any{ticketID}, func(r pgx.Row) error {
			var err error
			cur, err = scanTicket(r)
			return err
		})
		if err := p.send(ctx); err != nil {
			return err
		}
		if err := atCounter(cur, counterID); err != nil {
			return err
		}
		next, detail, err := actStep(cur, action, 0, at)
		if err != nil {
			return err
		}
		var moved int64
		p.exec(s.q("queue.ticket.act"), []any{next.Status, next.TypeID, nullInt(next.CounterID), nullMicros(next.CalledAt),
			nullMicros(next.ServedAt), nullMicros(next.FinishedAt), next.Calls, next.ID, cur.Status,
			micros(at), action, counterID, detail, by}, func(n int64) error {
			moved = n
			return nil
		})
		p.commit()
		if err := p.send(ctx); err != nil {
			return err
		}
		// Under the branch's lock the ticket cannot have changed since it
		// was read; were it to, nothing but the branch's version was
		// written.
		if moved != 1 {
			return apperr.New(apperr.Conflict, "ticket %s changed meanwhile; try again", cur.Number)
		}
		t = &next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
