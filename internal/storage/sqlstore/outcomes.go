package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"kesu/internal/sla"
)

// Each complaint carries the outcome of its time-limit clocks in
// sla_outcomes, "policy:o" pairs in policy order joined by commas, o being
// m (met), b (breached, stopped or not) or r (still counting). Statistics
// read it with the complaint instead of joining millions of clock rows;
// every change of a clock's state rewrites it in the same transaction.

// Outcome letters of sla_outcomes.
const (
	OutcomeMet      = 'm'
	OutcomeBreached = 'b'
	OutcomeRunning  = 'r'
)

// outcomeOf is the letter of a clock's state.
func outcomeOf(state string, breached bool) byte {
	switch {
	case breached || state == "breached":
		return OutcomeBreached
	case state == "met":
		return OutcomeMet
	default:
		return OutcomeRunning
	}
}

// outcomes renders the sla_outcomes of a complaint's clocks, in policy
// order.
func outcomes(cs []sla.Clock) string {
	pairs := make([]string, 0, len(cs))
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b sla.Clock) int { return strings.Compare(a.Policy, b.Policy) })
	for _, c := range sorted {
		pairs = append(pairs, c.Policy+":"+string(outcomeOf(c.State, c.BreachedAt != nil)))
	}
	return strings.Join(pairs, ",")
}

// refreshOutcomes rewrites sla_outcomes of complaints ids from their
// clocks.
func (db *DB) refreshOutcomes(ctx context.Context, tx *sql.Tx, ids []int64) error {
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, db.Dialect.Rebind(`SELECT complaint_id, policy, state, breached_at IS NOT NULL FROM sla_clocks
WHERE complaint_id IN `+inList(len(part))), args...)
		if err != nil {
			return fmt.Errorf("read clock outcomes: %w", err)
		}
		clocks := map[int64][]sla.Clock{}
		for rows.Next() {
			var id int64
			var c sla.Clock
			var breached bool
			if err := rows.Scan(&id, &c.Policy, &c.State, &breached); err != nil {
				rows.Close()
				return fmt.Errorf("read clock outcomes: %w", err)
			}
			if breached && c.BreachedAt == nil {
				c.BreachedAt = &time.Time{}
			}
			clocks[id] = append(clocks[id], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read clock outcomes: %w", err)
		}
		set := make([]any, 0, 2*len(part))
		for _, id := range part {
			set = append(set, id, outcomes(clocks[id]))
		}
		q := ComplaintStore{db}.multiRow("complaint.outcomes.set", "complaint.outcomes.set.row", "complaint.outcomes.set.tail", len(part))
		if _, err := tx.ExecContext(ctx, q, set...); err != nil {
			return fmt.Errorf("write clock outcomes: %w", err)
		}
	}
	return nil
}

// refreshOutcomesOfClocks rewrites sla_outcomes of the complaints of the
// clocks ids.
func (db *DB) refreshOutcomesOfClocks(ctx context.Context, tx *sql.Tx, clockIDs []int64) error {
	if len(clockIDs) == 0 {
		return nil
	}
	args := make([]any, len(clockIDs))
	for i, id := range clockIDs {
		args[i] = id
	}
	ids, err := db.int64s(ctx, tx, db.Dialect.Rebind("SELECT DISTINCT complaint_id FROM sla_clocks WHERE id IN "+inList(len(clockIDs))), args...)
	if err != nil {
		return err
	}
	return db.refreshOutcomes(ctx, tx, ids)
}

// RefreshOutcomes rewrites sla_outcomes of complaints ids; for data written
// straight into sla_clocks (benchmark data, tests).
func (db *DB) RefreshOutcomes(ctx context.Context, ids []int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.refreshOutcomes(ctx, tx, ids) })
}

func (db *DB) int64s(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
