package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

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
