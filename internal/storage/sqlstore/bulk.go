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
	now := s.Now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		fin := make([]Finish, 0, len(cs))
		for i := range cs {
			c := &cs[i]
			opts := complaint.CreateOptions{Actor: audit.System, Number: spec(i)}
			if c.FirstReceiverID != nil {
				opts.Actor = audit.Actor{UserID: *c.FirstReceiverID, Name: c.FirstReceiver}
			}
			f, err := s.insertRecord(ctx, tx, c, opts, now)
			if err != nil {
				return fmt.Errorf("complaint %d of %d: %w", i, len(cs), err)
			}
			fin = append(fin, f)
		}
		return s.Dialect.FinishComplaints(ctx, tx, fin)
	})
}
