package casework

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/sla"
)

// Return slips 成品退货单 (RET-1): see package money for the rules.

// Timeline entries of return slips.
const (
	EventReturn         = "return_slip"
	EventReturnReceived = "return_received"
	EventReturnStep     = "return_step"
	// NoticeReturnReferred tells the approver that more was received than
	// the tolerance allows.
	NoticeReturnReferred = "case.return_referred"
)

// Return returns the return slip of a case actor may read, or nil.
func (s *Service) Return(ctx context.Context, complaintID int64, actor Actor) (*money.ReturnSlip, error) {
	if _, err := s.Read(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	return s.returnSlip(ctx, complaintID)
}

func (s *Service) returnSlip(ctx context.Context, complaintID int64) (*money.ReturnSlip, error) {
	n, err := s.Store.Return(ctx, complaintID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return n, err
}

func returnState(n *money.ReturnSlip) error {
	st := "none"
	if n != nil {
		st = n.Status
	}
	return &apperr.Error{Code: apperr.Conflict, Message: "the return slip is " + st,
		Fields: []apperr.FieldError{{Field: "return_slip", Rule: money.RuleReturnState, Param: st}}}
}

// SaveReturn writes the return slip of a case with its reason, handling
// and approved quantity: the approver's (经（副）理) instruction
// (003 第十三条(一)2). A slip referred back because more was received than
// the tolerance allows is approved again here, and the warehouse records
// the receipt anew; a booked slip is not changed.
func (s *Service) SaveReturn(ctx context.Context, complaintID int64, version int, in money.ReturnInput, actor Actor) (*money.ReturnSlip, error) {
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseApprove, false)
	if err != nil {
		return nil, err
	}
	n, err := money.NewReturn(r.ComplaintID, r.Number, in)
	if err != nil {
		return nil, err
	}
	old, err := s.returnSlip(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"reason": n.Reason, "handling": n.Handling, "approved_qty": n.ApprovedQty}
	if old != nil {
		if old.Status == money.ReturnBooked {
			return nil, returnState(old)
		}
		if old.Status == money.ReturnReferred {
			data["referred_qty"] = old.ReceivedQty
		}
		n.Version = old.Version
	}
	before := cloneRecord(r)
	now := s.Now()
	n.ApprovedBy, n.UpdatedAt = &actor.User.ID, now
	w := Write{Action: "money.return", Return: n, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventReturn,
		Body: n.Reason, Data: data}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	return n, nil
}

// ReceiveReturn records what the finished-goods warehouse received and
// signed for (003 第十三条(二)): within the customer's over-quantity
// tolerance (or the company default) the received quantity is booked;
// beyond it the slip goes back to the approver.
func (s *Service) ReceiveReturn(ctx context.Context, complaintID int64, qty int64, signer string, actor Actor) (*money.ReturnSlip, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	n, err := s.returnSlip(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	if n == nil || n.Status != money.ReturnApproved {
		return nil, returnState(n)
	}
	var v apperr.Validation
	if qty < 0 {
		v.Add("received_qty", "out_of_range", "0-1000000")
	} else if qty > 1_000_000 {
		v.Add("received_qty", "too_large", "1000000")
	}
	signer = strings.TrimSpace(signer)
	if v.Required("signer", signer) {
		v.Text("signer", signer, 100)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	tol, ok, err := s.Store.ReturnTolerance(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	if !ok {
		tol = s.ReturnTolerance
	}
	before := cloneRecord(r)
	now := s.Now()
	n.ReceivedQty, n.ReceivedBy, n.ReceivedAt, n.Signer, n.Tolerance, n.UpdatedAt = &qty, &actor.User.ID, &now, signer, tol, now
	data := map[string]any{"approved_qty": n.ApprovedQty, "received_qty": qty, "tolerance_bp": tol, "signer": signer}
	var notices []sla.Notice
	if money.WithinTolerance(n.ApprovedQty, qty, tol) {
		n.Status, n.BookedQty = money.ReturnBooked, &qty
		data["booked_qty"] = qty
	} else {
		n.Status, n.BookedQty = money.ReturnReferred, nil
		data["referred"] = true
		if n.ApprovedBy != nil {
			cid := r.ComplaintID
			notices = append(notices, sla.Notice{UserID: *n.ApprovedBy, ComplaintID: &cid, Kind: NoticeReturnReferred,
				Title: "【退货超量待批】" + r.Number,
				Body:  "成品退货单 " + n.Number + "：核定 " + strconv.FormatInt(n.ApprovedQty, 10) + "，实退 " + strconv.FormatInt(qty, 10) + "，超出允收比率，请重新核定。",
				Key:   "return:" + strconv.FormatInt(cid, 10) + ":" + strconv.Itoa(n.Version)})
		}
	}
	w := Write{Action: "money.return.receive", Return: n, Notices: notices, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now,
		Kind: EventReturnReceived, Data: data}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	return n, nil
}

// ReturnStep records the next step of defective goods returned by a
// dealer (004 §4): inbound slip, test, repair, re-test, stock-in, after the
// warehouse received them. A step out of order is refused. The inbound
// slip starts the one-week test clock (SLA-10) and the test stops it.
func (s *Service) ReturnStep(ctx context.Context, complaintID int64, step, note string, actor Actor) (*money.ReturnSlip, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	if v.OneOf("step", step, money.ReturnSteps) {
		v.Text("note", strings.TrimSpace(note), 2000)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	n, err := s.returnSlip(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	if n == nil || n.Status != money.ReturnBooked {
		return nil, returnState(n)
	}
	if next := n.NextStep(); step != next {
		done := slices.IndexFunc(n.Steps, func(x money.ReturnStep) bool { return x.Step == step }) >= 0
		msg := "the next step is " + next
		if done {
			msg = "step " + step + " is recorded already"
		}
		if next == "" {
			msg = "the goods are in stock again"
		}
		return nil, &apperr.Error{Code: apperr.Conflict, Message: msg,
			Fields: []apperr.FieldError{{Field: "step", Rule: money.RuleReturnStepOrder, Param: next}}}
	}
	before := cloneRecord(r)
	now := s.Now()
	n.Steps = append(n.Steps, money.ReturnStep{Step: step, Note: strings.TrimSpace(note), ByUserID: &actor.User.ID, At: now})
	n.UpdatedAt = now
	w := Write{Action: "money.return.step", Return: n, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventReturnStep,
		Body: strings.TrimSpace(note), Data: map[string]any{"step": step}}}
	switch step {
	case "inbound":
		w.Clock.Events = []string{"record:goods_received"}
	case "test":
		w.Clock.Events = []string{"record:returned_goods_test"}
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	return n, nil
}

// Tolerance is a customer's over-quantity tolerance of returns and the one
// that applies to it.
type Tolerance struct {
	CustomerID int64  `json:"customer_id"`
	Customer   *int64 `json:"tolerance_bp"`      // the customer's own, or nil
	Default    int64  `json:"default_bp"`        // the company's
	Effective  int64  `json:"effective_bp"`      // what a return of the customer is held to
	Percent    string `json:"effective_percent"` // Effective as a percentage, e.g. "5.00"
}

// CustomerTolerance returns customer id's over-quantity tolerance.
func (s *Service) CustomerTolerance(ctx context.Context, id int64) (*Tolerance, error) {
	bp, err := s.Store.CustomerTolerance(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &Tolerance{CustomerID: id, Customer: bp, Default: s.ReturnTolerance, Effective: s.ReturnTolerance}
	if bp != nil {
		t.Effective = *bp
	}
	t.Percent = money.Format(t.Effective)
	return t, nil
}

// SetCustomerTolerance records the tolerance a customer names on its
// orders (003 第十三条(二)1), as a percentage ("" for the company default).
func (s *Service) SetCustomerTolerance(ctx context.Context, id int64, percent string, actor Actor) (*Tolerance, error) {
	var bp *int64
	if strings.TrimSpace(percent) != "" {
		n, err := money.ParseTolerance(percent)
		if err != nil {
			return nil, &apperr.Error{Code: apperr.Invalid, Message: err.Error(),
				Fields: []apperr.FieldError{{Field: "tolerance", Rule: "out_of_range", Param: "0-100"}}}
		}
		bp = &n
	}
	if err := s.Store.SetCustomerTolerance(ctx, id, bp, actor.Audit); err != nil {
		return nil, err
	}
	return s.CustomerTolerance(ctx, id)
}
