package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/desk"
	"kesu/internal/jobs"
)

// DeskStore implements desk.Store.
type DeskStore struct{ *DB }

// Desk returns the service desk's store.
func (db *DB) Desk() DeskStore { return DeskStore{db} }

var _ desk.Store = DeskStore{}

// rq composes a named query with a suffix written with ? placeholders and
// rebinds the whole for the engine.
func (s DeskStore) rq(name, suffix string) string { return s.Dialect.Rebind(s.raw[name] + suffix) }

func conflict(field, rule, msg string) error {
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: field, Rule: rule}}}
}

// CreateShift implements desk.RosterStore.
func (s DeskStore) CreateShift(ctx context.Context, sh *desk.Shift, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("desk.shift.insert"), sh.Code, sh.Name, sh.Start, sh.Minutes).Scan(&sh.ID); err != nil {
			if apperr.CodeOf(s.classify(err)) == apperr.Conflict {
				return conflict("code", "taken", "a shift with this code exists")
			}
			return err
		}
		return s.audit(ctx, tx, actor, "desk.shift.create", obj("shift", sh.ID), sh)
	})
}

// Shifts implements desk.RosterStore.
func (s DeskStore) Shifts(ctx context.Context) ([]desk.Shift, error) {
	return list(ctx, s.DB, s.q("desk.shift.list"), nil, func(r scanner) (*desk.Shift, error) {
		var sh desk.Shift
		return &sh, r.Scan(&sh.ID, &sh.Code, &sh.Name, &sh.Start, &sh.Minutes)
	})
}

// AddSlots implements desk.RosterStore.
func (s DeskStore) AddSlots(ctx context.Context, slots []desk.Slot, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range slots {
			sl := &slots[i]
			if err := tx.QueryRowContext(ctx, s.q("desk.slot.insert"), sl.DepartmentID, sl.Day, sl.ShiftID, sl.UserID, sl.DutyManager,
				micros(sl.StartsAt), micros(sl.EndsAt)).Scan(&sl.ID); err != nil {
				switch apperr.CodeOf(s.classify(err)) {
				case apperr.Conflict:
					return conflict("entries["+strconv.Itoa(i)+"]", "taken", "the person is already on this shift that day")
				case apperr.Invalid:
					return &apperr.Error{Code: apperr.Invalid, Message: "unknown department or user",
						Fields: []apperr.FieldError{{Field: "entries[" + strconv.Itoa(i) + "].user_id", Rule: "not_found"}}}
				}
				return err
			}
		}
		return s.audit(ctx, tx, actor, "desk.roster.add", "roster", map[string]any{"slots": len(slots)})
	})
}

// RemoveSlot implements desk.RosterStore.
func (s DeskStore) RemoveSlot(ctx context.Context, id int64, actor audit.Actor) error {
	if _, err := s.Slot(ctx, id); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("desk.slot.delete"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("id", "slot_in_swap", "a swap refers to this shift")
		}
		return s.audit(ctx, tx, actor, "desk.roster.remove", obj("slot", id), nil)
	})
}

func scanSlot(r scanner) (*desk.Slot, error) {
	var sl desk.Slot
	var from, to int64
	var swap sql.NullInt64
	err := r.Scan(&sl.ID, &sl.DepartmentID, &sl.Day, &sl.ShiftID, &sl.ShiftCode, &sl.ShiftName, &sl.UserID, &sl.UserName, &sl.DutyManager, &from, &to, &swap)
	sl.StartsAt, sl.EndsAt, sl.SwapID = fromMicros(from), fromMicros(to), intPtr(swap)
	return &sl, err
}

// Slot implements desk.RosterStore.
func (s DeskStore) Slot(ctx context.Context, id int64) (*desk.Slot, error) {
	sl, err := scanSlot(s.R.QueryRowContext(ctx, s.rq("desk.slot.select", " WHERE r.id = ?"), id))
	if err != nil {
		return nil, s.notFound(err, "slot")
	}
	return sl, nil
}

