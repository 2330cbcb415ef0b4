package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kesu/internal/money"
)

// Loss implements casework.Store.
func (s CaseStore) Loss(ctx context.Context, complaintID int64) (*money.Loss, error) {
	var l money.Loss
	var by sql.NullInt64
	var at int64
	err := s.R.QueryRowContext(ctx, s.q("money.loss.select"), complaintID).Scan(&l.ComplaintID, &l.Currency, &l.Parts,
		&l.LabourMinutes, &l.LabourRate, &l.Labour, &l.Freight, &l.Compensation, &l.ReturnedUnits, &l.ReturnRate, &l.Returns,
		&l.Total, &l.Note, &by, &at)
	if err != nil {
		return nil, s.classify(err)
	}
	l.UpdatedBy, l.UpdatedAt = intPtr(by), fromMicros(at)
	return &l, nil
}

func scanPenalty(r scanner) (*money.Penalty, error) {
	var p money.Penalty
	var by, at sql.NullInt64
	var updated int64
	if err := r.Scan(&p.ComplaintID, &p.Number, &p.Currency, &p.Penalties, &p.Rewards, &p.Status, &p.Digest, &p.ApprovedDigest,
		&by, &at, &p.Version, &updated); err != nil {
		return nil, err
	}
	p.ApprovedBy, p.ApprovedAt, p.UpdatedAt = intPtr(by), timePtr(at), fromMicros(updated)
	p.Lines = []money.PenaltyLine{}
	return &p, nil
}

// penaltyLines fills the lines of ps, read in one query.
func (s CaseStore) penaltyLines(ctx context.Context, ps []*money.Penalty) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[int64]*money.Penalty{}
	args := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ComplaintID], args[i] = p, p.ComplaintID
	}
	rows, err := s.R.QueryContext(ctx, s.q("money.penalty.lines")+s.Dialect.Rebind(" WHERE l.complaint_id IN "+inList(len(ps))+
		" ORDER BY l.complaint_id, l.seq"), args...)
	if err != nil {
		return s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		var d, u, sp sql.NullInt64
		var l money.PenaltyLine
		if err := rows.Scan(&cid, &d, &u, &sp, &l.Name, &l.Kind, &l.Amount, &l.Reason); err != nil {
			return err
		}
		l.DepartmentID, l.UserID, l.SupplierID = intPtr(d), intPtr(u), intPtr(sp)
		if p := byID[cid]; p != nil {
			p.Lines = append(p.Lines, l)
		}
	}
	return rows.Err()
}

