package money

import (
	"strings"
	"time"

	"kesu/internal/apperr"
)

// A return slip 成品退货单 (RET-1, 003 第十三条): the goods a complaint
// sends back, with the reason, the handling and the quantity approved by
// the manager. The finished-goods warehouse records the quantity actually
// received and signs for it. Within the customer's over-quantity tolerance
// 超量允收比率 (or the company default) the actual quantity is booked; a
// larger quantity goes back to the approver, who approves the slip again.
//
// Defective goods returned by a dealer then go through the steps of
// 004 §4: inbound slip, test (SLA-10, one week from the inbound slip),
// repair, re-test, stock-in, each recorded once, in this order.

// Return slip states.
const (
	ReturnApproved = "approved" // approved, waiting for the warehouse
	ReturnBooked   = "booked"   // received within tolerance: the actual quantity is booked
	ReturnReferred = "referred" // received beyond tolerance: back to the approver
)

// ReturnHandlings are the ways returned goods are handled.
var ReturnHandlings = []string{"repair", "rework", "scrap", "restock", "replace"}

// ReturnSteps are the steps of defective goods from a dealer, in order
// (004 §4).
var ReturnSteps = []string{"inbound", "test", "repair", "retest", "stock_in"}

// DefaultReturnTolerance is the company's over-quantity tolerance in basis
// points (5.00 %) when a customer names none.
const DefaultReturnTolerance = 500

// Rule codes of return refusals.
const (
	RuleReturnState     = "return_state"      // Conflict: not possible in the slip's state
	RuleReturnStepOrder = "return_step_order" // Conflict: a step before its predecessor, or twice
)

// ReturnStep is one recorded step of defective goods.
type ReturnStep struct {
	Step     string    `json:"step"`
	Note     string    `json:"note,omitempty"`
	ByUserID *int64    `json:"by_user_id,omitempty"`
	At       time.Time `json:"at"`
}

// ReturnSlip is the return slip of a case.
type ReturnSlip struct {
	ComplaintID int64  `json:"complaint_id"`
	Number      string `json:"number"` // the complaint number with "-R"
	Reason      string `json:"reason"`
	Handling    string `json:"handling"`
	ApprovedQty int64  `json:"approved_qty"`
	ApprovedBy  *int64 `json:"approved_by,omitempty"`
	// Tolerance is the over-quantity tolerance in basis points applied
	// when the goods were received (the customer's or the default).
	Tolerance   int64        `json:"tolerance_bp"`
	ReceivedQty *int64       `json:"received_qty,omitempty"`
	BookedQty   *int64       `json:"booked_qty,omitempty"`
	ReceivedBy  *int64       `json:"received_by,omitempty"`
	ReceivedAt  *time.Time   `json:"received_at,omitempty"`
	Signer      string       `json:"signer,omitempty"` // the warehouse keeper who signed
	Status      string       `json:"status"`
	Steps       []ReturnStep `json:"steps"`
	Version     int          `json:"version"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ReturnInput is a slip as the approver writes it.
type ReturnInput struct {
	Reason      string `json:"reason"`
	Handling    string `json:"handling"`
	ApprovedQty int64  `json:"approved_qty"`
}

// NewReturn checks in and makes an approved slip.
func NewReturn(complaintID int64, number string, in ReturnInput) (*ReturnSlip, error) {
	var v apperr.Validation
	reason := strings.TrimSpace(in.Reason)
	if v.Required("reason", reason) {
		v.Text("reason", reason, 2000)
	}
	v.OneOf("handling", in.Handling, ReturnHandlings)
	if in.ApprovedQty <= 0 {
		v.Add("approved_qty", "positive", "")
	} else if in.ApprovedQty > 1_000_000 {
		v.Add("approved_qty", "too_large", "1000000")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &ReturnSlip{ComplaintID: complaintID, Number: number + "-R", Reason: reason, Handling: in.Handling,
		ApprovedQty: in.ApprovedQty, Status: ReturnApproved, Steps: []ReturnStep{}}, nil
}

// WithinTolerance reports whether received units may be booked against
// approved at tolerance basis points: fewer than approved always, more only
// up to approved × (1 + tolerance), computed in integers.
func WithinTolerance(approved, received, tolerance int64) bool {
	return received*10000 <= approved*(10000+tolerance)
}

// NextStep is the step defective goods go through next, or "" when they
// are in stock again.
func (s *ReturnSlip) NextStep() string {
	if len(s.Steps) >= len(ReturnSteps) {
		return ""
	}
	return ReturnSteps[len(s.Steps)]
}

// ParseTolerance reads a tolerance given as a percentage with at most two
// decimals ("5", "2.50") into basis points.
func ParseTolerance(s string) (int64, error) {
	bp, err := Parse(s)
	if err != nil || bp > 10000 {
		return 0, apperr.New(apperr.Invalid, "tolerance %q: a percentage from 0 to 100", s)
	}
	return bp, nil
}