func (s DeskStore) notFound(err error, what string) error {
	if err == sql.ErrNoRows {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return s.classify(err)
}

// Slots implements desk.RosterStore.
func (s DeskStore) Slots(ctx context.Context, departmentID int64, from, to string) ([]desk.Slot, error) {
	where, args := " WHERE r.day >= ? AND r.day <= ?", []any{from, to}
	if departmentID > 0 {
		where += " AND r.department_id = ?"
		args = append(args, departmentID)
	}
	return list(ctx, s.DB, s.rq("desk.slot.select", where+" ORDER BY r.starts_at, r.department_id, r.id"), args, scanSlot)
}

// UserSlots implements desk.RosterStore.
func (s DeskStore) UserSlots(ctx context.Context, userID int64, from, to time.Time) ([]desk.Slot, error) {
	return list(ctx, s.DB, s.rq("desk.slot.select", " WHERE r.user_id = ? AND r.starts_at >= ? AND r.starts_at < ? ORDER BY r.starts_at"),
		[]any{userID, micros(from), micros(to)}, scanSlot)
}

// OnDuty implements desk.RosterStore. No shift is longer than a day, so
// the running ones started within the last day.
func (s DeskStore) OnDuty(ctx context.Context, departmentID int64, t time.Time) ([]desk.Slot, error) {
	where := " WHERE r.starts_at > ? AND r.starts_at <= ? AND r.ends_at > ?"
	args := []any{micros(t.Add(-24 * time.Hour)), micros(t), micros(t)}
	if departmentID > 0 {
		where += " AND r.department_id = ?"
		args = append(args, departmentID)
	}
	return list(ctx, s.DB, s.rq("desk.slot.select", where+" ORDER BY r.department_id, r.duty_manager DESC, r.starts_at"), args, scanSlot)
}

// CreateSwap implements desk.SwapStore.
func (s DeskStore) CreateSwap(ctx context.Context, sw *desk.Swap, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("desk.swap.insert"), sw.RequesterID, sw.PartnerID, sw.SlotID, sw.PaybackSlotID, sw.Day, sw.PaybackDay,
			sw.Reason, sw.Status, micros(sw.RequestedAt)).Scan(&sw.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "desk.swap.request", obj("swap", sw.ID), sw)
	})
}

func scanSwap(r scanner) (*desk.Swap, error) {
	var sw desk.Swap
	var req int64
	var agreed, by, decided sql.NullInt64
	err := r.Scan(&sw.ID, &sw.RequesterID, &sw.PartnerID, &sw.SlotID, &sw.PaybackSlotID, &sw.Day, &sw.PaybackDay, &sw.Reason, &sw.Status,
		&req, &agreed, &by, &decided, &sw.Note)
	sw.RequestedAt, sw.AgreedAt, sw.DecidedBy, sw.DecidedAt = fromMicros(req), timePtr(agreed), intPtr(by), timePtr(decided)
	return &sw, err
}

// Swap implements desk.SwapStore.
func (s DeskStore) Swap(ctx context.Context, id int64) (*desk.Swap, error) {
	sw, err := scanSwap(s.R.QueryRowContext(ctx, s.rq("desk.swap.select", " WHERE id = ?"), id))
	if err != nil {
		return nil, s.notFound(err, "swap")
	}
	return sw, nil
}

// SetSwapStatus implements desk.SwapStore.
func (s DeskStore) SetSwapStatus(ctx context.Context, sw *desk.Swap, from string, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("desk.swap.status"), sw.Status, nullMicros(sw.AgreedAt), nullInt(sw.DecidedBy), nullMicros(sw.DecidedAt),
			sw.Note, sw.ID, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("status", desk.RuleSwapState, "the swap changed meanwhile")
		}
		if sw.Status == desk.SwapApproved {
			// The swap and its pay-back, both on the roster.
			for _, g := range []struct{ to, slot, from int64 }{{sw.PartnerID, sw.SlotID, sw.RequesterID}, {sw.RequesterID, sw.PaybackSlotID, sw.PartnerID}} {
				res, err := tx.ExecContext(ctx, s.q("desk.slot.give"), g.to, sw.ID, g.slot, g.from)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return conflict("slot_id", desk.RuleSwapNotYourShift, "the roster changed meanwhile")
				}
			}
		}
		return s.audit(ctx, tx, actor, "desk.swap."+sw.Status, obj("swap", sw.ID), map[string]any{"from": from, "note": sw.Note})
	})
}

