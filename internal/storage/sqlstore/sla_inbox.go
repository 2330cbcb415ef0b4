package sqlstore

import (
	"context"
	"fmt"

	"kesu/internal/apperr"
)

// MarkRead marks one of userID's notifications read. Marking one already
// read is a no-op; another user's, or none, is not found.
func (s SLAStore) MarkRead(ctx context.Context, userID, id int64) error {
	res, err := s.W.ExecContext(ctx, s.q("notification.read"), micros(s.Now()), id, userID)
	if err != nil {
		return s.classify(err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var owner int64
	if err := s.R.QueryRowContext(ctx, s.Dialect.Rebind("SELECT user_id FROM notifications WHERE id = ?"), id).Scan(&owner); err != nil || owner != userID {
		return apperr.New(apperr.NotFound, "no notification %d", id)
	}
	return nil
}

// UnreadCount counts userID's unread notifications.
func (s SLAStore) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.R.QueryRowContext(ctx, s.Dialect.Rebind("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"), userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread count: %w", s.classify(err))
	}
	return n, nil
}
