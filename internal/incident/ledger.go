package incident

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/customer"
	"kesu/internal/money"
	"kesu/internal/org"
)

// Ledger entry kinds (CUS-3). Amounts are positive fen; the kind gives the
// sign.
const (
	EntryPurchase       = "purchase"        // the dealer bought goods: no effect on the balance
	EntryAllowance      = "allowance"       // the after-sales share of a purchase: adds
	EntryCharge         = "charge"          // parts sent free: subtracts
	EntryPayment        = "payment"         // the dealer paid: adds
	EntryCreditApproval = "credit_approval" // an account manager lets charges go this far below zero
)

// EntryKinds are the kinds of ledger entries.
var EntryKinds = []string{EntryPurchase, EntryAllowance, EntryCharge, EntryPayment, EntryCreditApproval}

// Entry is one line of a dealer's after-sales account.
type Entry struct {
	ID          int64     `json:"id"`
	CustomerID  int64     `json:"customer_id"`
	Kind        string    `json:"kind"`
	Amount      int64     `json:"amount"` // fen, > 0
	ComplaintID *int64    `json:"complaint_id,omitempty"`
	Note        string    `json:"note,omitempty"`
	ByUserID    *int64    `json:"by_user_id,omitempty"`
	At          time.Time `json:"at"`
}

// Balance is a dealer's account summed by kind.
type Balance struct {
	Purchases  int64 `json:"purchases"`
	Allowances int64 `json:"allowances"`
	Charges    int64 `json:"charges"`
	Payments   int64 `json:"payments"`
	Credit     int64 `json:"credit"` // approved credit
}

// Add folds an entry into b.
func (b *Balance) Add(kind string, amount int64) {
	switch kind {
	case EntryPurchase:
		b.Purchases += amount
	case EntryAllowance:
		b.Allowances += amount
	case EntryCharge:
		b.Charges += amount
	case EntryPayment:
		b.Payments += amount
	case EntryCreditApproval:
		b.Credit += amount
	}
}

// Amount is what is left of allowances and payments after charges; it
// goes below zero only as far as approved credit.
func (b Balance) Amount() int64 { return b.Allowances + b.Payments - b.Charges }

// Available is what may still be charged: the balance plus approved credit.
func (b Balance) Available() int64 { return b.Amount() + b.Credit }

// DefaultAllowanceRate is 0.5 % of purchases, in basis points.
const DefaultAllowanceRate = 50

// Allowance is the allowance a purchase earns at rate basis points,
// rounded half up to the fen.
func Allowance(purchase int64, rate int) int64 {
	if purchase <= 0 || rate <= 0 {
		return 0
	}
	return (purchase*int64(rate) + 5000) / 10000
}

// RuleAllowanceExhausted is the field rule of a charge beyond the balance.
const RuleAllowanceExhausted = "allowance_exhausted"

// CheckCharge refuses a charge of amount that would take b below zero
// beyond approved credit; the error carries what is available.
func CheckCharge(b Balance, amount int64) error {
	if amount <= b.Available() {
		return nil
	}
	return &apperr.Error{Code: apperr.Conflict,
		Message: "the after-sales allowance is exhausted: record a payment or ask an account manager to approve credit",
		Fields:  []apperr.FieldError{{Field: "amount", Rule: RuleAllowanceExhausted, Param: strconv.FormatInt(b.Available(), 10)}}}
}

// LedgerStore persists dealer accounts.
type LedgerStore interface {
	// Post appends entries to customerID's account in one transaction.
	// Before writing it locks the account, sums it, and calls check with
	// the customer's class and the balance; an error from check writes
	// nothing.
	Post(ctx context.Context, customerID int64, entries []Entry, check func(class string, b Balance) error, actor audit.Actor) error
	// Entries lists an account oldest first.
	Entries(ctx context.Context, customerID int64) ([]Entry, error)
	// AllowanceRate is a dealer's own allowance rate in basis points, nil
	// for the company default; SetAllowanceRate records it (audited).
	AllowanceRate(ctx context.Context, customerID int64) (*int64, error)
	SetAllowanceRate(ctx context.Context, customerID int64, bp *int64, actor audit.Actor) error
}

// Ledger keeps the after-sales accounts of A-class dealers.
type Ledger struct {
	Store LedgerStore
	// Rate is the allowance in basis points of purchases (50 = 0.5 %).
	Rate int
	Now  func() time.Time
}

func dealerOnly(class string, _ Balance) error {
	if class != customer.ClassDealer {
		return &apperr.Error{Code: apperr.Invalid, Message: "only A-class dealers have an after-sales account",
			Fields: []apperr.FieldError{{Field: "customer_id", Rule: "not_dealer"}}}
	}
	return nil
}

func (l *Ledger) entry(customerID int64, kind string, amount int64, complaintID *int64, note string, actor casework.Actor) (Entry, error) {
	var v apperr.Validation
	if amount <= 0 {
		v.Add("amount", "positive", "")
	}
	note = strings.TrimSpace(note)
	v.Text("note", note, 500)
	e := Entry{CustomerID: customerID, Kind: kind, Amount: amount, ComplaintID: complaintID, Note: note, At: l.Now()}
	if actor.User != nil && actor.User.ID != 0 {
		id := actor.User.ID
		e.ByUserID = &id
	}
	return e, v.Err()
}

func (l *Ledger) rate() int {
	if l.Rate <= 0 {
		return DefaultAllowanceRate
	}
	return l.Rate
}

// DefaultRate is the company default allowance rate in basis points (the
// setting allowance-rate).
func (l *Ledger) DefaultRate() int { return l.rate() }