// Swaps implements desk.SwapStore.
func (s DeskStore) Swaps(ctx context.Context, userID int64, fromDay, toDay string) ([]desk.Swap, error) {
	where := " WHERE ((day >= ? AND day <= ?) OR (payback_day >= ? AND payback_day <= ?))"
	args := []any{fromDay, toDay, fromDay, toDay}
	if userID > 0 {
		where += " AND (requester_id = ? OR partner_id = ?)"
		args = append(args, userID, userID)
	}
	return list(ctx, s.DB, s.rq("desk.swap.select", where+" ORDER BY day, id"), args, scanSwap)
}

// CreateHandover implements desk.HandoverStore.
func (s DeskStore) CreateHandover(ctx context.Context, h *desk.Handover, reminder *jobs.Job, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("desk.handover.insert"), h.DepartmentID, h.FromUserID, h.Equipment, h.Issues, h.Staffing,
			micros(h.CreatedAt)).Scan(&h.ID); err != nil {
			if apperr.CodeOf(s.classify(err)) == apperr.Invalid {
				return &apperr.Error{Code: apperr.Invalid, Message: "unknown department", Fields: []apperr.FieldError{{Field: "department_id", Rule: "not_found"}}}
			}
			return err
		}
		seen := map[int64]bool{}
		for _, c := range h.ComplaintIDs {
			if seen[c] {
				continue
			}
			seen[c] = true
			if _, err := tx.ExecContext(ctx, s.q("desk.handover.complaint"), h.ID, c); err != nil {
				if apperr.CodeOf(s.classify(err)) == apperr.Invalid {
					return &apperr.Error{Code: apperr.Invalid, Message: "unknown complaint", Fields: []apperr.FieldError{{Field: "complaint_ids", Rule: "not_found"}}}
				}
				return err
			}
		}
		if reminder != nil {
			reminder.Key = "desk.handover:" + strconv.FormatInt(h.ID, 10)
			reminder.Payload = jobs.Payload(desk.HandoverReminder{HandoverID: h.ID})
			if err := s.enqueueTx(ctx, tx, reminder); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "desk.handover.create", obj("handover", h.ID), map[string]any{"complaints": h.ComplaintIDs})
	})
}

func scanHandover(r scanner) (*desk.Handover, error) {
	var h desk.Handover
	var at int64
	var by, ackAt sql.NullInt64
	err := r.Scan(&h.ID, &h.DepartmentID, &h.FromUserID, &h.FromName, &h.Equipment, &h.Issues, &h.Staffing, &at, &by, &h.AckName, &ackAt)
	h.CreatedAt, h.AckBy, h.AckAt = fromMicros(at), intPtr(by), timePtr(ackAt)
	return &h, err
}

func (s DeskStore) handoverComplaints(ctx context.Context, hs []desk.Handover) error {
	for i := range hs {
		ids, err := s.ids(ctx, s.R, s.q("desk.handover.complaints"), hs[i].ID)
		if err != nil {
			return err
		}
		hs[i].ComplaintIDs = append([]int64{}, ids...)
	}
	return nil
}

// Handover implements desk.HandoverStore.
func (s DeskStore) Handover(ctx context.Context, id int64) (*desk.Handover, error) {
	h, err := scanHandover(s.R.QueryRowContext(ctx, s.rq("desk.handover.select", " WHERE h.id = ?"), id))
	if err != nil {
		return nil, s.notFound(err, "handover")
	}
	hs := []desk.Handover{*h}
	if err := s.handoverComplaints(ctx, hs); err != nil {
		return nil, err
	}
	return &hs[0], nil
}

