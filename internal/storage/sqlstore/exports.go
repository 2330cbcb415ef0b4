package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/export"
	"kesu/internal/jobs"
)

// ExportStore implements export.Store.
type ExportStore struct{ *DB }

var _ export.Store = ExportStore{}

// Exports returns the export table.
func (db *DB) Exports() ExportStore { return ExportStore{db} }

func exportObject(id int64) string { return "export:" + strconv.FormatInt(id, 10) }

// Create implements export.Store: the row, its job and the audit entry
// commit together.
func (s ExportStore) Create(ctx context.Context, e *export.Export, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("export.insert"), e.Kind, e.Format, string(e.Filter), e.Personal, e.Lang,
			e.RequestedBy, micros(e.CreatedAt), micros(e.ExpiresAt)).Scan(&e.ID); err != nil {
			return fmt.Errorf("insert export: %w", err)
		}
		j := &jobs.Job{Kind: export.JobKind, Key: exportObject(e.ID), Payload: jobs.Payload(e.ID), MaxAttempts: 3}
		if err := s.enqueueTx(ctx, tx, j); err != nil {
			return fmt.Errorf("enqueue export: %w", err)
		}
		return s.audit(ctx, tx, actor, "export.request", exportObject(e.ID), map[string]any{
			"kind": e.Kind, "format": e.Format, "filter": e.Filter, "personal": e.Personal})
	})
}

func scanExport(r scanner) (*export.Export, error) {
	var e export.Export
	var filter string
	var created, expires int64
	var finished sql.NullInt64
	if err := r.Scan(&e.ID, &e.Kind, &e.Format, &filter, &e.Personal, &e.Lang, &e.Status, &e.Rows, &e.Total, &e.File, &e.Size,
		&e.Error, &e.RequestedBy, &e.RequestedName, &created, &finished, &expires); err != nil {
		return nil, err
	}
	if filter != "" {
		e.Filter = []byte(filter)
	}
	e.CreatedAt, e.ExpiresAt, e.FinishedAt = fromMicros(created), fromMicros(expires), timePtr(finished)
	return &e, nil
}

// Get implements export.Store.
func (s ExportStore) Get(ctx context.Context, id int64) (*export.Export, error) {
	e, err := scanExport(s.R.QueryRowContext(ctx, s.q("export.select")+" WHERE e.id = "+s.Dialect.Rebind("?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return e, nil
}

func (s ExportStore) list(ctx context.Context, tail string, args ...any) ([]export.Export, error) {
	rows, err := s.R.QueryContext(ctx, s.q("export.select")+" "+s.Dialect.Rebind(tail), args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []export.Export{}
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, *e)
	}
	return out, s.classify(rows.Err())
}

// List implements export.Store.
func (s ExportStore) List(ctx context.Context, userID int64, limit int) ([]export.Export, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.list(ctx, "WHERE e.requested_by = ? ORDER BY e.id DESC LIMIT ?", userID, limit)
}

// exec runs a one-row update; no row means the export is not in a state
// that allows it.
func (s ExportStore) exec(ctx context.Context, name string, id int64, args ...any) error {
	res, err := s.W.ExecContext(ctx, s.q(name), args...)
	if err != nil {
		return s.classify(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "export %d cannot be changed now", id)
	}
	return nil
}

// Start implements export.Store.
func (s ExportStore) Start(ctx context.Context, id, total int64) error {
	return s.exec(ctx, "export.start", id, total, id)
}

// Progress implements export.Store.
func (s ExportStore) Progress(ctx context.Context, id, rows int64) error {
	return s.exec(ctx, "export.progress", id, rows, id)
}

// Finish implements export.Store and audits the rows exported.
func (s ExportStore) Finish(ctx context.Context, id int64, file string, size, rows int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("export.finish"), file, size, rows, micros(s.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "export %d is not running", id)
		}
		return s.audit(ctx, tx, audit.System, "export.done", exportObject(id), map[string]any{"rows": rows, "size": size, "sha256": file})
	})
}

// Fail implements export.Store.
func (s ExportStore) Fail(ctx context.Context, id int64, msg string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("export.fail"), msg, micros(s.Now()), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.System, "export.failed", exportObject(id), map[string]any{"error": msg})
	})
}

// Expired implements export.Store.
func (s ExportStore) Expired(ctx context.Context, now time.Time) ([]export.Export, error) {
	return s.list(ctx, s.raw["export.expired"], micros(now))
}

// Forget implements export.Store.
func (s ExportStore) Forget(ctx context.Context, id int64) (bool, error) {
	var shared bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var file string
		if err := tx.QueryRowContext(ctx, s.Dialect.Rebind("SELECT file FROM exports WHERE id = ?"), id).Scan(&file); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("export.forget"), id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("export.shared"), file).Scan(&n); err != nil {
			return err
		}
		shared = n > 0
		return nil
	})
	return shared, err
}
