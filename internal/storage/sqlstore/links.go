package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"kesu/internal/audit"
	"kesu/internal/incident"
)

// Candidates implements incident.LinkStore: one indexed branch per key the
// complaint has (customer, complainant phone, lot), united.
func (s IncidentStore) Candidates(ctx context.Context, sub *incident.Subject, since time.Time, limit int) ([]incident.Subject, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var parts []string
	var args []any
	branch := func(cond string, v any) {
		parts = append(parts, s.raw["incident.subject.select"]+" WHERE "+cond+" AND c.received_at >= ? AND c.id <> ?")
		args = append(args, v, micros(since), sub.ID)
	}
	if sub.CustomerID != nil {
		branch("c.customer_id = ?", *sub.CustomerID)
	}
	if sub.Phone != "" {
		branch("c.complainant_phone = ?", sub.Phone)
	}
	if sub.BatchNo != "" {
		branch("c.batch_no = ?", sub.BatchNo)
	}
	if len(parts) == 0 {
		return []incident.Subject{}, nil
	}
	query := "SELECT * FROM (" + strings.Join(parts, " UNION ") + ") u ORDER BY received_at DESC, id DESC LIMIT " + strconv.Itoa(limit)
	return list(ctx, s.DB, s.Dialect.Rebind(query), args, scanSubject)
}

// Link implements incident.LinkStore.
func (s IncidentStore) Link(ctx context.Context, l *incident.Link, actor audit.Actor) error {
	if l.At.IsZero() {
		l.At = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var at int64
		err := tx.QueryRowContext(ctx, s.q("link.exists"), l.FromID, l.ToID, l.Kind).Scan(&l.ID, &at)
		if err == nil {
			l.At = fromMicros(at)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("link.insert"), l.FromID, l.ToID, l.Kind, nullInt(l.ByUserID), micros(l.At)); err != nil {
			return CaseStore{s.DB}.refError(err, "to_id")
		}
		if err := tx.QueryRowContext(ctx, s.q("link.exists"), l.FromID, l.ToID, l.Kind).Scan(&l.ID, &at); err != nil {
			return err
		}
		cs := CaseStore{s.DB}
		if err := cs.event(ctx, tx, l.ToID, &caseChange{kind: "linked", data: map[string]any{"kind": l.Kind, "from_id": l.FromID}},
			actor, "complaint.link"); err != nil {
			return err
		}
		return cs.event(ctx, tx, l.FromID, &caseChange{kind: "linked", data: map[string]any{"kind": l.Kind, "to_id": l.ToID}},
			actor, "complaint.link")
	})
}

// Links implements incident.LinkStore.
func (s IncidentStore) Links(ctx context.Context, complaintID int64) ([]incident.Link, error) {
	return list(ctx, s.DB, s.q("link.list"), []any{complaintID, complaintID}, func(r scanner) (*incident.Link, error) {
		var l incident.Link
		var by sql.NullInt64
		var at int64
		err := r.Scan(&l.ID, &l.FromID, &l.ToID, &l.Kind, &by, &at)
		l.ByUserID, l.At = intPtr(by), fromMicros(at)
		return &l, err
	})
}
