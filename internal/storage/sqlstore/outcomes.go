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
// m (met), b (breached, stopped or not), n (not applicable) or r (still
// counting), followed by x when the clock's due time was extended with the
// customer's consent. Statistics read it with the complaint instead of
// decoding every complaint's clocks; every change of a clock's state
// rewrites it in the same transaction.

// Outcome letters of sla_outcomes.
const (
	OutcomeMet           = 'm'
	OutcomeBreached      = 'b'
	OutcomeNotApplicable = 'n'
	OutcomeRunning       = 'r'
	// OutcomeExtended follows the outcome of an extended clock.
	OutcomeExtended = 'x'
)

// outcomeOf is the letter of a clock's state.
func outcomeOf(state string, breached bool) byte {
	switch {
	case breached || state == sla.Breached:
		return OutcomeBreached
	case state == sla.Met:
		return OutcomeMet
	case state == sla.NotApplicable:
		return OutcomeNotApplicable
	default:
		return OutcomeRunning
	}
}

// outcomePair is one clock's part of sla_outcomes.
type outcomePair struct {
	policy   string
	outcome  byte
	extended bool
}

// renderOutcomes joins pairs in policy order.
func renderOutcomes(ps []outcomePair) string {
	slices.SortStableFunc(ps, func(a, b outcomePair) int { return strings.Compare(a.policy, b.policy) })
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.policy)
		b.WriteByte(':')
		b.WriteByte(p.outcome)
		if p.extended {
			b.WriteByte(OutcomeExtended)
		}
	}
	return b.String()
}

// outcomes renders the sla_outcomes of a complaint's clocks.
func outcomes(cs []sla.Clock) string {
	ps := make([]outcomePair, len(cs))
	for i, c := range cs {
		ps[i] = outcomePair{c.Policy, outcomeOf(c.State, c.BreachedAt != nil), c.Extension != nil}
	}
	return renderOutcomes(ps)
}

// writeOutcomes sets sla_outcomes of complaints by id, with multi-row
// updates.
func (db *DB) writeOutcomes(ctx context.Context, tx *sql.Tx, byID map[int64]string) error {
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a stable lock order across servers
	for start := 0; start < len(ids); start += bulkRows {
		part := ids[start:min(start+bulkRows, len(ids))]
		args := make([]any, 0, 2*len(part))
		for _, id := range part {
			args = append(args, id, byID[id])
		}
		q := ComplaintStore{db}.multiRow("complaint.outcomes.set", "complaint.outcomes.set.row", "complaint.outcomes.set.tail", len(part))
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write clock outcomes: %w", err)
		}
	}
	return nil
}
