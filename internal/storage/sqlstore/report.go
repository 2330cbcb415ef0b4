package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/report"
)

// ReportStore implements report.Store.
type ReportStore struct{ *DB }

var _ report.Store = ReportStore{}

// Reports returns the read-side store for statistics and dashboards.
func (db *DB) Reports() ReportStore { return ReportStore{db} }

// query builds head + the query's conditions (+ extra and tail), binds
// them for the engine and runs it on the read pool. ok is false when the
// text search can match nothing.
func (s ReportStore) query(ctx context.Context, q report.Query, head string, headArgs []any, tail string, tailArgs ...any) (rows *sql.Rows, ok bool, err error) {
	f := q.Filter
	from, to := q.From, q.To
	f.From, f.To = &from, &to
	f.Sort, f.Limit, f.After = "", 0, ""
	where, args, release, ok, err := s.Complaints().Conditions(ctx, f)
	if err != nil || !ok {
		release()
		return nil, ok, err
	}
	sqlText := head + " WHERE " + strings.Join(where, " AND ") + " " + tail
	all := append(append(headArgs, args...), tailArgs...)
	rows, err = s.R.QueryContext(ctx, s.Dialect.Rebind(sqlText), all...)
	release()
	if err != nil {
		return nil, true, s.classify(err)
	}
	return rows, true, nil
}

// Facts implements report.Store.
func (s ReportStore) Facts(ctx context.Context, q report.Query, fn func(*report.Fact) error) error {
	rows, ok, err := s.query(ctx, q, s.raw["report.facts"], []any{micros(s.Now())}, "")
	if err != nil || !ok {
		return err
	}
	defer rows.Close()
	var f report.Fact
	var codes string
	var small int64
	var received int64
	var accepted, replied, executed, closed sql.NullInt64
	// Complaints repeat a few thousand combinations of codes: split each
	// combination once.
	split := map[string][9]string{}
	yes, no := true, false
	for rows.Next() {
		if err := rows.Scan(&codes, &f.RootCause, &f.BatchNo, &f.Outcomes, &small, &f.DepartmentID, &f.ProductID, &f.HolderID,
			&received, &accepted, &replied, &executed, &closed, &f.Overdue); err != nil {
			return s.classify(err)
		}
		parts, seen := split[codes]
		if !seen {
			rest := codes
			for i := range parts {
				parts[i], rest, _ = strings.Cut(rest, "|")
			}
			split[codes] = parts
		}
		f.CategoryTop, f.Category, f.Severity, f.Channel, f.Class = parts[0], parts[1], parts[2], parts[3], parts[4]
		f.Region, f.Status, f.Validity, f.Responsibility = parts[5], parts[6], parts[7], parts[8]
		switch small & 3 {
		case 0:
			f.Established = nil
		case 1:
			f.Established = &yes
		default:
			f.Established = &no
		}
		f.Safety = small&4 != 0
		f.Satisfaction = int(small>>3) & 15
		f.Reopens = int(small >> 7)
		f.ReceivedAt = fromMicros(received)
		f.AcceptedAt, f.RepliedAt, f.ExecutedAt, f.ClosedAt = timePtr(accepted), timePtr(replied), timePtr(executed), timePtr(closed)
		if err := fn(&f); err != nil {
			return err
		}
	}
	return s.classify(rows.Err())
}

// Responsible implements report.Store.
func (s ReportStore) Responsible(ctx context.Context, q report.Query) ([]report.KeyCount, error) {
	rows, ok, err := s.query(ctx, q, s.raw["report.responsible"], nil, "AND r.department_id IS NOT NULL GROUP BY r.department_id")
	if err != nil || !ok {
		return nil, err
	}
	defer rows.Close()
	var out []report.KeyCount
	for rows.Next() {
		var kc report.KeyCount
		if err := rows.Scan(&kc.Key, &kc.Count); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, kc)
	}
	return out, s.classify(rows.Err())
}

// one runs a single-number query.
func (s ReportStore) one(ctx context.Context, q report.Query, name string) (int, error) {
	rows, ok, err := s.query(ctx, q, s.raw[name], nil, "")
	if err != nil || !ok {
		return 0, err
	}
	defer rows.Close()
	n := 0
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, s.classify(err)
		}
	}
	return n, s.classify(rows.Err())
}

// Repeats implements report.Store.
func (s ReportStore) Repeats(ctx context.Context, q report.Query) (int, error) {
	return s.one(ctx, q, "report.repeats")
}

// Count implements report.Store.
func (s ReportStore) Count(ctx context.Context, q report.Query) (int, error) {
	return s.one(ctx, q, "report.count")
}

// Live implements report.Store.
func (s ReportStore) Live(ctx context.Context, open []string, now time.Time, scope *complaint.Scope) ([]report.LiveCount, error) {
	if len(open) == 0 {
		return nil, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(open)), ",")
	args := []any{micros(now)}
	for _, st := range open {
		args = append(args, st)
	}
	where := " WHERE c.status IN (" + ph + ")"
	if scope != nil {
		cond, a, ok := scopeClause(scope)
		if !ok {
			return nil, nil
		}
		where += " AND " + cond
		args = append(args, a...)
	}
	text := s.raw["report.live"] + where + " GROUP BY COALESCE(c.holder_id, 0), COALESCE(c.department_id, 0)"
	rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind(text), args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []report.LiveCount
	for rows.Next() {
		var l report.LiveCount
		if err := rows.Scan(&l.HolderID, &l.DepartmentID, &l.Open, &l.Overdue); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, l)
	}
	return out, s.classify(rows.Err())
}

