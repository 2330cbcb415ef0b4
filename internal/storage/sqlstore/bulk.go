package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/sla"
)

// BulkCreate stores many already validated complaints in one transaction,
// each written as Create writes it (references checked, number, timeline
// event, search index, audit entry, time-limit clocks) but leaving no work
// behind: no acknowledgement letter, webhook or batch-incident check is
// queued. It is for imports and benchmark data:
// spec(i) numbers cs[i], so numbers can follow the received dates. The
// actor of each entry is the complaint's first receiver (FirstReceiverID
// and FirstReceiver) when set, else the system. On error nothing is stored.
func (s ComplaintStore) BulkCreate(ctx context.Context, cs []complaint.Complaint, spec func(i int) complaint.NumberSpec) error {
	reqs := make([]*createReq, len(cs))
	for i := range cs {
		opts := complaint.CreateOptions{Actor: audit.System, Number: spec(i)}
		if c := &cs[i]; c.FirstReceiverID != nil {
			opts.Actor = audit.Actor{UserID: *c.FirstReceiverID, Name: c.FirstReceiver}
		}
		reqs[i] = &createReq{ctx: ctx, c: &cs[i], opts: opts, bulk: true}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(reqs); start += maxBatch {
			part := reqs[start:min(start+maxBatch, len(reqs))]
			if err := s.writeBatch(ctx, tx, part, s.Now()); err != nil {
				return err
			}
			for i, r := range part {
				if r.err != nil {
					return fmt.Errorf("complaint %d of %d: %w", start+i, len(cs), r.err)
				}
			}
		}
		return nil
	})
}

// CaseState is where a case stands after handling: decisions, lifecycle
// milestones, last follow-up score, responsible departments, a repeat link
// and its time-limit clocks. BulkSetCases writes many at once.
type CaseState struct {
	ID                                  int64
	Status                              string // "" leaves it
	DepartmentID, HolderID              *int64 // nil leaves them
	Established                         *bool
	Validity, Responsibility, RootCause string
	AcceptedAt, RepliedAt, ExecutedAt   *time.Time
	ClosedAt                            *time.Time
	Satisfaction, Reopens               int
	Responsible                         []int64 // departments
	RepeatOf                            int64   // 0: none
	RepeatAt                            time.Time
	Clocks                              []sla.Clock
}

// bulkRows bounds the rows of one multi-row statement (and so its
// parameters, within both engines' limits).
const bulkRows = 500

// BulkSetCases records the handling of complaints already stored, in one
// transaction and with multi-row statements, without timeline or audit
// entries; the clocks given replace those registration started. It is for
// benchmark and demo data, which need cases in every state quickly; the
// casework service records real handling.
func (s ComplaintStore) BulkSetCases(ctx context.Context, cs []CaseState) error {
	var resp, links []any
	var sets []clockSet
	for i := range cs {
		c := &cs[i]
		for _, d := range c.Responsible {
			resp = append(resp, c.ID, d, 100/len(c.Responsible))
		}
		if c.RepeatOf != 0 {
			links = append(links, c.ID, c.RepeatOf, micros(c.RepeatAt))
		}
		if len(c.Clocks) > 0 {
			sets = append(sets, clockSet{complaintID: c.ID, base: c.Clocks[0].StartedAt, clocks: c.Clocks})
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(cs); start += bulkRows {
			part := cs[start:min(start+bulkRows, len(cs))]
			args := make([]any, 0, 15*len(part))
			for i := range part {
				c := &part[i]
				var est sql.NullBool
				if c.Established != nil {
					est = sql.NullBool{Bool: *c.Established, Valid: true}
				}
				args = append(args, c.ID, est, c.Validity, c.Responsibility, c.RootCause, nullMicros(c.AcceptedAt), nullMicros(c.RepliedAt),
					nullMicros(c.ExecutedAt), nullMicros(c.ClosedAt), c.Satisfaction, c.Reopens, outcomes(c.Clocks),
					c.Status, nullInt(c.DepartmentID), nullInt(c.HolderID))
			}
			if _, err := tx.ExecContext(ctx, s.multiRow("bulk.cases", "bulk.cases.row", "bulk.cases.set", len(part)), args...); err != nil {
				return fmt.Errorf("set cases: %w", err)
			}
		}
		for _, x := range []struct {
			head, row string
			width     int
			args      []any
		}{{"bulk.responsible", "bulk.responsible.row", 3, resp}, {"bulk.links", "bulk.links.row", 3, links}} {
			for start := 0; start < len(x.args); start += bulkRows * x.width {
				part := x.args[start:min(start+bulkRows*x.width, len(x.args))]
				if _, err := tx.ExecContext(ctx, s.multiRow(x.head, x.row, "", len(part)/x.width), part...); err != nil {
					return fmt.Errorf("%s: %w", x.head, err)
				}
			}
		}
		return s.insertSets(ctx, tx, sets, true)
	})
}

// PutClocks stores the clocks of complaints as given, replacing those they
// have, with their outcomes on the complaints: for data written directly
// (benchmark data, tests). Clocks are numbered in order.
func (db *DB) PutClocks(ctx context.Context, byComplaint map[int64][]sla.Clock) error {
	var sets []clockSet
	outs := map[int64]string{}
	for id, cs := range byComplaint {
		cs = append([]sla.Clock(nil), cs...)
		for i := range cs {
			cs[i].ID, cs[i].ComplaintID = int64(i+1), id
		}
		if len(cs) > 0 {
			sets = append(sets, clockSet{complaintID: id, base: cs[0].StartedAt, clocks: cs})
		}
		outs[id] = outcomes(cs)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertSets(ctx, tx, sets, true); err != nil {
			return err
		}
		return db.writeOutcomes(ctx, tx, outs)
	})
}
