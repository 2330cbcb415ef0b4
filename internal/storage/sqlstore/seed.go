package sqlstore

import (
	"context"
	"database/sql"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/org"
)

// Complaints returns the complaint store.
func (db *DB) Complaints() ComplaintStore { return ComplaintStore{db} }

// Registers returns the customer, product and organisation store.
func (db *DB) Registers() RegisterStore { return RegisterStore{db} }

// Auth returns the credential and session store.
func (db *DB) Auth() AuthStore { return AuthStore{db} }

// Audit returns the audit log store.
func (db *DB) Audit() AuditStore { return AuditStore{db} }

// Seed installs the default taxonomy and, on an empty database, the default
// departments. It is safe to run at every start.
func (db *DB) Seed(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range complaint.DefaultCategories {
			if _, err := tx.ExecContext(ctx, db.q("category.upsert"), c.Code, c.Parent, c.ZH, c.EN, c.Quality, c.Sort); err != nil {
				return err
			}
		}
		return db.seedPolicies(ctx, tx)
	})
	if err != nil {
		return err
	}
	depts, err := db.Registers().ListDepartments(ctx)
	if err != nil || len(depts) > 0 {
		return err
	}
	for _, d := range org.DefaultDepartments {
		d := d
		if err := db.Registers().CreateDepartment(ctx, &d, audit.System); err != nil {
			return err
		}
	}
	return nil
}

// Setting returns a stored setting, or "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.R.QueryRowContext(ctx, db.q("setting.get"), key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, db.classify(err)
}

// PutSetting stores a setting.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q("setting.put"), key, value)
		return err
	})
}