// ParseRate reads a dealer's own allowance rate in percent with at most
// two decimals ("0.25") as basis points; "" is nil, the company default.
func ParseRate(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	bp, err := money.ParseTolerance(s)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "the allowance rate is a percentage from 0 to 100, at most two decimals",
			Fields: []apperr.FieldError{{Field: "rate", Rule: "out_of_range", Param: "0-100"}}}
	}
	return &bp, nil
}

// RateOf is the allowance rate of a dealer in basis points: its own, or
// the company default.
func (l *Ledger) RateOf(ctx context.Context, customerID int64) (int, error) {
	bp, err := l.Store.AllowanceRate(ctx, customerID)
	if err != nil || bp == nil {
		return l.rate(), err
	}
	return int(*bp), nil
}

// SetRate records a dealer's own allowance rate (nil: the company
// default); it applies to purchases booked from then on.
func (l *Ledger) SetRate(ctx context.Context, customerID int64, bp *int64, actor casework.Actor) error {
	if bp != nil && (*bp < 0 || *bp > 10000) {
		return &apperr.Error{Code: apperr.Invalid, Message: "the allowance rate is a percentage from 0 to 100",
			Fields: []apperr.FieldError{{Field: "rate", Rule: "out_of_range", Param: "0-100"}}}
	}
	return l.Store.SetAllowanceRate(ctx, customerID, bp, actor.Audit)
}

// booksMoney checks that actor may book what the dealer bought and paid:
// both raise what the allowance covers, so they are finance's records
// (receivable.write), not the service desk's.
func booksMoney(actor casework.Actor) error {
	if actor.User != nil && auth.Can(actor.User.Role, auth.ReceivableWrite) {
		return nil
	}
	return &apperr.Error{Code: apperr.Forbidden, Message: "purchases and payments are booked by finance",
		Fields: []apperr.FieldError{{Field: "actor", Rule: "permission_denied", Param: string(auth.ReceivableWrite)}}}
}

// RecordPurchase books a dealer's purchase and the allowance it earns at
// the dealer's rate.
func (l *Ledger) RecordPurchase(ctx context.Context, customerID, amount int64, note string, actor casework.Actor) ([]Entry, error) {
	if err := booksMoney(actor); err != nil {
		return nil, err
	}
	p, err := l.entry(customerID, EntryPurchase, amount, nil, note, actor)
	if err != nil {
		return nil, err
	}
	rate, err := l.RateOf(ctx, customerID)
	if err != nil {
		return nil, err
	}
	entries := []Entry{p}
	if a := Allowance(amount, rate); a > 0 {
		al := p
		al.Kind, al.Amount = EntryAllowance, a
		al.Note = strconv.FormatFloat(float64(rate)/100, 'f', -1, 64) + "% of purchase"
		entries = append(entries, al)
	}
	if err := l.Store.Post(ctx, customerID, entries, dealerOnly, actor.Audit); err != nil {
		return nil, err
	}
	return entries, nil
}

// RulePartsOnCase refuses a direct charge that names a complaint: parts
// sent on a case are recorded on the case (casework ShipParts), which
// prices them by the customer's class, keeps finished cases frozen and
// posts the charge with the shipment.
const RulePartsOnCase = "parts_on_case"

// Charge posts parts sent free outside any complaint (a dealer's own
// after-sales service), refusing it when the allowance (with payments and
// approved credit) does not cover it. A charge for a complaint is refused:
// it is the part shipment's, recorded on the case.
func (l *Ledger) Charge(ctx context.Context, customerID int64, complaintID *int64, amount int64, note string, actor casework.Actor) (*Entry, error) {
	if complaintID != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "parts sent on a case are recorded on the case",
			Fields: []apperr.FieldError{{Field: "complaint_number", Rule: RulePartsOnCase}}}
	}
	e, err := l.entry(customerID, EntryCharge, amount, complaintID, note, actor)
	if err != nil {
		return nil, err
	}
	err = l.Store.Post(ctx, customerID, []Entry{e}, func(class string, b Balance) error {
		if err := dealerOnly(class, b); err != nil {
			return err
		}
		return CheckCharge(b, amount)
	}, actor.Audit)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// RecordPayment books a payment by the dealer.
func (l *Ledger) RecordPayment(ctx context.Context, customerID, amount int64, note string, actor casework.Actor) (*Entry, error) {
	if err := booksMoney(actor); err != nil {
		return nil, err
	}
	e, err := l.entry(customerID, EntryPayment, amount, nil, note, actor)
	if err != nil {
		return nil, err
	}
	if err := l.Store.Post(ctx, customerID, []Entry{e}, dealerOnly, actor.Audit); err != nil {
		return nil, err
	}
	return &e, nil
}

// ApproveCredit lets charges go amount further below zero; only an
// account manager (role manager) may.
func (l *Ledger) ApproveCredit(ctx context.Context, customerID int64, complaintID *int64, amount int64, note string, actor casework.Actor) (*Entry, error) {
	if actor.User == nil || actor.User.Role != org.RoleManager {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "only an account manager may approve credit",
			Fields: []apperr.FieldError{{Field: "actor", Rule: "role", Param: org.RoleManager}}}
	}
	e, err := l.entry(customerID, EntryCreditApproval, amount, complaintID, note, actor)
	if err != nil {
		return nil, err
	}
	if err := l.Store.Post(ctx, customerID, []Entry{e}, dealerOnly, actor.Audit); err != nil {
		return nil, err
	}
	return &e, nil
}

// Account returns a dealer's entries and balance.
func (l *Ledger) Account(ctx context.Context, customerID int64) ([]Entry, Balance, error) {
	entries, err := l.Store.Entries(ctx, customerID)
	if err != nil {
		return nil, Balance{}, err
	}
	var b Balance
	for _, e := range entries {
		b.Add(e.Kind, e.Amount)
	}
	return entries, b, nil
}
