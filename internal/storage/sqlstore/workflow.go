package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kesu/internal/audit"
	"kesu/internal/casework"
)

// WorkflowStore implements casework.DefinitionStore: the workflow
// definitions administrators uploaded, every version kept.
type WorkflowStore struct{ *DB }

var _ casework.DefinitionStore = WorkflowStore{}

// Workflows returns the workflow definition store.
func (db *DB) Workflows() WorkflowStore { return WorkflowStore{db} }

// Version implements casework.DefinitionStore.
func (s WorkflowStore) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.R.QueryRowContext(ctx, s.q("workflow.version")).Scan(&v); err != nil {
		return 0, fmt.Errorf("workflow definitions version: %w", s.classify(err))
	}
	return v, nil
}

// List implements casework.DefinitionStore. The version is read first: an
// upload committed in between gives a newer list with an older version,
// which the next refresh reloads, never the reverse.
func (s WorkflowStore) List(ctx context.Context) ([]casework.DefinitionVersion, int64, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, 0, err
	}
	ds, err := list(ctx, s.DB, s.q("workflow.list"), nil, scanDefinition)
	return ds, v, err
}

func scanDefinition(r scanner) (*casework.DefinitionVersion, error) {
	var d casework.DefinitionVersion
	var body string
	var by sql.NullInt64
	var at int64
	if err := r.Scan(&d.Profile, &d.Version, &body, &d.Hash, &d.Note, &by, &d.By.Name, &at); err != nil {
		return nil, err
	}
	d.Body, d.By.UserID, d.At = []byte(body), by.Int64, fromMicros(at)
	return &d, nil
}

// Add implements casework.DefinitionStore. Moving the version first locks
// the state row, which serialises uploads across servers on PostgreSQL; an
// upload that changes nothing rolls back.
func (s WorkflowStore) Add(ctx context.Context, d casework.DefinitionVersion, base string, actor audit.Actor) (casework.DefinitionVersion, bool, error) {
	errSame := errors.New("same as the newest version")
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("workflow.bump")); err != nil {
			return err
		}
		newest, err := scanDefinition(tx.QueryRowContext(ctx, s.q("workflow.newest"), d.Profile))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if d.Hash == base {
				d.Version = 0
				return errSame
			}
			d.Version = 1
		case err != nil:
			return err
		case newest.Hash == d.Hash:
			d.Version = newest.Version
			return errSame
		default:
			d.Version = newest.Version + 1
		}
		d.By, d.At = actor, s.Now()
		var by sql.NullInt64
		if actor.UserID != 0 {
			by = sql.NullInt64{Int64: actor.UserID, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, s.q("workflow.insert"), d.Profile, d.Version, string(d.Body), d.Hash, d.Note,
			by, actor.Name, micros(d.At)); err != nil {
			return err
		}
		detail := map[string]any{"profile": d.Profile, "version": d.Version, "hash": d.Hash}
		if d.Note != "" {
			detail["note"] = d.Note
		}
		return s.audit(ctx, tx, actor, "workflow.import", fmt.Sprintf("workflow:%s:%d", d.Profile, d.Version), detail)
	})
	if errors.Is(err, errSame) {
		return casework.DefinitionVersion{Profile: d.Profile, Version: d.Version}, false, nil
	}
	if err != nil {
		return casework.DefinitionVersion{}, false, err
	}
	return d, true, nil
}
