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

// ReceivableStore implements money.InvoiceStore: receivables, their
// collections and the collection-bonus report's reads.
type ReceivableStore struct{ *DB }

var _ money.InvoiceStore = ReceivableStore{}

// Receivables returns the receivable store.
func (db *DB) Receivables() ReceivableStore { return ReceivableStore{db} }

// AddInvoices implements money.InvoiceStore.
func (s ReceivableStore) AddInvoices(ctx context.Context, xs []money.Invoice, actor audit.Actor) (int, error) {
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		added = 0
		var v apperr.Validation
		for i := range xs {
			x := &xs[i]
			f := func(name string) string { return fmt.Sprintf("rows[%d].%s", i, name) }
			if x.CustomerID == nil && x.CustomerCode != "" {
				var id int64
				if err := tx.QueryRowContext(ctx, s.q("money.receivable.customer"), x.CustomerCode).Scan(&id); errors.Is(err, sql.ErrNoRows) {
					v.Add(f("customer"), "not_found", "")
					continue
				} else if err != nil {
					return err
				}
				x.CustomerID = &id
			}
			if x.SalespersonID == 0 {
				if err := tx.QueryRowContext(ctx, s.q("money.receivable.user"), x.SalespersonUsername).Scan(&x.SalespersonID); errors.Is(err, sql.ErrNoRows) {
					v.Add(f("salesperson"), "not_found", "")
					continue
				} else if err != nil {
					return err
				}
			} else {
				var one int
				if err := tx.QueryRowContext(ctx, s.q("money.receivable.user.id"), x.SalespersonID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
					v.Add(f("salesperson_id"), "not_found", "")
					continue
				} else if err != nil {
					return err
				}
			}
			var old money.Invoice
			var cust sql.NullInt64
			err := tx.QueryRowContext(ctx, s.q("money.receivable.terms"), x.Ref).Scan(&old.ID, &cust, &old.SalespersonID, &old.Currency,
				&old.Amount, &old.InvoicedOn, &old.DueOn)
			switch {
			case err == nil:
				sameCustomer := cust.Valid == (x.CustomerID != nil) && (!cust.Valid || cust.Int64 == *x.CustomerID)
				same := sameCustomer && old.SalespersonID == x.SalespersonID && old.Currency == x.Currency && old.Amount == x.Amount &&
					old.InvoicedOn == x.InvoicedOn && old.DueOn == x.DueOn
				if !same {
					v.Add(f("ref"), "duplicate", "")
				}
				x.ID = old.ID
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			var by sql.NullInt64
			if actor.UserID != 0 {
				by = sql.NullInt64{Int64: actor.UserID, Valid: true}
			}
			if err := tx.QueryRowContext(ctx, s.q("money.receivable.insert"), x.Ref, nullInt(x.CustomerID), x.SalespersonID, x.Currency,
				x.Amount, x.InvoicedOn, x.DueOn, by, micros(x.CreatedAt)).Scan(&x.ID); err != nil {
				return CaseStore{s.DB}.refError(err, f("customer_id"))
			}
			added++
			if err := s.audit(ctx, tx, actor, "receivable.add", obj("receivable", x.ID), map[string]any{"ref": x.Ref,
				"salesperson_id": x.SalespersonID, "customer_id": x.CustomerID, "currency": x.Currency, "amount": x.Amount,
				"invoiced_on": x.InvoicedOn, "due_on": x.DueOn}); err != nil {
				return err
			}
		}
		return v.Err()
	})
	return added, err
}

// Invoice implements money.InvoiceStore.
func (s ReceivableStore) Invoice(ctx context.Context, ref string) (*money.Invoice, error) {
	var x money.Invoice
	var cust sql.NullInt64
	var at int64
	err := s.R.QueryRowContext(ctx, s.q("money.receivable.select"), ref).Scan(&x.ID, &x.Ref, &cust, &x.Customer, &x.SalespersonID,
		&x.Salesperson, &x.Currency, &x.Amount, &x.InvoicedOn, &x.DueOn, &x.Collected, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "no such receivable")
	}
	if err != nil {
		return nil, s.classify(err)
	}
	x.CustomerID, x.CreatedAt = intPtr(cust), fromMicros(at)
	cs, err := list(ctx, s.DB, s.q("money.receivable.collections"), []any{x.ID}, func(r scanner) (*money.Collection, error) {
		var c money.Collection
		var by sql.NullInt64
		var at int64
		err := r.Scan(&c.ID, &c.Amount, &c.CollectedOn, &c.Note, &by, &at)
		c.ByUserID, c.At = intPtr(by), fromMicros(at)
		return &c, err
	})
	if err != nil {
		return nil, err
	}
	x.Collections = cs
	if x.Collections == nil {
		x.Collections = []money.Collection{}
	}
	return &x, nil
}

// AddCollection implements money.InvoiceStore. The conditional update
// refuses a collection beyond the amount on every engine, whatever runs
// beside it.
func (s ReceivableStore) AddCollection(ctx context.Context, ref string, c *money.Collection, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id, outstanding int64
		err := tx.QueryRowContext(ctx, s.q("money.receivable.collect"), c.Amount, ref, c.Amount).Scan(&id, &outstanding)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.QueryRowContext(ctx, s.q("money.receivable.outstanding"), ref).Scan(&outstanding); errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, "no such receivable")
			} else if err != nil {
				return err
			}
			return &apperr.Error{Code: apperr.Invalid, Message: "the collection exceeds what is outstanding",
				Fields: []apperr.FieldError{{Field: "amount", Rule: "exceeds_outstanding", Param: money.Format(outstanding)}}}
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("money.receivable.collection.insert"), id, c.Amount, c.CollectedOn, c.Note,
			nullInt(c.ByUserID), micros(c.At)).Scan(&c.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "receivable.collect", obj("receivable", id), map[string]any{"ref": ref, "collection_id": c.ID,
			"amount": c.Amount, "collected_on": c.CollectedOn, "outstanding": outstanding})
	})
}

// InvoicesDue implements money.InvoiceStore.
func (s ReceivableStore) InvoicesDue(ctx context.Context, from, to string) ([]money.DueInvoice, error) {
	return list(ctx, s.DB, s.q("money.bonus.due"), []any{from, to}, func(r scanner) (*money.DueInvoice, error) {
		var d money.DueInvoice
		return &d, r.Scan(&d.Ref, &d.Customer, &d.SalespersonID, &d.Salesperson, &d.Currency, &d.Amount, &d.DueOn, &d.Collected, &d.WithinTerms)
	})
}

// StandingCredits implements money.InvoiceStore.
func (s ReceivableStore) StandingCredits(ctx context.Context, from, to string) ([]money.CreditFlag, error) {
	return list(ctx, s.DB, s.q("money.bonus.flags"), []any{from, to}, func(r scanner) (*money.CreditFlag, error) {
		var f money.CreditFlag
		return &f, r.Scan(&f.Ref, &f.Amount, &f.Currency, &f.ComplaintID, &f.Complaint, &f.Note, &f.Reason, &f.Status)
	})
}
