package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/money"
)

// Return implements casework.Store.
func (s CaseStore) Return(ctx context.Context, complaintID int64) (*money.ReturnSlip, error) {
	var n money.ReturnSlip
	var approvedBy, received, booked, receivedBy, receivedAt sql.NullInt64
	var updated int64
	err := s.R.QueryRowContext(ctx, s.q("returns.select"), complaintID).Scan(&n.ComplaintID, &n.Number, &n.Reason, &n.Handling,
		&n.ApprovedQty, &approvedBy, &n.Tolerance, &received, &booked, &receivedBy, &receivedAt, &n.Signer, &n.Status, &n.Version, &updated)
	if err != nil {
		return nil, s.classify(err)
	}
	n.ApprovedBy, n.ReceivedQty, n.BookedQty, n.ReceivedBy, n.ReceivedAt = intPtr(approvedBy), intPtr(received), intPtr(booked),
		intPtr(receivedBy), timePtr(receivedAt)
	n.UpdatedAt = fromMicros(updated)
	n.Steps, err = list(ctx, s.DB, s.q("returns.steps"), []any{complaintID}, func(r scanner) (*money.ReturnStep, error) {
		var x money.ReturnStep
		var by sql.NullInt64
		var at int64
		err := r.Scan(&x.Step, &x.Note, &by, &at)
		x.ByUserID, x.At = intPtr(by), fromMicros(at)
		return &x, err
	})
	if err != nil {
		return nil, err
	}
	if n.Steps == nil {
		n.Steps = []money.ReturnStep{}
	}
	return &n, nil
}

// ReturnTolerance implements casework.Store: the over-quantity tolerance
// of the complaint's customer in basis points; ok is false when the
// customer names none.
func (s CaseStore) ReturnTolerance(ctx context.Context, complaintID int64) (bp int64, ok bool, err error) {
	var n sql.NullInt64
	err = s.R.QueryRowContext(ctx, s.q("returns.tolerance"), complaintID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, s.classify(err)
	}
	return n.Int64, n.Valid, nil
}

// CustomerTolerance returns a customer's over-quantity tolerance in basis
// points, or nil when it names none.
func (s CaseStore) CustomerTolerance(ctx context.Context, customerID int64) (*int64, error) {
	var n sql.NullInt64
	var updated int64
	err := s.R.QueryRowContext(ctx, s.q("returns.terms.select"), customerID).Scan(&n, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.classify(err)
	}
	return intPtr(n), nil
}

// SetCustomerTolerance records a customer's over-quantity tolerance (nil:
// the company default), audited as customer.tolerance.
func (s CaseStore) SetCustomerTolerance(ctx context.Context, customerID int64, bp *int64, actor audit.Actor) error {
	if bp != nil && (*bp < 0 || *bp > 10000) {
		return &apperr.Error{Code: apperr.Invalid, Message: "tolerance out of range",
			Fields: []apperr.FieldError{{Field: "tolerance", Rule: "out_of_range", Param: "0-100"}}}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("returns.terms.upsert"), customerID, nullInt(bp), micros(s.Now())); err != nil {
			return s.refError(fmt.Errorf("customer terms: %w", err), "customer_id")
		}
		return s.audit(ctx, tx, actor, "customer.tolerance", obj("customer", customerID), map[string]any{"tolerance_bp": bp})
	})
}

// writeReturn stores a return slip and its steps in the case's
// transaction.
func (s CaseStore) writeReturn(ctx context.Context, tx *sql.Tx, complaintID int64, n *money.ReturnSlip) error {
	if n == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.q("returns.upsert"), complaintID, n.Number, n.Reason, n.Handling, n.ApprovedQty,
		nullInt(n.ApprovedBy), n.Tolerance, nullInt(n.ReceivedQty), nullInt(n.BookedQty), nullInt(n.ReceivedBy),
		nullMicros(n.ReceivedAt), n.Signer, n.Status, micros(n.UpdatedAt)); err != nil {
		return fmt.Errorf("return slip: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("returns.steps.delete"), complaintID); err != nil {
		return fmt.Errorf("return steps: %w", err)
	}
	for i, st := range n.Steps {
		if _, err := tx.ExecContext(ctx, s.q("returns.step.insert"), complaintID, i+1, st.Step, st.Note, nullInt(st.ByUserID),
			micros(st.At)); err != nil {
			return fmt.Errorf("return step: %w", err)
		}
	}
	return nil
}
