package sqlstore

import (
	"context"

	"kesu/internal/sla"
)

// JobCount is the number of jobs of one kind in one status.
type JobCount struct {
	Kind, Status string
	N            int64
}

// JobCounts counts the jobs not done (pending, running, dead) by kind and
// status.
func (db *DB) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := db.R.QueryContext(ctx, db.q("metrics.jobs"))
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClockCounts counts the time-limit clocks that have not stopped by state:
// running, paused and breached (past due, the case still open).
func (db *DB) ClockCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := db.R.QueryContext(ctx, db.q("metrics.clocks"))
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	out := map[string]int64{sla.Running: 0, sla.Paused: 0, sla.Breached: 0}
	for rows.Next() {
		set, err := scanSet(rows)
		if err != nil {
			return nil, err
		}
		for _, c := range set.clocks {
			if c.Open() || c.Counting() {
				out[c.State]++
			}
		}
	}
	return out, rows.Err()
}