// Handovers implements desk.HandoverStore.
func (s DeskStore) Handovers(ctx context.Context, departmentID int64, limit int) ([]desk.Handover, error) {
	where, args := "", []any{}
	if departmentID > 0 {
		where, args = " WHERE h.department_id = ?", append(args, departmentID)
	}
	hs, err := list(ctx, s.DB, s.rq("desk.handover.select", where+" ORDER BY h.created_at DESC, h.id DESC LIMIT "+strconv.Itoa(limit)), args, scanHandover)
	if err != nil {
		return nil, err
	}
	return hs, s.handoverComplaints(ctx, hs)
}

// AckHandover implements desk.HandoverStore.
func (s DeskStore) AckHandover(ctx context.Context, id, userID int64, at time.Time, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("desk.handover.ack"), userID, micros(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("status", "handover_acknowledged", "the handover is already acknowledged")
		}
		return s.audit(ctx, tx, actor, "desk.handover.ack", obj("handover", id), nil)
	})
}

// DutyManagersAt returns the rostered duty managers running at t with
// their teams.
func (s DeskStore) dutyManagersTx(ctx context.Context, q querier, t time.Time) (map[int64][]int64, []int64, error) {
	rows, err := q.QueryContext(ctx, s.q("desk.duty_managers"), micros(t), micros(t))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byDept := map[int64][]int64{}
	var all []int64
	for rows.Next() {
		var u, d int64
		if err := rows.Scan(&u, &d); err != nil {
			return nil, nil, err
		}
		byDept[d] = append(byDept[d], u)
		all = append(all, u)
	}
	return byDept, all, rows.Err()
}

func (s DeskStore) writeTokens(ctx context.Context, tx *sql.Tx, id int64, tokens []string) error {
	seen := map[string]bool{}
	var uniq []string
	for _, t := range tokens {
		if !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	for len(uniq) > 0 {
		n := min(len(uniq), 400)
		var sb strings.Builder
		sb.WriteString(s.raw["kb.tokens.insert"])
		args := make([]any, 0, 2*n)
		for i, t := range uniq[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?)")
			args = append(args, t, id)
		}
		if _, err := tx.ExecContext(ctx, s.Dialect.Rebind(sb.String()), args...); err != nil {
			return err
		}
		uniq = uniq[n:]
	}
	return nil
}

func (s DeskStore) writeVersion(ctx context.Context, tx *sql.Tx, e *desk.Entry, note string) error {
	var by sql.NullInt64
	if e.UpdatedBy != 0 {
		by = sql.NullInt64{Int64: e.UpdatedBy, Valid: true}
	}
	_, err := tx.ExecContext(ctx, s.q("kb.version.insert"), e.ID, e.Version, e.Category, e.Title, e.Body, e.Keywords, e.Internal, by, note, micros(e.UpdatedAt))
	return err
}

// CreateEntry implements desk.KBStore.
func (s DeskStore) CreateEntry(ctx context.Context, e *desk.Entry, tokens []string, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var by sql.NullInt64
		if e.UpdatedBy != 0 {
			by = sql.NullInt64{Int64: e.UpdatedBy, Valid: true}
		}
		if err := tx.QueryRowContext(ctx, s.q("kb.insert"), e.Category, e.Title, e.Body, e.Keywords, e.Internal, desk.SearchText(e), e.Version, by,
			micros(e.UpdatedAt), micros(e.CreatedAt)).Scan(&e.ID); err != nil {
			return err
		}
		if err := s.writeVersion(ctx, tx, e, ""); err != nil {
			return err
		}
		if err := s.writeTokens(ctx, tx, e.ID, tokens); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "kb.create", obj("kb", e.ID), map[string]any{"title": e.Title, "internal": e.Internal})
	})
}

