// Package money holds what a complaint costs and who carries it (FIN-2):
// the loss of a case costed by a rule, its allocation to the responsible
// departments, persons and suppliers by shares that add up to 100 %, and
// the reward/penalty notice 奖罚通知单 the GM approves. Amounts are integer
// minor units (fen) with a currency; no floating point is used, and every
// total is the sum of its rows.
package money

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
)

// Format renders fen as major units with two decimals, e.g. 12345 →
// "123.45" and -5 → "-0.05".
func Format(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// Parse reads a non-negative amount in major units with at most two
// decimals ("123", "123.4", "123.45") as fen.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") || len(whole) > 13 {
		return 0, fmt.Errorf("amount %q is not a decimal with at most two places", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a non-negative decimal", s)
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a non-negative decimal", s)
	}
	return int64(w)*100 + int64(f), nil
}

// parseField reads an optional amount field into v's errors.
func parseField(v *apperr.Validation, field, s string) int64 {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	n, err := Parse(s)
	if err != nil {
		v.Add(field, "invalid_amount", "")
		return 0
	}
	return n
}

// ValidCurrency reports whether c is a three-letter ISO 4217 code.
func ValidCurrency(c string) bool {
	return len(c) == 3 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// Rates are the costing rule's configurable rates, in fen.
type Rates struct {
	LabourPerHour int64 `json:"labour_per_hour"` // 工时费 per hour of repair or rework
	ReturnPerUnit int64 `json:"return_per_unit"` // handling, inspection and storage of one returned unit
}

// DefaultRates are 80.00 per labour hour and 50.00 per returned unit.
var DefaultRates = Rates{LabourPerHour: 8000, ReturnPerUnit: 5000}

// LossInput is what a person records of a case's costs.
type LossInput struct {
	Currency      string `json:"currency"`
	Parts         string `json:"parts"` // major units, e.g. "120.50"
	LabourMinutes int64  `json:"labour_minutes"`
	Freight       string `json:"freight"`
	Compensation  string `json:"compensation"`
	ReturnedUnits int64  `json:"returned_units"`
	Note          string `json:"note"`
}

// Loss is the costed loss of a case: each component in fen, and the total,
// which is their sum.
type Loss struct {
	ComplaintID   int64     `json:"complaint_id"`
	Currency      string    `json:"currency"`
	Parts         int64     `json:"parts"`
	LabourMinutes int64     `json:"labour_minutes"`
	LabourRate    int64     `json:"labour_rate"` // per hour, as costed
	Labour        int64     `json:"labour"`
	Freight       int64     `json:"freight"`
	Compensation  int64     `json:"compensation"`
	ReturnedUnits int64     `json:"returned_units"`
	ReturnRate    int64     `json:"return_rate"` // per unit, as costed
	Returns       int64     `json:"returns"`
	Total         int64     `json:"total"`
	Note          string    `json:"note,omitempty"`
	UpdatedBy     *int64    `json:"updated_by,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Limits of recorded quantities: a week of labour per unit of 10,000 units
// is far beyond any complaint; larger numbers are typing errors.
const (
	maxMinutes = 1_000_000
	maxUnits   = 1_000_000
	maxAmount  = 100_000_000_000 // one billion in major units
)

// Cost applies the costing rule: labour is minutes × the hourly rate,
// rounded half up to the fen; returns are units × the unit rate. Bad input
// is a field-level error.
func Cost(in LossInput, r Rates) (*Loss, error) {
	var v apperr.Validation
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = "CNY"
	}
	if !ValidCurrency(cur) {
		v.Add("currency", "invalid_value", "")
	}
	l := &Loss{Currency: cur, LabourMinutes: in.LabourMinutes, ReturnedUnits: in.ReturnedUnits,
		LabourRate: r.LabourPerHour, ReturnRate: r.ReturnPerUnit, Note: strings.TrimSpace(in.Note)}
	l.Parts = parseField(&v, "parts", in.Parts)
	l.Freight = parseField(&v, "freight", in.Freight)
	l.Compensation = parseField(&v, "compensation", in.Compensation)
	if in.LabourMinutes < 0 || in.LabourMinutes > maxMinutes {
		v.Add("labour_minutes", "invalid_value", "0-"+strconv.Itoa(maxMinutes))
	}
	if in.ReturnedUnits < 0 || in.ReturnedUnits > maxUnits {
		v.Add("returned_units", "invalid_value", "0-"+strconv.Itoa(maxUnits))
	}
	v.Text("note", l.Note, 2000)
	for _, f := range []struct {
		name string
		n    int64
	}{{"parts", l.Parts}, {"freight", l.Freight}, {"compensation", l.Compensation}} {
		if f.n > maxAmount {
			v.Add(f.name, "too_large", Format(maxAmount))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	l.Labour = (l.LabourMinutes*l.LabourRate + 30) / 60
	l.Returns = l.ReturnedUnits * l.ReturnRate
	l.Total = l.Parts + l.Labour + l.Freight + l.Compensation + l.Returns
	return l, nil
}

// Party is a department, person or supplier that carries a share of a
// loss or a penalty; exactly one is set.
type Party struct {
	DepartmentID *int64 `json:"department_id,omitempty"`
	UserID       *int64 `json:"user_id,omitempty"`
	SupplierID   *int64 `json:"supplier_id,omitempty"`
}

// Kind names the party's kind: department, person or supplier.
func (p Party) Kind() string {
	switch {
	case p.UserID != nil:
		return "person"
	case p.SupplierID != nil:
		return "supplier"
	case p.DepartmentID != nil:
		return "department"
	}
	return ""
}

// ID is the party's id.
func (p Party) ID() int64 {
	for _, x := range []*int64{p.UserID, p.SupplierID, p.DepartmentID} {
		if x != nil {
			return *x
		}
	}
	return 0
}

func (p Party) count() int {
	n := 0
	for _, x := range []*int64{p.UserID, p.SupplierID, p.DepartmentID} {
		if x != nil {
			n++
		}
	}
	return n
}

// CheckShares refuses shares that are not each within 0–100 or do not add
// up to exactly 100; field names the list ("responsible").
func CheckShares(v *apperr.Validation, field string, shares []int) {
	sum := 0
	for i, s := range shares {
		if s < 0 || s > 100 {
			v.Add(fmt.Sprintf("%s[%d].share", field, i), "invalid_value", "0-100")
		}
		sum += s
	}
	if len(shares) > 0 && sum != 100 {
		v.Add(field, "shares_sum", "100")
	}
}

// Allocate splits total by percentage shares so that the parts add up to
// total exactly: each gets the floor of its share, and the fen left over
// go one each to the largest remainders (the earlier party on a tie).
// Shares that do not add up to 100 allocate only their part of the total.
func Allocate(total int64, shares []int) []int64 {
	out := make([]int64, len(shares))
	rem := make([]int64, len(shares))
	sum := 0
	var given int64
	for i, s := range shares {
		out[i] = total * int64(s) / 100
		rem[i] = total * int64(s) % 100
		given += out[i]
		sum += s
	}
	left := total*int64(sum)/100 - given
	for ; left > 0; left-- {
		best := -1
		for i := range rem {
			if best < 0 || rem[i] > rem[best] {
				best = i
			}
		}
		if best < 0 || rem[best] <= 0 {
			break
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// Penalty kinds.
const (
	KindPenalty = "penalty" // 罚
	KindReward  = "reward"  // 奖
)

// Penalty notice states: a notice waits for the GM's approval until the GM
// approves exactly its lines; any change of them afterwards puts it back.
const (
	StatusPending  = "pending_approval"
	StatusApproved = "approved"
)

// PenaltyLine is one reward or penalty of a notice.
type PenaltyLine struct {
	Party
	Name   string `json:"name,omitempty"` // the party's name, filled on read
	Kind   string `json:"kind"`
	Amount int64  `json:"amount"` // fen, positive
	Reason string `json:"reason,omitempty"`
}

// Penalty is the reward/penalty notice 奖罚通知单 of a case.
type Penalty struct {
	ComplaintID int64         `json:"complaint_id"`
	Number      string        `json:"number,omitempty"`
	Currency    string        `json:"currency"`
	Lines       []PenaltyLine `json:"lines"`
	Penalties   int64         `json:"penalties"` // sum of the penalty lines
	Rewards     int64         `json:"rewards"`   // sum of the reward lines
	Status      string        `json:"status"`
	// Digest identifies the lines; ApprovedDigest the lines the GM
	// approved. They differ when the notice changed after its approval.
	Digest         string     `json:"-"`
	ApprovedDigest string     `json:"-"`
	ApprovedBy     *int64     `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time `json:"approved_at,omitempty"`
	Version        int        `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// PenaltyLineInput is a line as a person enters it.
type PenaltyLineInput struct {
	Party
	Kind   string `json:"kind"`
	Amount string `json:"amount"` // major units
	Reason string `json:"reason"`
}

// MaxPenaltyLines bounds a notice.
const MaxPenaltyLines = 50

// NewPenalty validates lines into a notice in currency (not yet approved).
func NewPenalty(complaintID int64, currency string, lines []PenaltyLineInput) (*Penalty, error) {
	var v apperr.Validation
	cur := strings.ToUpper(strings.TrimSpace(currency))
	if cur == "" {
		cur = "CNY"
	}
	if !ValidCurrency(cur) {
		v.Add("currency", "invalid_value", "")
	}
	if len(lines) == 0 {
		v.Add("lines", "required", "")
	}
	if len(lines) > MaxPenaltyLines {
		v.Add("lines", "too_many", strconv.Itoa(MaxPenaltyLines))
	}
	p := &Penalty{ComplaintID: complaintID, Currency: cur, Lines: []PenaltyLine{}, Status: StatusPending}
	for i, in := range lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if in.Party.count() != 1 {
			v.Add(fmt.Sprintf("lines[%d]", i), "one_party", "department_id,user_id,supplier_id")
		}
		v.OneOf(f("kind"), in.Kind, []string{KindPenalty, KindReward})
		amt, err := Parse(in.Amount)
		switch {
		case strings.TrimSpace(in.Amount) == "":
			v.Add(f("amount"), "required", "")
		case err != nil:
			v.Add(f("amount"), "invalid_amount", "")
		case amt == 0:
			v.Add(f("amount"), "positive", "")
		case amt > maxAmount:
			v.Add(f("amount"), "too_large", Format(maxAmount))
		}
		reason := strings.TrimSpace(in.Reason)
		v.Text(f("reason"), reason, 500)
		l := PenaltyLine{Party: in.Party, Kind: in.Kind, Amount: amt, Reason: reason}
		p.Lines = append(p.Lines, l)
		if in.Kind == KindReward {
			p.Rewards += amt
		} else {
			p.Penalties += amt
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	p.Digest = p.digest()
	return p, nil
}

// digest identifies the currency and the lines (parties, kinds, amounts,
// reasons) in order.
func (p *Penalty) digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", p.Currency)
	for _, l := range p.Lines {
		fmt.Fprintf(h, "%s:%d|%s|%d|%q\n", l.Party.Kind(), l.ID(), l.Kind, l.Amount, l.Reason)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Revise returns the notice that replaces old with next's lines: it stays
// approved only when the lines are exactly those approved; otherwise it
// waits for the GM again.
func Revise(old, next *Penalty) *Penalty {
	n := *next
	if old != nil {
		n.Version = old.Version
		n.ApprovedDigest, n.ApprovedBy, n.ApprovedAt = old.ApprovedDigest, old.ApprovedBy, old.ApprovedAt
	}
	n.Status = StatusPending
	if n.ApprovedDigest != "" && n.ApprovedDigest == n.Digest {
		n.Status = StatusApproved
	}
	return &n
}
