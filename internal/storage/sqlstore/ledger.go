package sqlstore

import (
	"context"
	"database/sql"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/incident"
)

// Post implements incident.LedgerStore. Touching the customer row first
// serialises postings to one account on every engine, so two charges
// cannot both spend the last of an allowance.
func (s IncidentStore) Post(ctx context.Context, customerID int64, entries []incident.Entry, check func(string, incident.Balance) error, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.postTx(ctx, tx, customerID, entries, check, actor) })
}

// postTx is Post within tx (a case change that charges a dealer's
// allowance posts in the case's transaction).
func (s IncidentStore) postTx(ctx context.Context, tx *sql.Tx, customerID int64, entries []incident.Entry, check func(string, incident.Balance) error, actor audit.Actor) error {
	{
		res, err := tx.ExecContext(ctx, s.q("ledger.lock"), customerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &apperr.Error{Code: apperr.NotFound, Message: "customer not found",
				Fields: []apperr.FieldError{{Field: "customer_id", Rule: "not_found"}}}
		}
		var class string
		if err := tx.QueryRowContext(ctx, s.q("ledger.class"), customerID).Scan(&class); err != nil {
			return err
		}
		var b incident.Balance
		rows, err := tx.QueryContext(ctx, s.q("ledger.sums"), customerID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind string
			var sum int64
			if err := rows.Scan(&kind, &sum); err != nil {
				rows.Close()
				return err
			}
			b.Add(kind, sum)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := check(class, b); err != nil {
			return err
		}
		for i := range entries {
			e := &entries[i]
			e.CustomerID = customerID
			if err := tx.QueryRowContext(ctx, s.q("ledger.insert"), customerID, e.Kind, e.Amount, nullInt(e.ComplaintID), e.Note,
				nullInt(e.ByUserID), micros(e.At)).Scan(&e.ID); err != nil {
				return CaseStore{s.DB}.refError(err, "complaint_id")
			}
			b.Add(e.Kind, e.Amount)
			if err := s.audit(ctx, tx, actor, "ledger."+e.Kind, obj("customer", customerID), map[string]any{"entry_id": e.ID,
				"amount": e.Amount, "complaint_id": e.ComplaintID, "balance": b.Amount()}); err != nil {
				return err
			}
		}
		return nil
	}
}

// Entries implements incident.LedgerStore.
func (s IncidentStore) Entries(ctx context.Context, customerID int64) ([]incident.Entry, error) {
	return list(ctx, s.DB, s.q("ledger.list"), []any{customerID}, func(r scanner) (*incident.Entry, error) {
		var e incident.Entry
		var c, by sql.NullInt64
		var at int64
		err := r.Scan(&e.ID, &e.CustomerID, &e.Kind, &e.Amount, &c, &e.Note, &by, &at)
		e.ComplaintID, e.ByUserID, e.At = intPtr(c), intPtr(by), fromMicros(at)
		return &e, err
	})
}
