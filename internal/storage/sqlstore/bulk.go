package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// BulkCreate stores many already validated complaints in one transaction,
// each written as Create writes it (references checked, number, timeline
// event, search index, audit entry). It is for imports and benchmark data:
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
		reqs[i] = &createReq{ctx: ctx, c: &cs[i], opts: opts}
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
