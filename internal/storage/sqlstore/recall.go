package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/jobs"
	"kesu/internal/recall"
)

// RecallStore implements recall.Store.
type RecallStore struct{ *DB }

var _ recall.Store = RecallStore{}

// Recalls returns the recall store.
func (db *DB) Recalls() RecallStore { return RecallStore{db} }

// CreateRecall implements recall.Store.
func (s RecallStore) CreateRecall(ctx context.Context, r *recall.Recall, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("recall.insert"), r.Title, r.SourceKind, r.SourceID, r.ProductID, strings.Join(r.Lots, "\n"),
			nullDate(r.ProducedFrom), nullDate(r.ProducedTo), r.Reason, r.Packaging, r.HowToReturn, r.Status, micros(r.OpenedAt), r.OpenedBy).Scan(&r.ID)
		if err != nil {
			if apperr.Is(s.classify(err), apperr.Invalid) {
				return &apperr.Error{Code: apperr.Invalid, Message: "no such product", Err: err,
					Fields: []apperr.FieldError{{Field: "product_id", Rule: "not_found"}}}
			}
			return err
		}
		r.Version = 1
		return s.audit(ctx, tx, actor, "recall.create", obj("recall", r.ID),
			map[string]any{"product_id": r.ProductID, "lots": r.Lots, "source": r.SourceKind, "source_id": r.SourceID})
	})
}

func scanRecall(row scanner) (*recall.Recall, error) {
	var r recall.Recall
	var lots string
	var from, to sql.NullString
	var opened int64
	var closed sql.NullInt64
	if err := row.Scan(&r.ID, &r.Title, &r.SourceKind, &r.SourceID, &r.ProductID, &r.ProductCode, &r.ProductName, &r.Spec, &lots, &from, &to,
		&r.Reason, &r.Packaging, &r.HowToReturn, &r.Status, &opened, &r.OpenedBy, &r.Quarantined, &closed, &r.Version,
		&r.Shipped, &r.Accounted); err != nil {
		return nil, err
	}
	r.Lots = strings.Split(lots, "\n")
	r.ProducedFrom, r.ProducedTo = datePtr(from), datePtr(to)
	r.OpenedAt, r.ClosedAt = fromMicros(opened), timePtr(closed)
	return &r, nil
}

