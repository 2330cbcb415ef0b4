package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/privacy"
)

// PrivacyStore implements privacy.Store.
type PrivacyStore struct{ *DB }

var _ privacy.Store = PrivacyStore{}

// Privacy returns the erasure store.
func (db *DB) Privacy() PrivacyStore { return PrivacyStore{db} }

func scanErasureSubject(row scanner) (*privacy.Subject, error) {
	var s privacy.Subject
	err := row.Scan(&s.ID, &s.Number, &s.Closed, &s.Erased)
	return &s, err
}

// ErasureSubject implements privacy.Store.
func (s PrivacyStore) ErasureSubject(ctx context.Context, number string) (privacy.Subject, error) {
	sub, err := scanErasureSubject(s.R.QueryRowContext(ctx, s.q("privacy.subject"), number))
	if errors.Is(err, sql.ErrNoRows) {
		return privacy.Subject{}, &apperr.Error{Code: apperr.NotFound, Message: "complaint not found",
			Fields: []apperr.FieldError{{Field: "number", Rule: "not_found"}}}
	}
	if err != nil {
		return privacy.Subject{}, s.classify(err)
	}
	return *sub, nil
}

// CustomerSubjects implements privacy.Store.
func (s PrivacyStore) CustomerSubjects(ctx context.Context, customerID int64) ([]privacy.Subject, error) {
	var n int
	if err := s.R.QueryRowContext(ctx, s.q("privacy.customer.exists"), customerID).Scan(&n); err != nil {
		return nil, s.classify(err)
	}
	if n == 0 {
		return nil, &apperr.Error{Code: apperr.NotFound, Message: "customer not found",
			Fields: []apperr.FieldError{{Field: "customer_id", Rule: "not_found"}}}
	}
	return list(ctx, s.DB, s.q("privacy.customer.subjects"), []any{customerID}, scanErasureSubject)
}

// DueForErasure implements privacy.Store.
func (s PrivacyStore) DueForErasure(ctx context.Context, before time.Time, limit int) ([]privacy.Subject, error) {
	return list(ctx, s.DB, s.q("privacy.due"), []any{micros(before), limit}, scanErasureSubject)
}

// FileInUse implements privacy.Store.
func (s PrivacyStore) FileInUse(ctx context.Context, sum string) (bool, error) {
	var n int
	err := s.R.QueryRowContext(ctx, s.q("privacy.file_in_use"), sum).Scan(&n)
	return n > 0, s.classify(err)
}

// EraseComplaint implements privacy.Store.
func (s PrivacyStore) EraseComplaint(ctx context.Context, id int64, redact func(string, []string) string, actor audit.Actor,
	detail map[string]any) (privacy.Erasure, bool, error) {
	e := privacy.Erasure{ComplaintID: id}
	claimed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		res, err := tx.ExecContext(ctx, s.q("privacy.claim"), micros(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		claimed = true
		var c complaint.Complaint
		var name, phone, email, addr, ship, place, cause, respNote, custClass, contact, cPhone, cEmail, cAddr string
		if err := tx.QueryRowContext(ctx, s.q("privacy.personal"), id).Scan(&c.Number, &c.Subject, &c.Description,
			&name, &phone, &email, &addr, &ship, &place, &cause, &respNote, &c.Complainant.Company, &c.CustomerName, &custClass,
			&contact, &cPhone, &cEmail, &cAddr, &c.ProductName, &c.Model, &c.BatchNo, &c.OrderNo, &c.PartNo); err != nil {
			return err
		}
		e.Number = c.Number
		known := []string{name, phone, email, addr, ship, contact, cPhone, cEmail, cAddr}
		// A private person's customer record is named after them.
		if custClass == customer.ClassEndUser || custClass == customer.ClassWalkIn {
			known = append(known, c.CustomerName)
		}
		red := func(t string) string { return redact(t, known) }
		c.ID, c.Subject, c.Description, c.Complainant.Name = id, red(c.Subject), red(c.Description), ""
		if name != "" {
			c.Complainant.Name = privacy.Erased
		}
		if _, err := tx.ExecContext(ctx, s.q("privacy.complaint.update"), c.Subject, c.Description, c.Complainant.Name,
			red(place), red(cause), red(respNote), micros(now), id); err != nil {
			return err
		}
		if err := s.redactRows(ctx, tx, "privacy.events", "privacy.event.redact", id, red, true); err != nil {
			return err
		}
		for _, q := range [][2]string{{"privacy.followups", "privacy.followup.redact"}, {"privacy.approvals", "privacy.approval.redact"},
			{"privacy.notifications", "privacy.notification.redact"}} {
			if err := s.redactRows(ctx, tx, q[0], q[1], id, red, false); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, s.q("privacy.attachments"), id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sum string
			if err := rows.Scan(&sum); err != nil {
				rows.Close()
				return err
			}
			e.Files = append(e.Files, sum)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		e.Attachments = len(e.Files)
		if _, err := tx.ExecContext(ctx, s.q("privacy.attachments.delete"), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("privacy.mail.erase"), []byte{}, micros(now), id); err != nil {
			return err
		}
		if err := s.Dialect.Reindex(ctx, tx, id, searchTokens(&c)); err != nil {
			return err
		}
		d := map[string]any{"attachments": e.Attachments}
		for k, v := range detail {
			d[k] = v
		}
		ev := &complaint.Event{ComplaintID: id, At: now, Kind: "personal_data_erased", Data: d}
		if err := (ComplaintStore{s.DB}).insertEvent(ctx, tx, ev, actor); err != nil {
			return err
		}
		d["number"] = c.Number
		return s.audit(ctx, tx, actor, "privacy.erase", obj("complaint", id), d)
	})
	if err != nil {
		return e, false, s.classify(err)
	}
	return e, claimed, nil
}

// redactRows rewrites the text columns of a complaint's rows that contain
// personal values: the query lists id and the texts, the update takes the
// texts and the id (and, for timeline entries, the redacted mark).
func (s PrivacyStore) redactRows(ctx context.Context, tx *sql.Tx, query, update string, id int64, red func(string) string, mark bool) error {
	rows, err := tx.QueryContext(ctx, s.q(query), id)
	if err != nil {
		return err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return err
	}
	type change struct {
		id    int64
		texts []any
	}
	var changes []change
	for rows.Next() {
		var rid int64
		texts := make([]string, len(cols)-1)
		dest := []any{&rid}
		for i := range texts {
			dest = append(dest, &texts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		changed := false
		args := make([]any, len(texts))
		for i, t := range texts {
			r := red(t)
			changed = changed || r != t
			args[i] = r
		}
		if changed {
			changes = append(changes, change{rid, args})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changes {
		args := c.texts
		if mark {
			args = append(args, true)
		}
		if _, err := tx.ExecContext(ctx, s.q(update), append(args, c.id)...); err != nil {
			return err
		}
	}
	return nil
}

// EraseCustomer implements privacy.Store.
func (s PrivacyStore) EraseCustomer(ctx context.Context, customerID int64, actor audit.Actor, detail map[string]any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("privacy.customer.erase"), privacy.Erased, customerID)
		if err != nil {
			return s.classify(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "customer %d not found", customerID)
		}
		return s.audit(ctx, tx, actor, "privacy.erase_customer", obj("customer", customerID), detail)
	})
}
