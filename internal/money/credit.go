package money

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
)

// A credit note 销货折让证明单 (FIN-1, 003 第九条): the discount or
// compensation granted on a complaint, with the receivables it reduces.
// Its amount is the case's plan amount, so it is approved by the
// workflow's authority chain for that amount and goes back to approval
// when it changes; it is issued to the customer only once approved (or
// within the issuer's own authority), signed by the customer, and its
// second copy goes to accounting. While it stands, its receivables are
// flagged and kept out of the collection-bonus report; a complaint found
// not established voids it and the receivables are due on their normal
// terms again (003 第九条(十三)).

// Credit note states as stored; a draft is pending approval or approved
// depending on the case's plan (CreditNote.Approved).
const (
	CreditDraft  = "draft"
	CreditIssued = "issued" // given to the customer to sign
	CreditSigned = "signed" // the customer's signed copy is on file
	CreditVoid   = "void"
)

// CreditResolutions are the resolutions a credit note settles.
var CreditResolutions = []string{"discount", "compensation"}

// Receivable is a receivable (an invoice) and the part of it the note
// reduces.
type Receivable struct {
	Ref    string `json:"ref"`    // invoice or receivable number
	Amount int64  `json:"amount"` // fen
}

// CreditNote is the credit note of a case.
type CreditNote struct {
	ComplaintID int64        `json:"complaint_id"`
	Number      string       `json:"number"` // the complaint number with "-Z"
	Currency    string       `json:"currency"`
	Amount      int64        `json:"amount"` // fen; the sum of the receivables' amounts
	Reason      string       `json:"reason"`
	Receivables []Receivable `json:"receivables"`
	Status      string       `json:"status"`
	// Approved: the case's plan is approved for exactly this amount
	// (filled on read).
	Approved bool       `json:"approved"`
	IssuedAt *time.Time `json:"issued_at,omitempty"`
	IssuedBy *int64     `json:"issued_by,omitempty"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
	// SignedHow is "upload" (staff filed the signed copy, SignedFile the
	// attachment) or "online" (the customer signed on the tracking page
	// as Signer).
	SignedHow  string     `json:"signed_how,omitempty"`
	Signer     string     `json:"signer,omitempty"`
	SignedFile *int64     `json:"signed_file,omitempty"`
	VoidedAt   *time.Time `json:"voided_at,omitempty"`
	VoidReason string     `json:"void_reason,omitempty"`
	Version    int        `json:"version"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Standing reports whether the note still reduces its receivables.
func (n *CreditNote) Standing() bool { return n != nil && n.Status != CreditVoid }

// CreditInput is a credit note as a person enters it.
type CreditInput struct {
	Currency    string            `json:"currency"`
	Reason      string            `json:"reason"`
	Receivables []ReceivableInput `json:"receivables"`
}

// ReceivableInput is a receivable as entered, amount in major units.
type ReceivableInput struct {
	Ref    string `json:"ref"`
	Amount string `json:"amount"`
}

// MaxReceivables bounds a note.
const MaxReceivables = 20

// NewCredit validates in into a draft note; its amount is the sum of the
// receivables' amounts.
func NewCredit(complaintID int64, number string, in CreditInput) (*CreditNote, error) {
	var v apperr.Validation
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = "CNY"
	}
	if !ValidCurrency(cur) {
		v.Add("currency", "invalid_value", "")
	}
	n := &CreditNote{ComplaintID: complaintID, Number: number + "-Z", Currency: cur, Reason: strings.TrimSpace(in.Reason),
		Receivables: []Receivable{}, Status: CreditDraft}
	if v.Required("reason", n.Reason) {
		v.Text("reason", n.Reason, 500)
	}
	if len(in.Receivables) == 0 {
		v.Add("receivables", "required", "")
	}
	if len(in.Receivables) > MaxReceivables {
		v.Add("receivables", "too_many", strconv.Itoa(MaxReceivables))
	}
	seen := map[string]bool{}
	for i, r := range in.Receivables {
		f := func(name string) string { return fmt.Sprintf("receivables[%d].%s", i, name) }
		ref := strings.TrimSpace(r.Ref)
		if v.Required(f("ref"), ref) {
			v.Text(f("ref"), ref, 64)
		}
		if seen[ref] && ref != "" {
			v.Add(f("ref"), "duplicate", "")
		}
		seen[ref] = true
		amt, err := Parse(r.Amount)
		switch {
		case strings.TrimSpace(r.Amount) == "":
			v.Add(f("amount"), "required", "")
		case err != nil:
			v.Add(f("amount"), "invalid_amount", "")
		case amt == 0:
			v.Add(f("amount"), "positive", "")
		case amt > maxAmount:
			v.Add(f("amount"), "too_large", Format(maxAmount))
		}
		n.Receivables = append(n.Receivables, Receivable{Ref: ref, Amount: amt})
		n.Amount += amt
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return n, nil
}

// SameTerms reports whether a and b grant the same: currency, amount and
// receivables (the reason may be reworded).
func SameTerms(a, b *CreditNote) bool {
	if a == nil || b == nil || a.Currency != b.Currency || a.Amount != b.Amount || len(a.Receivables) != len(b.Receivables) {
		return false
	}
	for i := range a.Receivables {
		if a.Receivables[i] != b.Receivables[i] {
			return false
		}
	}
	return true
}

// FlaggedReceivable is a receivable reduced by a standing credit note: the
// collection-bonus report leaves it out.
type FlaggedReceivable struct {
	Ref         string `json:"ref"`
	Amount      int64  `json:"amount"` // the part reduced, fen
	Currency    string `json:"currency"`
	ComplaintID int64  `json:"complaint_id"`
	Number      string `json:"number"`
	Status      string `json:"status"` // the note's status
}
