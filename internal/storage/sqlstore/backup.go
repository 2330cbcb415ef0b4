package sqlstore

import "context"

// Holdings is what a database holds, as a restore reports it.
type Holdings struct {
	Complaints, Attachments, AuditEntries int64
}

// Holdings counts the complaints, attachments and audit entries.
func (db *DB) Holdings(ctx context.Context) (Holdings, error) {
	var h Holdings
	err := db.R.QueryRowContext(ctx, db.q("backup.counts")).Scan(&h.Complaints, &h.Attachments, &h.AuditEntries)
	return h, db.classify(err)
}
