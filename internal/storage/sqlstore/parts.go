package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kesu/internal/audit"
	"kesu/internal/incident"
	"kesu/internal/money"
)

// PartsCustomer implements casework.Store.
func (s CaseStore) PartsCustomer(ctx context.Context, complaintID int64) (*int64, string, error) {
	var id sql.NullInt64
	var class string
	if err := s.R.QueryRowContext(ctx, s.q("parts.customer"), complaintID).Scan(&id, &class); err != nil {
		return nil, "", s.classify(err)
	}
	return intPtr(id), class, nil
}

// Parts implements casework.Store.
func (s CaseStore) Parts(ctx context.Context, complaintID int64) ([]money.PartShipment, error) {
	out, err := list(ctx, s.DB, s.q("parts.list"), []any{complaintID}, func(r scanner) (*money.PartShipment, error) {
		var p money.PartShipment
		var cust, entry, by sql.NullInt64
		var at int64
		err := r.Scan(&p.ID, &p.ComplaintID, &p.Part, &p.Qty, &p.UnitPrice, &p.Amount, &p.Basis, &p.InWarranty, &cust, &entry, &p.Note, &by, &at)
		p.CustomerID, p.LedgerEntry, p.ByUserID, p.At = intPtr(cust), intPtr(entry), intPtr(by), fromMicros(at)
		return &p, err
	})
	if out == nil {
		out = []money.PartShipment{}
	}
	return out, err
}

// writeParts stores a shipment in the case's transaction; one charged to a
// dealer's allowance posts the charge to its account first, refused when
// the allowance with payments and approved credit does not cover it.
func (s CaseStore) writeParts(ctx context.Context, tx *sql.Tx, complaintID int64, p *money.PartShipment, actor audit.Actor) error {
	if p == nil {
		return nil
	}
	p.ComplaintID = complaintID
	if p.Basis == money.PartsAllowance && p.CustomerID != nil {
		e := []incident.Entry{{Kind: incident.EntryCharge, Amount: p.Amount, ComplaintID: &complaintID, Note: p.Part, ByUserID: p.ByUserID, At: p.At}}
		if err := (IncidentStore{s.DB}).postTx(ctx, tx, *p.CustomerID, e, func(_ string, b incident.Balance) error {
			return incident.CheckCharge(b, p.Amount)
		}, actor); err != nil {
			return err
		}
		p.LedgerEntry = &e[0].ID
	}
	if err := tx.QueryRowContext(ctx, s.q("parts.insert"), complaintID, p.Part, p.Qty, p.UnitPrice, p.Amount, p.Basis, p.InWarranty,
		nullInt(p.CustomerID), nullInt(p.LedgerEntry), p.Note, nullInt(p.ByUserID), micros(p.At)).Scan(&p.ID); err != nil {
		return fmt.Errorf("part shipment: %w", err)
	}
	return nil
}

// AllowanceRate returns a dealer's own after-sales allowance rate in basis
// points, or nil for the company default.
func (s IncidentStore) AllowanceRate(ctx context.Context, customerID int64) (*int64, error) {
	var n sql.NullInt64
	err := s.R.QueryRowContext(ctx, s.q("terms.allowance.select"), customerID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.classify(err)
	}
	return intPtr(n), nil
}

// SetAllowanceRate records a dealer's allowance rate (nil: the company
// default), audited as ledger.rate.
func (s IncidentStore) SetAllowanceRate(ctx context.Context, customerID int64, bp *int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("terms.allowance.upsert"), customerID, nullInt(bp), micros(s.Now())); err != nil {
			return CaseStore{s.DB}.refError(fmt.Errorf("customer terms: %w", err), "customer_id")
		}
		return s.audit(ctx, tx, actor, "ledger.rate", obj("customer", customerID), map[string]any{"allowance_bp": bp})
	})
}
