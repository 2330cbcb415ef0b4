// Package demo fills an empty kesu database with a water-purifier maker's
// realistic Chinese data (seed 004 and friends): staff, dealers and their
// customers, products and batches, and half a year of complaints.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/letter"
	"kesu/internal/notify"
	"kesu/internal/storage/sqlstore"
)

// DefaultPassword is the password of every demo account unless Options
// says otherwise.
const DefaultPassword = "kesu-demo-2026"

// Options tune Load. Zero values take the defaults.
type Options struct {
	Password   string // of every demo account; default DefaultPassword
	Complaints int    // default 500
	Months     int    // complaints spread over this many months before now; default 6
	Seed       uint64 // random seed; the same seed gives the same data
}

// Summary counts what Load created.
type Summary struct {
	Users, Customers, Suppliers, Products, Batches, Complaints int
	Branches                                                   int // of the branch queue
}

func (o Options) withDefaults() Options {
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.Complaints <= 0 {
		o.Complaints = 500
	}
	if o.Months <= 0 {
		o.Months = 6
	}
	if o.Seed == 0 {
		o.Seed = 2026
	}
	return o
}

// CreateRegisters seeds db and creates the demo staff, customers,
// suppliers, products and batches, without complaints. It refuses a
// database that already has the demo accounts.
func CreateRegisters(ctx context.Context, db *sqlstore.DB, opts Options) (*Refs, error) {
	opts = opts.withDefaults()
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x6b657375))
	return createRegisters(ctx, db, opts.Password, r, db.Now())
}

// Load creates the demo data through the stores and svc. It refuses a
// database that already holds complaints or the demo accounts.
func Load(ctx context.Context, db *sqlstore.DB, svc *complaint.Service, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	var sum Summary
	page, err := db.Complaints().List(ctx, complaint.Filter{Limit: 1})
	if err != nil {
		return sum, err
	}
	if len(page.Items) > 0 {
		return sum, apperr.New(apperr.Conflict, "demo data needs an empty database: complaints already exist")
	}
	now := svc.Now()
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x6b657375))
	refs, err := createRegisters(ctx, db, opts.Password, r, now)
	if err != nil {
		return sum, err
	}
	sum.Users, sum.Customers, sum.Suppliers, sum.Products = len(refs.Users), len(refs.Customers), len(refs.Suppliers), len(refs.Products)
	for _, bs := range refs.Batches {
		sum.Batches += len(bs)
	}

	if sum.Branches, err = createQueueBranches(ctx, db, refs.Departments["cs"].ID); err != nil {
		return sum, fmt.Errorf("queue branches: %w", err)
	}

	g := NewComposer(r, refs)
	items := make([]item, 0, opts.Complaints)
	span := now.Sub(now.AddDate(0, -opts.Months, 0))
	for i := range opts.Complaints {
		at := receivedAt(r, now, span)
		c, actor := g.Compose(at, coverage(i))
		items = append(items, item{c, actor})
	}
	// Register in the order received, so IDs follow time.
	slices.SortStableFunc(items, func(a, b item) int { return a.c.ReceivedAt.Compare(b.c.ReceivedAt) })
	for i := range items {
		if _, err := svc.Create(ctx, &items[i].c, complaint.CreateOptions{Actor: items[i].actor}); err != nil {
			return sum, fmt.Errorf("complaint %d (%s): %w", i, items[i].c.Subject, err)
		}
		sum.Complaints++
	}
	// Half a year of handling: most cases are closed with their decisions,
	// scores and time limits, recent ones are in every open state.
	cs := make([]*complaint.Complaint, len(items))
	for i := range items {
		cs[i] = &items[i].c
	}
	if err := handle(ctx, db, refs, opts.Seed, now, cs); err != nil {
		return sum, err
	}
	if err := loadDesk(ctx, db, refs, now); err != nil {
		return sum, err
	}
	// The demo's people are made up, but their addresses and mobile
	// numbers look real: the letters, texts, notices and webhook events
	// their registration queued are withdrawn before any worker runs, so
	// a server with mail or SMS configured sends none of them.
	_, err = db.Jobs().DropPending(ctx, Outbound...)
	return sum, err
}