// Recall implements recall.Store.
func (s RecallStore) Recall(ctx context.Context, id int64) (*recall.Recall, error) {
	r, err := scanRecall(s.R.QueryRowContext(ctx, s.q("recall.get"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	files, err := s.Files(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range files {
		if files[i].Kind == recall.FileTestReport {
			r.TestReport = &files[i]
		}
	}
	return r, nil
}

// Recalls implements recall.Store.
func (s RecallStore) Recalls(ctx context.Context, status string, limit int) ([]recall.Recall, error) {
	rows, err := s.R.QueryContext(ctx, s.q("recall.list"), status, status, limit)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []recall.Recall{}
	for rows.Next() {
		r, err := scanRecall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func scanTask(row scanner) (*recall.Task, error) {
	var t recall.Task
	var shippedOn sql.NullString
	var notified, answered sql.NullInt64
	if err := row.Scan(&t.ID, &t.RecallID, &t.CustomerID, &t.Customer, &t.Email, &t.Lot, &shippedOn, &t.Shipped, &t.Recalled, &t.InStock,
		&t.Isolated, &t.Destroyed, &notified, &answered, &t.AnsweredBy, &t.Reminders, &t.Token, &t.Version); err != nil {
		return nil, err
	}
	t.ShippedOn, t.NotifiedAt, t.AnsweredAt = datePtr(shippedOn), timePtr(notified), timePtr(answered)
	return &t, nil
}

// Tasks implements recall.Store.
func (s RecallStore) Tasks(ctx context.Context, recallID int64) ([]recall.Task, error) {
	return s.tasks(ctx, s.R, recallID)
}

func (s RecallStore) tasks(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, recallID int64) ([]recall.Task, error) {
	rows, err := q.QueryContext(ctx, s.q("recall.task.list"), recallID)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []recall.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// Task implements recall.Store.
func (s RecallStore) Task(ctx context.Context, id int64) (*recall.Task, error) {
	t, err := scanTask(s.R.QueryRowContext(ctx, s.q("recall.task.get"), id))
	return t, s.classify(err)
}

// TaskByToken implements recall.Store.
func (s RecallStore) TaskByToken(ctx context.Context, token string) (*recall.Task, error) {
	if token == "" {
		return nil, apperr.New(apperr.NotFound, "no such task")
	}
	t, err := scanTask(s.R.QueryRowContext(ctx, s.q("recall.task.by_token"), token))
	return t, s.classify(err)
}

// open takes the recall's lock in tx and refuses a closed recall.
func (s RecallStore) open(ctx context.Context, tx *sql.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, s.q("recall.bump"), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var status string
	if err := tx.QueryRowContext(ctx, s.q("recall.status"), id).Scan(&status); err != nil {
		return s.classify(err)
	}
	return &apperr.Error{Code: apperr.Conflict, Message: "the recall is closed",
		Fields: []apperr.FieldError{{Field: "status", Rule: "rec_closed"}}}
}

func newToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ImportShipments implements recall.Store.
func (s RecallStore) ImportShipments(ctx context.Context, recallID int64, rows []recall.Shipment,
	jobsOf func(*recall.Recall, *recall.Task) []*jobs.Job, actor audit.Actor) ([]recall.Task, error) {
	r, err := s.Recall(ctx, recallID)
	if err != nil {
		return nil, err
	}
	var out []recall.Task
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.open(ctx, tx, recallID); err != nil {
			return err
		}
		var v apperr.Validation
		ids := make([]int64, len(rows))
		for i, sh := range rows {
			f := fmt.Sprintf("rows[%d].", i)
			if err := tx.QueryRowContext(ctx, s.q("recall.customer.by_code"), sh.Customer).Scan(&ids[i]); err != nil {
				if err == sql.ErrNoRows {
					v.Add(f+"customer", "not_found", sh.Customer)
					continue
				}
				return err
			}
			if !containsLot(r.Lots, sh.Lot) {
				v.Add(f+"lot", "rec_lot_outside", strings.Join(r.Lots, ","))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.Now()
		var js []*jobs.Job
		for i, sh := range rows {
			var id int64
			err := tx.QueryRowContext(ctx, s.q("recall.task.find"), recallID, ids[i], sh.Lot).Scan(&id)
			switch {
			case err == sql.ErrNoRows:
				if err := tx.QueryRowContext(ctx, s.q("recall.task.insert"), recallID, ids[i], sh.Lot, nullDate(sh.ShippedOn), sh.Quantity,
					micros(now), newToken()).Scan(&id); err != nil {
					return err
				}
				t, err := scanTask(tx.QueryRowContext(ctx, s.q("recall.task.get"), id))
				if err != nil {
					return err
				}
				js = append(js, jobsOf(r, t)...)
			case err != nil:
				return err
			default:
				if _, err := tx.ExecContext(ctx, s.q("recall.task.add"), sh.Quantity, id); err != nil {
					return err
				}
			}
		}
		if err := s.enqueueTx(ctx, tx, js...); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "recall.shipments", obj("recall", recallID), map[string]any{"rows": len(rows)}); err != nil {
			return err
		}
		out, err = s.tasks(ctx, tx, recallID)
		return err
	})
	return out, err
}

func containsLot(lots []string, l string) bool {
	for _, x := range lots {
		if x == l {
			return true
		}
	}
	return false
}

// Answer implements recall.Store.
func (s RecallStore) Answer(ctx context.Context, taskID int64, a recall.Answer, by string, actor audit.Actor) (*recall.Task, error) {
	var t *recall.Task
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanTask(tx.QueryRowContext(ctx, s.q("recall.task.get"), taskID))
		if err != nil {
			return err
		}
		if err := s.open(ctx, tx, cur.RecallID); err != nil {
			return err
		}
		if err := a.Validate(cur.Shipped); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("recall.task.answer"), a.Recalled, a.InStock, a.Isolated, a.Destroyed, micros(s.Now()), by, taskID); err != nil {
			return err
		}
		if t, err = scanTask(tx.QueryRowContext(ctx, s.q("recall.task.get"), taskID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "recall.answer", obj("recall_task", taskID), map[string]any{"recall_id": cur.RecallID, "by": by,
			"recalled": a.Recalled, "in_stock": a.InStock, "isolated": a.Isolated, "destroyed": a.Destroyed})
	})
	return t, err
}

// MarkQuarantined implements recall.Store.
func (s RecallStore) MarkQuarantined(ctx context.Context, recallID int64, actor audit.Actor) (*recall.Recall, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.open(ctx, tx, recallID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("recall.quarantined"), true, recallID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "recall.quarantine", obj("recall", recallID), nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Recall(ctx, recallID)
}

// AddFile implements recall.Store.
func (s RecallStore) AddFile(ctx context.Context, recallID int64, f *recall.File, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.open(ctx, tx, recallID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("recall.file.insert"), recallID, f.Kind, f.Name, f.ContentType, f.Size, f.Data, micros(f.At)).Scan(&f.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "recall.file", obj("recall", recallID), map[string]any{"kind": f.Kind, "name": f.Name, "size": f.Size})
	})
}

// File implements recall.Store.
func (s RecallStore) File(ctx context.Context, id int64) (*recall.File, error) {
	var f recall.File
	var at int64
	if err := s.R.QueryRowContext(ctx, s.q("recall.file.get"), id).Scan(&f.ID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &at, &f.Data); err != nil {
		return nil, s.classify(err)
	}
	f.At = fromMicros(at)
	return &f, nil
}

// Files implements recall.Store: without their contents.
func (s RecallStore) Files(ctx context.Context, recallID int64) ([]recall.File, error) {
	rows, err := s.R.QueryContext(ctx, s.q("recall.file.list"), recallID)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []recall.File
	for rows.Next() {
		var f recall.File
		var at int64
		if err := rows.Scan(&f.ID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &at); err != nil {
			return nil, err
		}
		f.At = fromMicros(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// AddDisposal implements recall.Store.
func (s RecallStore) AddDisposal(ctx context.Context, d *recall.Disposal, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.open(ctx, tx, d.RecallID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("recall.disposal.insert"), d.RecallID, micros(d.At), d.Method, d.Quantity, d.Note, d.By).Scan(&d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "recall.disposal", obj("recall", d.RecallID), map[string]any{"method": d.Method, "quantity": d.Quantity})
	})
}

// Disposals implements recall.Store.
func (s RecallStore) Disposals(ctx context.Context, recallID int64) ([]recall.Disposal, error) {
	rows, err := s.R.QueryContext(ctx, s.q("recall.disposal.list"), recallID)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []recall.Disposal{}
	for rows.Next() {
		var d recall.Disposal
		var at int64
		if err := rows.Scan(&d.ID, &d.RecallID, &at, &d.Method, &d.Quantity, &d.Note, &d.By); err != nil {
			return nil, err
		}
		d.At = fromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Close implements recall.Store.
func (s RecallStore) Close(ctx context.Context, recallID int64, actor audit.Actor) (*recall.Recall, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.open(ctx, tx, recallID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("recall.file.reports"), recallID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &apperr.Error{Code: apperr.Invalid, Message: "the producing site's test report is needed to close the recall",
				Fields: []apperr.FieldError{{Field: "test_report", Rule: "required"}}}
		}
		if _, err := tx.ExecContext(ctx, s.q("recall.close"), micros(s.Now()), recallID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "recall.close", obj("recall", recallID), nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Recall(ctx, recallID)
}

// Remind implements recall.Store.
func (s RecallStore) Remind(ctx context.Context, taskID int64, n int, mail func(*recall.Recall, *recall.Task) *jobs.Job) (bool, error) {
	t, err := s.Task(ctx, taskID)
	if err != nil {
		return false, err
	}
	r, err := s.Recall(ctx, t.RecallID)
	if err != nil {
		return false, err
	}
	if r.Status != recall.StatusOpen {
		return false, nil
	}
	sent := false
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("recall.task.remind"), n, taskID, n)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil
		}
		sent = true
		if j := mail(r, t); j != nil {
			if err := s.enqueueTx(ctx, tx, j); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, audit.System, "recall.remind", obj("recall_task", taskID), map[string]any{"n": n})
	})
	return sent, err
}