// UpdateEntry implements desk.KBStore.
func (s DeskStore) UpdateEntry(ctx context.Context, e *desk.Entry, note string, tokens []string, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var by sql.NullInt64
		if e.UpdatedBy != 0 {
			by = sql.NullInt64{Int64: e.UpdatedBy, Valid: true}
		}
		res, err := tx.ExecContext(ctx, s.q("kb.update"), e.Category, e.Title, e.Body, e.Keywords, e.Internal, desk.SearchText(e), e.Version, by, micros(e.UpdatedAt),
			e.ID, e.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, s.rq("kb.select", " WHERE e.id = ?"), e.ID).Scan(new(int64), new(string), new(string), new(string),
				new(string), new(bool), &one, new(int64), new(sql.NullInt64), new(int64), new(int64)); err == sql.ErrNoRows {
				return apperr.New(apperr.NotFound, "knowledge-base entry not found")
			}
			return &apperr.Error{Code: apperr.Conflict, Message: "the entry was changed meanwhile",
				Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(one)}}}
		}
		if err := s.writeVersion(ctx, tx, e, note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("kb.tokens.delete"), e.ID); err != nil {
			return err
		}
		if err := s.writeTokens(ctx, tx, e.ID, tokens); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "kb.update", obj("kb", e.ID), map[string]any{"version": e.Version, "internal": e.Internal, "note": note})
	})
}

func scanEntry(r scanner) (*desk.Entry, error) {
	var e desk.Entry
	var by sql.NullInt64
	var upd, created int64
	err := r.Scan(&e.ID, &e.Category, &e.Title, &e.Body, &e.Keywords, &e.Internal, &e.Version, &e.Uses, &by, &upd, &created)
	e.UpdatedBy, e.UpdatedAt, e.CreatedAt = by.Int64, fromMicros(upd), fromMicros(created)
	return &e, err
}

// Entry implements desk.KBStore.
func (s DeskStore) Entry(ctx context.Context, id int64) (*desk.Entry, error) {
	e, err := scanEntry(s.R.QueryRowContext(ctx, s.rq("kb.select", " WHERE e.id = ?"), id))
	if err != nil {
		return nil, s.notFound(err, "knowledge-base entry")
	}
	return e, nil
}

// EntryVersions implements desk.KBStore.
func (s DeskStore) EntryVersions(ctx context.Context, id int64) ([]desk.EntryVersion, error) {
	vs, err := list(ctx, s.DB, s.q("kb.versions"), []any{id}, func(r scanner) (*desk.EntryVersion, error) {
		var v desk.EntryVersion
		var by sql.NullInt64
		var at int64
		err := r.Scan(&v.EntryID, &v.Version, &v.Category, &v.Title, &v.Body, &v.Keywords, &v.Internal, &by, &v.Note, &at)
		v.ByUserID, v.At = by.Int64, fromMicros(at)
		return &v, err
	})
	if err == nil && len(vs) == 0 {
		return nil, apperr.New(apperr.NotFound, "knowledge-base entry not found")
	}
	return vs, err
}

// kbNarrow is how many postings a token may have and still narrow a
// search (DB.KBNarrow when set); when every token of a query is more
// common than that, the search walks the entries in the order of use
// instead and stops at a full page, which comes soon because matches are
// common.
const kbNarrow = 1000

