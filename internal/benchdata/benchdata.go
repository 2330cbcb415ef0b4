// Package benchdata fills a database with many realistic complaints for
// benchmarks: the demo registers, a few hundred more customers, and n
// complaints over the last months written through the store's bulk path
// so that numbers, timeline, search index and audit chain are all real;
// optionally each case is taken through a realistic handling (lifecycle.go)
// so that statistics over them mean something.
package benchdata

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/demo"
	"kesu/internal/storage/sqlstore"
)

// batchSize is how many complaints go in one transaction.
const batchSize = 2000

// extraCustomers spreads complaints over more customers than the demo has.
const extraCustomers = 400

// cst is the zone of complaint numbers and working days.
var cst = time.FixedZone("CST", 8*3600)

// Options shape a generated data set.
type Options struct {
	// Months is the span of the received times, ending now; 12 when 0.
	Months int
	// Lifecycle takes every complaint through its handling up to now;
	// without it all are just registered.
	Lifecycle bool
	// Progress, if not nil, is called after each committed batch with the
	// running total.
	Progress func(done int)
}

// Generate adds n complaints to db, creating the demo registers first when
// db does not have them. The same seed gives the same text, with or
// without the lifecycle.
func Generate(ctx context.Context, db *sqlstore.DB, n int, seed uint64, opt Options) error {
	r := rand.New(rand.NewPCG(seed, seed^0x62656e6368))
	lr := rand.New(rand.NewPCG(seed^0x6c696665, seed)) // the lifecycle's own stream
	refs, err := registers(ctx, db, r, seed)
	if err != nil {
		return err
	}
	staff := demo.NewStaffing(refs)
	now := db.Now()
	pat, err := complaint.ParsePattern(complaint.DefaultPattern)
	if err != nil {
		return err
	}
	months := opt.Months
	if months <= 0 {
		months = 12
	}

	// Times first, sorted, so that IDs and per-day numbers follow time.
	times := make([]int64, n)
	span := int64(now.Sub(now.AddDate(0, -months, 0)))
	for i := range times {
		times[i] = now.UnixNano() - 1 - r.Int64N(span)
	}
	slices.Sort(times)

	// Compose on one goroutine while the store writes on another.
	type batch struct {
		cs    []complaint.Complaint
		specs []complaint.NumberSpec
		plans []*demo.Plan
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	go func() {
		defer close(batches)
		g := demo.NewComposer(r, refs)
		for start := 0; start < n; start += batchSize {
			b := batch{cs: make([]complaint.Complaint, 0, batchSize), specs: make([]complaint.NumberSpec, 0, batchSize)}
			for i := start; i < min(n, start+batchSize); i++ {
				at := time.Unix(0, times[i]).UTC().Truncate(time.Second)
				c, actor := g.Compose(at, demo.Hint{})
				complaint.Normalize(&c)
				if err := complaint.Validate(&c, now); err != nil {
					b.err = fmt.Errorf("composed complaint %d is invalid: %w", i, err)
					break
				}
				c.Status = complaint.StatusRegistered
				if opt.Lifecycle {
					b.plans = append(b.plans, staff.Handle(lr, &c, now))
				}
				c.TrackingCode = complaint.NewTrackingCode()
				c.ExpectedBy = at.AddDate(0, 0, 15)
				if actor.UserID != 0 {
					c.FirstReceiverID, c.FirstReceiver = &actor.UserID, actor.Name
				}
				b.cs = append(b.cs, c)
				b.specs = append(b.specs, pat.Spec(at.In(cst)))
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	done := 0
	var ids []int64 // of the complaints stored so far, in time order
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		if err := db.Complaints().BulkCreate(ctx, b.cs, func(i int) complaint.NumberSpec { return b.specs[i] }); err != nil {
			return fmt.Errorf("complaints %d–%d: %w", done, done+len(b.cs), err)
		}
		if opt.Lifecycle {
			states := make([]sqlstore.CaseState, len(b.cs))
			for i, p := range b.plans {
				c := &b.cs[i]
				// A repeat is of one of the few thousand complaints before.
				states[i] = p.State(c, now, func() int64 {
					if len(ids) == 0 {
						return 0
					}
					return ids[len(ids)-1-lr.IntN(min(len(ids), 5000))]
				})
				ids = append(ids, c.ID)
			}
			if err := db.Complaints().BulkSetCases(ctx, states); err != nil {
				return fmt.Errorf("cases %d–%d: %w", done, done+len(b.cs), err)
			}
		}
		done += len(b.cs)
		if opt.Progress != nil {
			opt.Progress(done)
		}
	}
	return ctx.Err()
}

// registers returns the demo registers of db, creating them and the extra
// customers on a database without them.
func registers(ctx context.Context, db *sqlstore.DB, r *rand.Rand, seed uint64) (*demo.Refs, error) {
	_, err := demo.CreateRegisters(ctx, db, demo.Options{Seed: seed})
	if err != nil && !apperr.Is(err, apperr.Conflict) {
		return nil, err
	}
	if err == nil {
		if err := addCustomers(ctx, db, r); err != nil {
			return nil, err
		}
	}
	return demo.ReadRefs(ctx, db)
}

// addCustomers creates end users and sub-distributors under the demo
// dealers, with generated names.
func addCustomers(ctx context.Context, db *sqlstore.DB, r *rand.Rand) error {
	dealers, err := db.Registers().ListCustomers(ctx, customer.Filter{Class: customer.ClassDealer, Limit: 500})
	if err != nil {
		return err
	}
	if len(dealers) == 0 {
		return fmt.Errorf("no dealers to attach customers to")
	}
	g := demo.NewComposer(r, &demo.Refs{})
	cities := []string{"上海", "杭州", "南京", "苏州", "广州", "深圳", "成都", "武汉", "西安", "北京", "长沙", "郑州", "济南", "合肥"}
	for i := range extraCustomers {
		d := dealers[r.IntN(len(dealers))]
		name, email := g.Person()
		c := customer.Customer{Code: fmt.Sprintf("B-%05d", i+1), Name: name, Class: customer.ClassEndUser, DealerID: &d.ID,
			Region: d.Region, Contact: name, Phone: g.Mobile(), Email: email,
			Address: fmt.Sprintf("%s市%d号%d室", cities[r.IntN(len(cities))], 1+r.IntN(500), 101+r.IntN(1800))}
		if i%8 == 0 {
			c.Class = customer.ClassSubDistributor
			c.Name = fmt.Sprintf("%s%s净水经营部", cities[r.IntN(len(cities))], name)
		}
		if err := db.Registers().CreateCustomer(ctx, &c, audit.System); err != nil {
			return fmt.Errorf("create customer %s: %w", c.Code, err)
		}
	}
	return nil
}
