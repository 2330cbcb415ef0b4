package sqlstore

import (
	"context"
	"database/sql"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// UseAuditKey makes db key the audit chain with key (nil: no key). The
// first use keys the chain from the next entry on: it records that entry
// in the chain head, appends an audit.keyed entry (itself keyed) and
// writes "from = N" into the key file. A chain already keyed must be
// opened with the key whose file names the same entry; a keyed chain
// without a key is refused, so no server writes plain entries after keyed
// ones.
func (db *DB) UseAuditKey(ctx context.Context, key *audit.Key) error {
	var last, from int64
	if key == nil {
		if err := db.R.QueryRowContext(ctx, db.q("audit.head.keyed")).Scan(&last, &from); err != nil {
			return db.classify(err)
		}
		if from > 0 {
			return apperr.New(apperr.Forbidden, "the audit chain is keyed from entry %d: set audit-key-file to its key file", from)
		}
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, db.q("audit.head.keyed")).Scan(&last, &from); err != nil {
			return err
		}
		if from > 0 {
			return nil
		}
		if key.From > 0 {
			return apperr.New(apperr.Conflict, "the key file %s says the chain is keyed from entry %d, the database's chain is not keyed: "+
				"the database was changed, or the key file belongs to another database", key.Path, key.From)
		}
		from = last + 1
		if _, err := tx.ExecContext(ctx, db.q("audit.keyed_from.set"), from); err != nil {
			return err
		}
		e := &audit.Entry{At: db.Now(), Actor: audit.System, Action: "audit.keyed", Object: "audit",
			Detail: mustJSON(map[string]any{"from": from})}
		return db.Dialect.AppendAudit(ctx, tx, key, e)
	})
	if err != nil {
		return db.classify(err)
	}
	switch {
	case key.From == 0 && from == last+1:
		if err := key.Record(from); err != nil {
			return err
		}
	case key.From == 0:
		return apperr.New(apperr.Conflict, "the audit chain is keyed from entry %d and the key file %s has no from line: "+
			"if this is its key, add \"from = %d\" to the file", from, key.Path, from)
	case key.From != from:
		return apperr.New(apperr.Conflict, "the key file %s says the chain is keyed from entry %d, the database says %d: "+
			"the database was changed, or the key file belongs to another database", key.Path, key.From, from)
	}
	db.AuditKey = key
	return nil
}