// SearchEntries implements desk.KBStore. The postings of each token of
// the query are read from the token table's primary key, up to kbNarrow
// each; the rarest token's entries are the candidates, and LIKE on their
// folded text keeps those containing every word. When no token is that
// rare, the entries are walked in the order of use with the LIKE check.
func (s DeskStore) SearchEntries(ctx context.Context, q desk.IndexQuery) ([]desk.Entry, error) {
	var conds []string
	var args []any
	narrow, nargs, err := s.rarest(ctx, q)
	if err != nil {
		return nil, err
	}
	base := s.raw["kb.select"]
	if narrow != "" {
		base, args = fmt.Sprintf(s.raw["kb.search"], narrow, s.kbNarrow()), nargs
	}
	for _, w := range q.Contains {
		conds, args = append(conds, `e.search LIKE ? ESCAPE '\'`), append(args, likePattern(w))
	}
	if q.Category != "" {
		conds, args = append(conds, "e.category = ?"), append(args, q.Category)
	}
	if q.PublicOnly {
		conds = append(conds, "NOT e.internal")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	suffix := where + " ORDER BY e.uses DESC, e.id DESC"
	if q.Limit > 0 {
		suffix += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return list(ctx, s.DB, s.Dialect.Rebind(base+suffix), args, scanEntry)
}

func (s DeskStore) kbNarrow() int {
	if s.KBNarrow > 0 {
		return s.KBNarrow
	}
	return kbNarrow
}

// rarest returns the condition on kb_tokens of the query's token with the
// fewest postings, if it has at most kbNarrow; "" otherwise (or when the
// query has no token).
func (s DeskStore) rarest(ctx context.Context, q desk.IndexQuery) (string, []any, error) {
	type cond struct {
		where string
		args  []any
	}
	var cs []cond
	for _, t := range q.Tokens {
		cs = append(cs, cond{"token = ?", []any{t}})
	}
	if q.Prefix != "" {
		// Tokens compare bytewise (the column's collation is "C" on
		// PostgreSQL): those starting with the character lie between it
		// and the next code point.
		r := []rune(q.Prefix)[0]
		cs = append(cs, cond{"token >= ? AND token < ?", []any{string(r), string(r + 1)}})
	}
	if len(cs) == 0 {
		return "", nil, nil
	}
	// The postings of every token counted, up to most+1 each, in one
	// statement.
	most := s.kbNarrow()
	var sb strings.Builder
	var args []any
	for i, c := range cs {
		if i > 0 {
			sb.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&sb, "SELECT %d, COUNT(*) FROM (SELECT 1 FROM kb_tokens WHERE %s LIMIT %d) p%d", i, c.where, most+1, i)
		args = append(args, c.args...)
	}
	rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind(sb.String()), args...)
	if err != nil {
		return "", nil, s.classify(err)
	}
	defer rows.Close()
	best, bestN := -1, most+1
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return "", nil, s.classify(err)
		}
		if n < bestN || (n == bestN && i < best) {
			best, bestN = i, n
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, s.classify(err)
	}
	if best < 0 {
		return "", nil, nil
	}
	return cs[best].where, cs[best].args, nil
}

// UseEntry implements desk.KBStore.
func (s DeskStore) UseEntry(ctx context.Context, id int64, complaintID, contactID *int64, byUser int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("kb.use"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "knowledge-base entry not found")
		}
		var by sql.NullInt64
		if byUser != 0 {
			by = sql.NullInt64{Int64: byUser, Valid: true}
		}
		_, err = tx.ExecContext(ctx, s.q("kb.use.insert"), id, nullInt(complaintID), nullInt(contactID), by, micros(at))
		return err
	})
}

// InternalEntries implements desk.KBStore.
func (s DeskStore) InternalEntries(ctx context.Context) ([]desk.Entry, error) {
	return list(ctx, s.DB, s.rq("kb.select", " WHERE e.internal ORDER BY e.id"), nil, scanEntry)
}

// Categories implements desk.KBStore.
func (s DeskStore) Categories(ctx context.Context) ([]desk.CategoryCount, error) {
	return list(ctx, s.DB, s.q("kb.categories"), nil, func(r scanner) (*desk.CategoryCount, error) {
		var c desk.CategoryCount
		return &c, r.Scan(&c.Category, &c.Entries)
	})
}

// CreateContact implements desk.ContactStore.
func (s DeskStore) CreateContact(ctx context.Context, c *desk.Contact, events []desk.ContactEvent, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var by sql.NullInt64
		if c.CreatedBy != 0 {
			by = sql.NullInt64{Int64: c.CreatedBy, Valid: true}
		}
		if err := tx.QueryRowContext(ctx, s.q("contact.insert"), c.Kind, c.Channel, c.Status, c.Name, c.Phone, c.Email, c.Company, c.Subject,
			c.Question, c.Answer, nullInt(c.DepartmentID), nullInt(c.ComplaintID), by, micros(c.CreatedAt), nullMicros(c.AnsweredAt)).Scan(&c.ID); err != nil {
			return err
		}
		for _, ev := range events {
			if err := s.contactEvent(ctx, tx, c.ID, ev); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "contact.create", obj("contact", c.ID), map[string]any{"kind": c.Kind, "department_id": c.DepartmentID})
	})
}

