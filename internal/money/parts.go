package money

import (
	"strings"
	"time"

	"kesu/internal/apperr"
)

// Parts sent on a case (004 §6.3) follow the customer's class: free within
// the warranty period for a customer who buys directly (散户, key
// accounts), at the retail price outside it and always for end users and
// sub-distributors (the shipment is the quote and payment record), and for
// an A-class dealer against its after-sales allowance — beyond an
// exhausted allowance only with the business representative's approved
// credit (004 §6.3 e/f). They are sent within one working day (SLA-13).

// Part shipment bases.
const (
	PartsWarranty  = "warranty"  // free: within the warranty, direct customer
	PartsRetail    = "retail"    // charged to the customer at the retail price
	PartsAllowance = "allowance" // charged to the dealer's after-sales allowance
)

// PartShipment is one shipment of parts on a case.
type PartShipment struct {
	ID          int64     `json:"id"`
	ComplaintID int64     `json:"complaint_id"`
	Part        string    `json:"part"`
	Qty         int64     `json:"qty"`
	UnitPrice   int64     `json:"unit_price"` // fen, the retail price
	Amount      int64     `json:"amount"`     // fen charged: 0 when free
	Basis       string    `json:"basis"`
	InWarranty  bool      `json:"in_warranty"`
	CustomerID  *int64    `json:"customer_id,omitempty"` // who pays (the dealer for allowance)
	LedgerEntry *int64    `json:"ledger_entry_id,omitempty"`
	Note        string    `json:"note,omitempty"`
	ByUserID    *int64    `json:"by_user_id,omitempty"`
	At          time.Time `json:"at"`
}

// PartsInput is a shipment as entered: UnitPrice in major units.
type PartsInput struct {
	Part       string `json:"part"`
	Qty        int64  `json:"qty"`
	UnitPrice  string `json:"unit_price"`
	InWarranty bool   `json:"in_warranty"`
	Note       string `json:"note"`
}

// PriceParts checks in and prices a shipment for a customer of class (""
// when the case names none: priced like a direct customer).
func PriceParts(in PartsInput, class string) (*PartShipment, error) {
	var v apperr.Validation
	part := strings.TrimSpace(in.Part)
	if v.Required("part", part) {
		v.Text("part", part, 200)
	}
	if in.Qty <= 0 {
		v.Add("qty", "positive", "")
	} else if in.Qty > 10000 {
		v.Add("qty", "too_large", "10000")
	}
	price := parseField(&v, "unit_price", in.UnitPrice)
	if price > maxAmount {
		// Bounded like every amount, so that price × quantity stays exact.
		v.Add("unit_price", "too_large", Format(maxAmount))
	}
	v.Text("note", strings.TrimSpace(in.Note), 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &PartShipment{Part: part, Qty: in.Qty, UnitPrice: price, InWarranty: in.InWarranty, Note: strings.TrimSpace(in.Note)}
	switch {
	case class == "dealer":
		p.Basis, p.Amount = PartsAllowance, price*in.Qty
	case class == "end_user" || class == "sub_distributor" || !in.InWarranty:
		p.Basis, p.Amount = PartsRetail, price*in.Qty
	default:
		p.Basis = PartsWarranty
	}
	if p.Basis != PartsWarranty && price == 0 {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "charged parts need their retail price",
			Fields: []apperr.FieldError{{Field: "unit_price", Rule: "required"}}}
	}
	return p, nil
}
