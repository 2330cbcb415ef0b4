package complaint

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/customer"
)

// Field limits, in characters.
const (
	MaxSubject     = 200
	MaxDescription = 10000
	MaxName        = 100
	MaxShort       = 200
	MaxCode        = 64
)

// Service applies kesu's rules to complaints before they reach the store.
type Service struct {
	Store   Store
	Now     func() time.Time
	Loc     *time.Location // organisation time zone, for numbering periods
	Pattern Pattern
	// ExpectedDays is the default number of days, from receipt, in which
	// the acknowledgement letter promises completion until SLA policies set it.
	ExpectedDays int
	// Expected, when set, computes the completion date the acknowledgement
	// letter promises from the time-limit policies, counted from the
	// receipt time; without it, or when it has no answer, ExpectedDays
	// applies. (The store may set it from the closure clock it starts.)
	Expected func(c *Complaint, received time.Time) (time.Time, bool)
	// Route, when set, picks the lifecycle profile, owning department,
	// holder and backup of a valid new complaint before it is stored, so
	// they commit with it.
	Route func(ctx context.Context, c *Complaint) error
	// Profile is the lifecycle new complaints run under when routing does
	// not choose one (the configured default).
	Profile string
}

// Normalize trims text fields and fills defaults.
func Normalize(c *Complaint) {
	for _, p := range []*string{&c.Subject, &c.Description, &c.Channel, &c.Category, &c.Severity, &c.Region,
		&c.Complainant.Name, &c.Complainant.Phone, &c.Complainant.Email, &c.Complainant.Address, &c.Complainant.Company,
		&c.ProductName, &c.Model, &c.BatchNo, &c.OrderNo, &c.PartNo, &c.ShipAddress, &c.UsageTime, &c.FoundPlace} {
		*p = strings.TrimSpace(*p)
	}
	if c.Severity == "" {
		c.Severity = "minor"
	}
	if c.Region == "" {
		c.Region = customer.RegionDomestic
	}
	reqs := c.Requests[:0]
	seen := map[string]bool{}
	for _, r := range c.Requests {
		r = strings.TrimSpace(r)
		if r != "" && !seen[r] {
			seen[r] = true
			reqs = append(reqs, r)
		}
	}
	c.Requests = reqs
}

// Validate checks every field of c and returns field-level errors. It does
// not check references (customer, product), which the store checks in the
// same transaction as the write.
func Validate(c *Complaint, now time.Time) error {
	var v apperr.Validation
	if v.Required("subject", c.Subject) {
		v.Text("subject", c.Subject, MaxSubject)
	}
	if v.Required("description", c.Description) {
		v.Text("description", c.Description, MaxDescription)
	}
	if v.Required("channel", c.Channel) {
		v.OneOf("channel", c.Channel, Channels.Codes())
	}
	v.OneOf("severity", c.Severity, Severities.Codes())
	v.OneOf("region", c.Region, customer.Regions.Codes())
	for _, r := range c.Requests {
		if !v.OneOf("requests", r, Requests.Codes()) {
			break
		}
	}
	if c.Complainant.Name == "" && c.CustomerID == nil {
		v.Add("complainant.name", "required", "")
	}
	v.Text("complainant.name", c.Complainant.Name, MaxName)
	v.Phone("complainant.phone", c.Complainant.Phone)
	v.Email("complainant.email", c.Complainant.Email)
	v.Text("complainant.address", c.Complainant.Address, MaxShort)
	v.Text("complainant.company", c.Complainant.Company, MaxShort)
	v.Text("product_name", c.ProductName, MaxShort)
	v.Text("model", c.Model, MaxShort)
	v.Code("batch_no", c.BatchNo, MaxCode)
	v.Code("order_no", c.OrderNo, MaxCode)
	v.Code("part_no", c.PartNo, MaxCode)
	v.Text("ship_address", c.ShipAddress, MaxShort)
	v.Text("usage_time", c.UsageTime, MaxShort)
	v.Text("found_place", c.FoundPlace, MaxShort)
	if c.QtyShipped != nil {
		v.NonNegative("qty_shipped", *c.QtyShipped)
	}
	if c.QtyDefective != nil && v.NonNegative("qty_defective", *c.QtyDefective) &&
		c.QtyShipped != nil && *c.QtyShipped >= 0 && *c.QtyDefective > *c.QtyShipped {
		v.Add("qty_defective", "more_than_shipped", "")
	}
	if !c.ReceivedAt.IsZero() && c.ReceivedAt.After(now.Add(5*time.Minute)) {
		v.Add("received_at", "in_future", "")
	}
	if c.FoundAt != nil && c.FoundAt.After(now.Add(5*time.Minute)) {
		v.Add("found_at", "in_future", "")
	}
	if c.ShipDate != nil && c.ShipDate.After(now.Add(24*time.Hour)) {
		v.Add("ship_date", "in_future", "")
	}
	for _, id := range []struct {
		f string
		p *int64
	}{{"customer_id", c.CustomerID}, {"product_id", c.ProductID}, {"department_id", c.DepartmentID}} {
		if id.p != nil && *id.p <= 0 {
			v.Add(id.f, "invalid_value", "")
		}
	}
	return v.Err()
}

// Create validates c, numbers it and stores it. It returns created=false
// when the idempotency key was used before, with c set to the first result.
func (s *Service) Create(ctx context.Context, c *Complaint, opts CreateOptions) (bool, error) {
	now := s.Now()
	Normalize(c)
	if err := Validate(c, now); err != nil {
		return false, err
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = now
	}
	c.Status = StatusRegistered
	c.TrackingCode = NewTrackingCode()
	days := s.ExpectedDays
	if days <= 0 {
		days = 15
	}
	c.ExpectedBy = c.ReceivedAt.AddDate(0, 0, days)
	if s.Expected != nil {
		if t, ok := s.Expected(c, c.ReceivedAt); ok {
			c.ExpectedBy = t
		}
	}
	if opts.Actor.UserID != 0 && c.FirstReceiverID == nil {
		id := opts.Actor.UserID
		c.FirstReceiverID = &id
	}
	c.Profile = s.Profile
	if opts.Profile != "" {
		c.Profile = opts.Profile
	}
	if s.Route != nil {
		if err := s.Route(ctx, c); err != nil {
			return false, err
		}
	}
	opts.Number = s.Pattern.Spec(now.In(s.Loc))
	return s.Store.Create(ctx, c, opts)
}
