package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

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

// outcomePair is one clock's part of sla_outcomes.
type outcomePair struct {
	policy  string
	outcome byte
}

// renderOutcomes joins pairs in policy order.
func renderOutcomes(ps []outcomePair) string {
	slices.SortFunc(ps, func(a, b outcomePair) int { return strings.Compare(a.policy, b.policy) })
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.policy + ":" + string(p.outcome)
	}
	return strings.Join(parts, ",")
}

// outcomes renders the sla_outcomes of a complaint's clocks.
func outcomes(cs []sla.Clock) string {
	ps := make([]outcomePair, len(cs))
	for i, c := range cs {
		ps[i] = outcomePair{c.Policy, outcomeOf(c.State, c.BreachedAt != nil)}
	}
	return renderOutcomes(ps)
}

// refreshOutcomes rewrites sla_outcomes of complaints ids from their
// clocks.
func (db *DB) refreshOutcomes(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return db.rewriteOutcomes(ctx, tx, ids, false)
}

// refreshOutcomesOfClocks rewrites sla_outcomes of the complaints of the
// clocks ids.
func (db *DB) refreshOutcomesOfClocks(ctx context.Context, tx *sql.Tx, clockIDs []int64) error {
	return db.rewriteOutcomes(ctx, tx, clockIDs, true)
}

// rewriteOutcomes rewrites the outcomes of the complaints keys are the ids
// of, or, byClock, of the complaints of the clocks keys are the ids of —
// reading their clocks in one query either way.
func (db *DB) rewriteOutcomes(ctx context.Context, tx *sql.Tx, keys []int64, byClock bool) error {
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		where := "complaint_id IN " + inList(len(part))
		if byClock {
			where = "complaint_id IN (SELECT complaint_id FROM sla_clocks WHERE id IN " + inList(len(part)) + ")"
		}
		rows, err := tx.QueryContext(ctx, db.Dialect.Rebind(`SELECT complaint_id, policy, state, breached_at IS NOT NULL FROM sla_clocks
WHERE `+where), args...)
		if err != nil {
			return fmt.Errorf("read clock outcomes: %w", err)
		}
		pairs := map[int64][]outcomePair{}
		if !byClock {
			for _, id := range part {
				pairs[id] = nil // a complaint without clocks has no outcomes
			}
		}
		for rows.Next() {
			var id int64
			var p outcomePair
			var state string
			var breached bool
			if err := rows.Scan(&id, &p.policy, &state, &breached); err != nil {
				rows.Close()
				return fmt.Errorf("read clock outcomes: %w", err)
			}
			p.outcome = outcomeOf(state, breached)
			pairs[id] = append(pairs[id], p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read clock outcomes: %w", err)
		}
		if len(pairs) == 0 {
			continue
		}
		set := make([]any, 0, 2*len(pairs))
		for id, ps := range pairs {
			set = append(set, id, renderOutcomes(ps))
		}
		q := ComplaintStore{db}.multiRow("complaint.outcomes.set", "complaint.outcomes.set.row", "complaint.outcomes.set.tail", len(pairs))
		if _, err := tx.ExecContext(ctx, q, set...); err != nil {
			return fmt.Errorf("write clock outcomes: %w", err)
		}
	}
	return nil
}

// RefreshOutcomes rewrites sla_outcomes of complaints ids; for data written
// straight into sla_clocks (benchmark data, tests).
func (db *DB) RefreshOutcomes(ctx context.Context, ids []int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.refreshOutcomes(ctx, tx, ids) })
}
