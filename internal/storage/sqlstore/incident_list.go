package sqlstore

import (
	"context"
	"strconv"

	"kesu/internal/incident"
)

// ListIncidents lists batch incidents for the staff page: open ones first,
// newest first within each status.
func (s IncidentStore) ListIncidents(ctx context.Context, limit int) ([]incident.Incident, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	return list(ctx, s.DB, s.q("incident.select")+
		" ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, opened_at DESC, id DESC LIMIT "+strconv.Itoa(limit), nil, scanIncident)
}