// Penalty implements casework.Store.
func (s CaseStore) Penalty(ctx context.Context, complaintID int64) (*money.Penalty, error) {
	p, err := scanPenalty(s.R.QueryRowContext(ctx, s.q("money.penalty.select")+s.Dialect.Rebind(" WHERE p.complaint_id = ?"), complaintID))
	if err != nil {
		return nil, s.classify(err)
	}
	if err := s.penaltyLines(ctx, []*money.Penalty{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// ApprovedPenalties lists the reward/penalty notices approved in
// [from, to) and still approved, with their lines, oldest approval first.
func (s CaseStore) ApprovedPenalties(ctx context.Context, from, to time.Time) ([]money.Penalty, error) {
	rows, err := s.R.QueryContext(ctx, s.q("money.penalty.select")+" "+s.q("money.penalties.approved"), micros(from), micros(to))
	if err != nil {
		return nil, s.classify(err)
	}
	var ps []*money.Penalty
	for rows.Next() {
		p, err := scanPenalty(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.penaltyLines(ctx, ps); err != nil {
		return nil, err
	}
	out := make([]money.Penalty, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out, nil
}

// writeMoney stores the loss and penalty notice of a case change, in its
// transaction.
func (s CaseStore) writeMoney(ctx context.Context, tx *sql.Tx, complaintID int64, l *money.Loss, p *money.Penalty) error {
	if l != nil {
		if _, err := tx.ExecContext(ctx, s.q("money.loss.upsert"), complaintID, l.Currency, l.Parts, l.LabourMinutes, l.LabourRate,
			l.Labour, l.Freight, l.Compensation, l.ReturnedUnits, l.ReturnRate, l.Returns, l.Total, l.Note, nullInt(l.UpdatedBy),
			micros(l.UpdatedAt)); err != nil {
			return fmt.Errorf("loss: %w", err)
		}
	}
	if p == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.q("money.penalty.upsert"), complaintID, p.Currency, p.Penalties, p.Rewards, p.Status, p.Digest,
		p.ApprovedDigest, nullInt(p.ApprovedBy), nullMicros(p.ApprovedAt), micros(p.UpdatedAt)); err != nil {
		return fmt.Errorf("penalty notice: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("money.penalty.lines.delete"), complaintID); err != nil {
		return fmt.Errorf("penalty lines: %w", err)
	}
	for i, l := range p.Lines {
		if _, err := tx.ExecContext(ctx, s.q("money.penalty.line.insert"), complaintID, i+1, nullInt(l.DepartmentID), nullInt(l.UserID),
			nullInt(l.SupplierID), l.Kind, l.Amount, l.Reason); err != nil {
			return s.refError(err, "lines")
		}
	}
	return nil
}

// Credit implements casework.Store.
func (s CaseStore) Credit(ctx context.Context, complaintID int64) (*money.CreditNote, error) {
	var n money.CreditNote
	var issued, by, signed, file, voided sql.NullInt64
	var updated int64
	err := s.R.QueryRowContext(ctx, s.q("money.credit.select"), complaintID).Scan(&n.ComplaintID, &n.Number, &n.Currency, &n.Amount,
		&n.Reason, &n.Status, &issued, &by, &signed, &n.SignedHow, &n.Signer, &file, &voided, &n.VoidReason, &n.Version, &updated)
	if err != nil {
		return nil, s.classify(err)
	}
	n.IssuedAt, n.IssuedBy, n.SignedAt, n.SignedFile, n.VoidedAt = timePtr(issued), intPtr(by), timePtr(signed), intPtr(file), timePtr(voided)
	n.UpdatedAt = fromMicros(updated)
	n.Receivables, err = list(ctx, s.DB, s.q("money.credit.receivables"), []any{complaintID}, func(r scanner) (*money.Receivable, error) {
		var x money.Receivable
		return &x, r.Scan(&x.Ref, &x.Amount)
	})
	if err != nil {
		return nil, err
	}
	if n.Receivables == nil {
		n.Receivables = []money.Receivable{}
	}
	return &n, nil
}

// FlaggedReceivables lists the receivables reduced by standing credit
// notes, by receivable number.
func (s CaseStore) FlaggedReceivables(ctx context.Context) ([]money.FlaggedReceivable, error) {
	out, err := list(ctx, s.DB, s.q("money.receivables.flagged"), nil, func(r scanner) (*money.FlaggedReceivable, error) {
		var x money.FlaggedReceivable
		return &x, r.Scan(&x.Ref, &x.Amount, &x.Currency, &x.ComplaintID, &x.Number, &x.Status)
	})
	if out == nil {
		out = []money.FlaggedReceivable{}
	}
	return out, err
}

// writeCredit stores a credit note and its receivables in the case's
// transaction.
func (s CaseStore) writeCredit(ctx context.Context, tx *sql.Tx, complaintID int64, n *money.CreditNote) error {
	if n == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.q("money.credit.upsert"), complaintID, n.Number, n.Currency, n.Amount, n.Reason, n.Status,
		nullMicros(n.IssuedAt), nullInt(n.IssuedBy), nullMicros(n.SignedAt), n.SignedHow, n.Signer, nullInt(n.SignedFile),
		nullMicros(n.VoidedAt), n.VoidReason, micros(n.UpdatedAt)); err != nil {
		return fmt.Errorf("credit note: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("money.credit.receivables.delete"), complaintID); err != nil {
		return fmt.Errorf("credit receivables: %w", err)
	}
	for i, r := range n.Receivables {
		if _, err := tx.ExecContext(ctx, s.q("money.credit.receivable.insert"), complaintID, i+1, r.Ref, r.Amount); err != nil {
			return fmt.Errorf("credit receivable: %w", err)
		}
	}
	return nil
}