// DueBetween implements report.Store: the clock rows firing by to hold
// every running clock due in the window (its breach fires at its due
// time), found through the monitor's index.
func (s ReportStore) DueBetween(ctx context.Context, from, to time.Time, limit int, scope *complaint.Scope) ([]report.DueItem, int, error) {
	due, err := s.dueBetween(ctx, from, to)
	if err != nil {
		return nil, 0, err
	}
	if scope != nil {
		if due, err = s.dueInScope(ctx, due, scope); err != nil {
			return nil, 0, err
		}
	}
	slices.SortFunc(due, func(a, b dueItem) int {
		return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.complaintID, b.complaintID), strings.Compare(a.policy, b.policy))
	})
	total := len(due)
	due = due[:min(len(due), limit)]
	out := []report.DueItem{}
	if len(due) == 0 {
		return out, total, nil
	}
	var args []any
	seen := map[int64]bool{}
	for _, d := range due {
		if !seen[d.complaintID] {
			seen[d.complaintID] = true
			args = append(args, d.complaintID)
		}
	}
	rows, err := s.R.QueryContext(ctx, s.q("report.due.complaints")+s.Dialect.Rebind(" WHERE id IN "+inList(len(args))), args...)
	if err != nil {
		return nil, 0, s.classify(err)
	}
	defer rows.Close()
	byID := map[int64]report.DueItem{}
	for rows.Next() {
		var it report.DueItem
		if err := rows.Scan(&it.ComplaintID, &it.Number, &it.Subject, &it.HolderID); err != nil {
			return nil, 0, s.classify(err)
		}
		byID[it.ComplaintID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.classify(err)
	}
	for _, d := range due {
		it := byID[d.complaintID]
		it.ComplaintID, it.Policy, it.DueAt = d.complaintID, d.policy, d.due
		out = append(out, it)
	}
	return out, total, nil
}

// dueInScope keeps the items of complaints scope holds.
func (s ReportStore) dueInScope(ctx context.Context, due []dueItem, scope *complaint.Scope) ([]dueItem, error) {
	cond, sargs, ok := scopeClause(scope)
	if !ok || len(due) == 0 {
		return nil, nil
	}
	keep := map[int64]bool{}
	const chunk = 500
	for start := 0; start < len(due); start += chunk {
		part := due[start:min(start+chunk, len(due))]
		args := make([]any, 0, len(part)+len(sargs))
		for _, d := range part {
			args = append(args, d.complaintID)
		}
		args = append(args, sargs...)
		rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind("SELECT c.id FROM complaints c WHERE c.id IN "+inList(len(part))+" AND "+cond), args...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, s.classify(err)
			}
			keep[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.classify(err)
		}
	}
	out := due[:0]
	for _, d := range due {
		if keep[d.complaintID] {
			out = append(out, d)
		}
	}
	return out, nil
}

// Names implements report.Store.
func (s ReportStore) Names(ctx context.Context) (*report.Names, error) {
	n := &report.Names{Departments: map[int64]report.Label{}, Users: map[int64]string{}, Products: map[int64]string{},
		Categories: map[string]report.Label{}}
	rows, err := s.R.QueryContext(ctx, s.q("report.names.departments"))
	if err != nil {
		return nil, s.classify(err)
	}
	for rows.Next() {
		var id int64
		var l report.Label
		if err := rows.Scan(&id, &l.ZH, &l.EN); err != nil {
			rows.Close()
			return nil, s.classify(err)
		}
		n.Departments[id] = l
	}
	rows.Close()
	for name, m := range map[string]map[int64]string{"report.names.users": n.Users, "report.names.products": n.Products} {
		rows, err := s.R.QueryContext(ctx, s.q(name))
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, s.classify(err)
			}
			m[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.classify(err)
		}
	}
	rows, err = s.R.QueryContext(ctx, s.q("report.names.categories"))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var l report.Label
		if err := rows.Scan(&code, &l.ZH, &l.EN); err != nil {
			return nil, s.classify(err)
		}
		n.Categories[code] = l
	}
	return n, s.classify(rows.Err())
}

// Proposals implements report.Store.
func (s ReportStore) Proposals(ctx context.Context, from, to time.Time) ([]report.Proposal, error) {
	rows, err := s.R.QueryContext(ctx, s.q("report.proposals"), micros(from), micros(to))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []report.Proposal{}
	for rows.Next() {
		var p report.Proposal
		var at int64
		if err := rows.Scan(&p.ComplaintID, &p.Number, &p.Kind, &p.Description, &p.Note, &at); err != nil {
			return nil, s.classify(err)
		}
		p.VerifiedAt = fromMicros(at)
		out = append(out, p)
	}
	return out, s.classify(rows.Err())
}

// Losses implements report.Store.
func (s ReportStore) Losses(ctx context.Context, from, to time.Time, scope *complaint.Scope) ([]report.LossLine, error) {
	cond, args := "", []any{micros(from), micros(to)}
	if scope != nil {
		c, a, ok := scopeClause(scope)
		if !ok {
			return nil, nil
		}
		cond, args = " AND "+c, append(args, a...)
	}
	rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind(s.raw["report.losses"]+cond+" "+s.raw["report.losses.order"]), args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []report.LossLine
	for rows.Next() {
		var l report.LossLine
		var closed int64
		var dept, user, supplier sql.NullInt64
		if err := rows.Scan(&l.ComplaintID, &l.Number, &closed, &l.Category, &l.CategoryZH, &l.CategoryEN, &l.Resolution, &l.Amount, &l.Currency,
			&dept, &l.Department, &user, &l.Person, &supplier, &l.Supplier, &l.Share); err != nil {
			return nil, s.classify(err)
		}
		l.ClosedAt = fromMicros(closed)
		l.DeptID, l.PersonID, l.SupplierID = dept.Int64, user.Int64, supplier.Int64
		out = append(out, l)
	}
	return out, s.classify(rows.Err())
}
