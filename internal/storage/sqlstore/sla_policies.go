package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"kesu/internal/sla"
)

// PolicyStore implements sla.PolicyStore: the saved versions of the
// time-limit policies in sla_policy_versions.
type PolicyStore struct{ *DB }

var _ sla.PolicyStore = PolicyStore{}

// Policies returns the policy version store.
func (db *DB) Policies() PolicyStore { return PolicyStore{db} }

// LatestPolicyVersion implements sla.PolicyStore.
func (s PolicyStore) LatestPolicyVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.R.QueryRowContext(ctx, s.q("sla.policies.latest")).Scan(&v); err != nil {
		return 0, fmt.Errorf("policy version: %w", s.classify(err))
	}
	return v, nil
}

// PolicyVersions implements sla.PolicyStore.
func (s PolicyStore) PolicyVersions(ctx context.Context, after int) ([]sla.StoredPolicies, error) {
	return list(ctx, s.DB, s.q("sla.policies.after"), []any{after}, func(r scanner) (*sla.StoredPolicies, error) {
		var p sla.StoredPolicies
		var data string
		var by sql.NullInt64
		var at int64
		err := r.Scan(&p.Version, &data, &p.Note, &by, &p.By.Name, &at)
		p.JSON, p.By.UserID, p.At = []byte(data), by.Int64, fromMicros(at)
		return &p, err
	})
}

// AddPolicies implements sla.PolicyStore; the version is the primary key,
// so of two saves of the same version the second is a conflict.
func (s PolicyStore) AddPolicies(ctx context.Context, p sla.StoredPolicies, detail map[string]any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var by sql.NullInt64
		if p.By.UserID != 0 {
			by = sql.NullInt64{Int64: p.By.UserID, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, s.q("sla.policies.insert"), p.Version, string(p.JSON), p.Note, by, p.By.Name, micros(p.At)); err != nil {
			return fieldConflict(s.classify(err), "version")
		}
		return s.audit(ctx, tx, p.By, "sla.policies", "sla_policies:"+strconv.Itoa(p.Version), detail)
	})
}

// seedPolicies stores the shipped policies as version 1 when no version
// is stored.
func (db *DB) seedPolicies(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, db.q("sla.policies.seed"), string(sla.ShippedPolicies()), "shipped policies.json", "system", micros(db.Now()))
	return err
}
