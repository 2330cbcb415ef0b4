package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"kesu/internal/customer"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/sla"
)

// A complaint is fully registered in its intake transaction: besides the
// record, its time-limit clocks start from its receipt time (events
// "created" and "channel:<code>"), a safety hazard pages the managers, and
// the jobs that follow it — the acknowledgement letter and webhook events
// (DB.Registration) — are queued. Only the batch-incident rule, which reads
// other complaints, runs after the commit: one complaint.registered job per
// batch, and only when the batch has quality complaints about a lot.

// startClocks works out the clocks of r's complaint before it is stored,
// so that its time-limit outcomes are written with the record.
func (s ComplaintStore) startClocks(ctx context.Context, tx *sql.Tx, r *createReq, top string, now time.Time) error {
	c := r.c
	if c.Category != "" {
		ref, err := s.category(ctx, tx, c.Category)
		if err != nil {
			return err
		}
		r.quality = ref.quality
	}
	r.clocks = nil
	if s.SLA == nil {
		return nil
	}
	sub := sla.Subject{Quality: r.quality, Safety: c.Safety, Category: c.Category, CategoryTop: top, Severity: c.Severity,
		Region: c.Region, Class: c.CustomerClass, Profile: c.Profile}
	started, _, err := s.SLA.Apply(sub, nil, registrationChange(c.Channel), c.ReceivedAt, now)
	if err != nil {
		return fmt.Errorf("start clocks: %w", err)
	}
	for i := range started {
		started[i].ID = int64(i + 1)
		// The letter promises completion by the closure limit, counted
		// from receipt like the clock.
		if p, ok := s.SLA.Policy(started[i].Policy, started[i].PolicyVersion); ok && p.Closure() {
			c.ExpectedBy = started[i].DueAt
		}
	}
	r.clocks = started
	return nil
}

// storeClocks stores the clocks of the complaints of reqs.
func (s ComplaintStore) storeClocks(ctx context.Context, tx *sql.Tx, reqs []*createReq) error {
	var sets []clockSet
	for _, r := range reqs {
		for i := range r.clocks {
			r.clocks[i].ComplaintID = r.c.ID
		}
		if len(r.clocks) > 0 {
			sets = append(sets, clockSet{complaintID: r.c.ID, base: r.c.ReceivedAt, clocks: r.clocks})
		}
	}
	return s.insertSets(ctx, tx, sets, false)
}

// registered queues what follows the numbered complaints of reqs, with
// one statement for all their jobs: the jobs of DB.Registration, the
// registration job (batch-incident check, serving dealer) of those it
// concerns, and the pages of clocks whose policy pages (safety hazards).
func (s ComplaintStore) registered(ctx context.Context, tx *sql.Tx, reqs []*createReq) error {
	var js []*jobs.Job
	var check []int64
	paged := map[int64][]sla.Clock{}
	for _, r := range reqs {
		if r.bulk {
			continue
		}
		if s.Registration != nil {
			js = append(js, s.Registration(r.c)...)
		}
		if len(r.clocks) > 0 {
			paged[r.c.ID] = r.clocks
		}
		// The batch-incident rule reads quality complaints about lots; a
		// sub-distributor's or end user's complaint names its dealer (CUS-2).
		if (r.quality && r.c.BatchNo != "") || (r.c.CustomerID != nil && customer.NeedsDealer(r.c.CustomerClass)) {
			check = append(check, r.c.ID)
		}
	}
	if len(check) > 0 {
		js = append(js, &jobs.Job{Kind: JobRegistered, Payload: jobs.Payload(check)})
	}
	if err := s.enqueueTx(ctx, tx, js...); err != nil {
		return fmt.Errorf("enqueue registration jobs: %w", err)
	}
	if len(paged) == 0 {
		return nil
	}
	return s.pageTx(ctx, tx, paged)
}

// RegistrationJobs are the jobs that follow a newly registered complaint
// (its acknowledgement letter, webhook events); DB.Registration returns
// them and intake queues them in the registration transaction.
type RegistrationJobs func(c *complaint.Complaint) []*jobs.Job
