package casework

import (
	"context"

	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/sla"
)

// EventParts is the timeline entry of a part shipment.
const EventParts = "parts_shipped"

// ShipParts records parts sent on a case (004 §6.3), priced by the
// customer's class (see money.PriceParts). A shipment charged to a dealer's
// allowance is posted to its account in the same transaction and refused
// (409, rule allowance_exhausted) beyond what the allowance, payments and
// the business representative's approved credit cover. It meets the
// one-working-day limit of parts to a dealer (SLA-13). Nothing is shipped
// on a finished case.
func (s *Service) ShipParts(ctx context.Context, complaintID int64, version int, in money.PartsInput, actor Actor) (*money.PartShipment, error) {
	r, err := s.begin(ctx, complaintID, version, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	cust, class, err := s.Store.PartsCustomer(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	p, err := money.PriceParts(in, class)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	now := s.Now()
	p.ComplaintID, p.CustomerID, p.ByUserID, p.At = r.ComplaintID, cust, &actor.User.ID, now
	w := Write{Action: "money.parts", Parts: p, Clock: sla.Change{Events: []string{"record:parts_shipped"}},
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventParts, Body: p.Note,
			Data: map[string]any{"part": p.Part, "qty": p.Qty, "unit_price": p.UnitPrice, "amount": p.Amount, "basis": p.Basis,
				"in_warranty": p.InWarranty, "class": class}}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return p, nil
}

// Parts lists the part shipments of a case actor may read.
func (s *Service) Parts(ctx context.Context, complaintID int64, actor Actor) ([]money.PartShipment, error) {
	if _, err := s.Read(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	return s.Store.Parts(ctx, complaintID)
}