// Outbound are the kinds of job that send something out of kesu.
var Outbound = []string{letter.JobAck, notify.JobEmail, notify.JobSMS, notify.JobWebhook}

// handle takes the demo complaints through their handling up to now, the
// way the benchmark data is made, and records the main steps on each
// timeline.
func handle(ctx context.Context, db *sqlstore.DB, refs *Refs, seed uint64, now time.Time, cs []*complaint.Complaint) error {
	r := rand.New(rand.NewPCG(seed^0x68616e646c65, seed))
	staff := NewStaffing(refs)
	states := make([]sqlstore.CaseState, 0, len(cs))
	var ids []int64
	for _, c := range cs {
		p := staff.Handle(r, c, now)
		st := p.State(c, now, func() int64 {
			if len(ids) == 0 {
				return 0
			}
			return ids[len(ids)-1-r.IntN(min(len(ids), 50))]
		})
		states = append(states, st)
		ids = append(ids, c.ID)
	}
	if err := db.Complaints().BulkSetCases(ctx, states); err != nil {
		return fmt.Errorf("demo handling: %w", err)
	}
	for i, c := range cs {
		st := states[i]
		var steps []complaint.Event
		if st.AcceptedAt != nil {
			steps = append(steps, complaint.Event{At: *st.AcceptedAt, Kind: "transition",
				Data: map[string]any{"action": "accept", "from": complaint.StatusRegistered, "to": "accepted"}})
		}
		if st.RepliedAt != nil {
			steps = append(steps, complaint.Event{At: *st.RepliedAt, Kind: complaint.EventReply, Public: true,
				Body: "您好，您反映的问题我们已调查清楚，处理方案已与您沟通确认，感谢您的耐心。", Data: map[string]any{"reply": "solution"}})
		}
		if st.ClosedAt != nil {
			steps = append(steps, complaint.Event{At: *st.ClosedAt, Kind: "transition",
				Data: map[string]any{"action": "close", "to": st.Status}})
		}
		actor := audit.System
		if c.HolderID != nil {
			for _, u := range refs.Users {
				if u.ID == *c.HolderID {
					actor = audit.Actor{UserID: u.ID, Name: u.Username}
				}
			}
		}
		for j := range steps {
			steps[j].ComplaintID = c.ID
			if err := db.Complaints().ImportEvent(ctx, &steps[j], actor); err != nil {
				return fmt.Errorf("demo timeline: %w", err)
			}
		}
	}
	return nil
}

// coverage makes the first complaints walk through every channel, every
// category and the return request, so a small data set still shows them
// all.
func coverage(i int) Hint {
	var h Hint
	if i < len(complaint.Channels) {
		h.Channel = complaint.Channels[i].Code
	}
	if i < len(complaint.DefaultCategories) {
		h.Category = complaint.DefaultCategories[i].Code
	}
	if i < len(complaint.Requests) {
		h.Request = complaint.Requests[i].Code
	}
	return h
}

// receivedAt returns a time in the span before now, in office hours of
// China more often than not.
func receivedAt(r *rand.Rand, now time.Time, span time.Duration) time.Time {
	cst := time.FixedZone("CST", 8*3600)
	day := now.Add(-time.Duration(r.Int64N(int64(span)))).In(cst)
	hour := 8 + r.IntN(12)
	if r.IntN(10) == 0 {
		hour = r.IntN(24)
	}
	t := time.Date(day.Year(), day.Month(), day.Day(), hour, r.IntN(60), r.IntN(60), 0, cst)
	if t.After(now) {
		t = now.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
	}
	return t.UTC()
}

// item is a demo complaint and who registered it.
type item struct {
	c     complaint.Complaint
	actor audit.Actor
}