func (s DeskStore) contactEvent(ctx context.Context, tx *sql.Tx, id int64, ev desk.ContactEvent) error {
	var by sql.NullInt64
	if ev.ByUserID != 0 {
		by = sql.NullInt64{Int64: ev.ByUserID, Valid: true}
	}
	_, err := tx.ExecContext(ctx, s.q("contact.event.insert"), id, ev.Kind, ev.Body, by, ev.ByName, micros(ev.At))
	return err
}

func scanContact(r scanner) (*desk.Contact, error) {
	var c desk.Contact
	var dept, cid, by, answered sql.NullInt64
	var at int64
	err := r.Scan(&c.ID, &c.Kind, &c.Channel, &c.Status, &c.Name, &c.Phone, &c.Email, &c.Company, &c.Subject, &c.Question, &c.Answer,
		&dept, &cid, &by, &at, &answered)
	c.DepartmentID, c.ComplaintID, c.CreatedBy, c.CreatedAt, c.AnsweredAt = intPtr(dept), intPtr(cid), by.Int64, fromMicros(at), timePtr(answered)
	return &c, err
}

// Contact implements desk.ContactStore.
func (s DeskStore) Contact(ctx context.Context, id int64) (*desk.Contact, error) {
	c, err := scanContact(s.R.QueryRowContext(ctx, s.rq("contact.select", " WHERE id = ?"), id))
	if err != nil {
		return nil, s.notFound(err, "contact")
	}
	return c, nil
}

// Contacts implements desk.ContactStore.
func (s DeskStore) Contacts(ctx context.Context, f desk.ContactFilter) ([]desk.Contact, error) {
	var conds []string
	var args []any
	if f.Kind != "" {
		conds, args = append(conds, "kind = ?"), append(args, f.Kind)
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, f.Status)
	}
	if f.DepartmentID > 0 {
		conds, args = append(conds, "department_id = ?"), append(args, f.DepartmentID)
	}
	if f.From != nil {
		conds, args = append(conds, "created_at >= ?"), append(args, micros(*f.From))
	}
	if f.To != nil {
		conds, args = append(conds, "created_at < ?"), append(args, micros(*f.To))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return list(ctx, s.DB, s.rq("contact.select", where+" ORDER BY created_at DESC, id DESC LIMIT "+strconv.Itoa(f.Limit)), args, scanContact)
}

// ContactEvents implements desk.ContactStore.
func (s DeskStore) ContactEvents(ctx context.Context, id int64) ([]desk.ContactEvent, error) {
	return list(ctx, s.DB, s.q("contact.events"), []any{id}, func(r scanner) (*desk.ContactEvent, error) {
		var e desk.ContactEvent
		var by sql.NullInt64
		var at int64
		err := r.Scan(&e.ContactID, &e.Kind, &e.Body, &by, &e.ByName, &at)
		e.ByUserID, e.At = by.Int64, fromMicros(at)
		return &e, err
	})
}

// UpdateContact implements desk.ContactStore.
func (s DeskStore) UpdateContact(ctx context.Context, c *desk.Contact, ev desk.ContactEvent, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("contact.update"), c.Status, c.Answer, nullInt(c.ComplaintID), nullMicros(c.AnsweredAt), c.ID); err != nil {
			return err
		}
		if err := s.contactEvent(ctx, tx, c.ID, ev); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "contact."+ev.Kind, obj("contact", c.ID), map[string]any{"status": c.Status, "complaint_id": c.ComplaintID})
	})
}

// ContactStats implements desk.ContactStore.
func (s DeskStore) ContactStats(ctx context.Context, from, to time.Time) (*desk.ContactStats, error) {
	rows, err := s.R.QueryContext(ctx, s.q("contact.stats"), micros(from), micros(to))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	st := &desk.ContactStats{ByKind: map[string]int{}, ByStatus: map[string]int{}}
	for rows.Next() {
		var kind, status string
		var n int
		if err := rows.Scan(&kind, &status, &n); err != nil {
			return nil, s.classify(err)
		}
		st.Total += n
		st.ByKind[kind] += n
		st.ByStatus[status] += n
		if status == desk.ContactConverted {
			st.Converted += n
		}
	}
	return st, s.classify(rows.Err())
}
