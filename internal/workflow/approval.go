package workflow

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/org"
)

// Amount is a sum of money in minor units (fen). In definition files it is
// written in major units, as a number or a string ("2000", "2000.50"), or
// "unlimited".
type Amount int64

// Unlimited is the amount of a top tier or a limit without a ceiling.
const Unlimited Amount = -1

// ParseAmount reads a major-unit decimal with at most two decimals, or
// "unlimited".
func ParseAmount(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "unlimited" {
		return Unlimited, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("amount %q is not a non-negative decimal", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("amount %q is not a non-negative decimal", s)
	}
	return Amount(w*100 + f), nil
}

// UnmarshalJSON accepts a number or a string in major units.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalJSON writes major units as a string.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a == Unlimited {
		return []byte(`"unlimited"`), nil
	}
	return json.Marshal(fmt.Sprintf("%d.%02d", a/100, a%100))
}

// Money is an amount in a currency (ISO 4217 code).
type Money struct {
	Amount   Amount
	Currency string
}

// Yuan returns a CNY amount of whole yuan; a convenience for tests and
// defaults.
func Yuan(n int64) Money { return Money{Amount: Amount(n * 100), Currency: "CNY"} }

// Approval holds the authority rules (核决权限, WF-5).
//
// The chain for an amount is every tier up to and including the first whose
// up_to covers it, in order: each level signs (department manager, then
// deputy GM, then GM). Critical severity adds the next tier above, when
// there is one. A service level may name roles that must sign too (level 3
// → GM). An amount in a currency without a rate needs the whole chain.
type Approval struct {
	Currency          string              `json:"currency"`
	Tiers             []Tier              `json:"tiers"`
	CriticalAddsLevel bool                `json:"critical_adds_level"`
	Levels            map[string][]string `json:"levels,omitempty"`
	Limits            map[string]Amount   `json:"limits"` // what a role may promise without approval
	Rates             map[string]float64  `json:"rates,omitempty"`
}

// Tier is one level of authority: Role approves amounts up to UpTo.
type Tier struct {
	UpTo Amount `json:"up_to"`
	Role string `json:"role"`
}

// Level is one signature an approval chain needs.
type Level struct {
	Role string `json:"role"`
	UpTo Amount `json:"up_to"`
}

// DefaultApproval is WF-5's example: ≤ ¥2,000 department manager,
// ≤ ¥20,000 deputy GM, above that GM.
func DefaultApproval() Approval {
	return Approval{
		Currency: "CNY",
		Tiers: []Tier{
			{UpTo: 200000, Role: org.RoleManager},
			{UpTo: 2000000, Role: RoleDeputyGM},
			{UpTo: Unlimited, Role: RoleGM},
		},
		CriticalAddsLevel: true,
		Limits: map[string]Amount{
			org.RoleAgent: 20000, org.RoleHandler: 50000, org.RoleManager: 200000,
			RoleDeputyGM: 2000000, RoleGM: Unlimited,
		},
	}
}

// inBase converts m to the approval currency; ok is false when no rate is
// known.
func (a *Approval) inBase(m Money) (Amount, bool) {
	if m.Currency == "" || m.Currency == a.Currency {
		return m.Amount, true
	}
	r, ok := a.Rates[m.Currency]
	if !ok || r <= 0 {
		return 0, false
	}
	return Amount(math.Round(float64(m.Amount) * r)), true
}

// ApprovalChain returns the signatures a resolution of amount needs, lowest
// first.
func ApprovalChain(amount Money, severity string, level int, a *Approval) []Level {
	if len(a.Tiers) == 0 {
		return nil
	}
	top := len(a.Tiers) - 1
	if v, ok := a.inBase(amount); ok {
		for i, t := range a.Tiers {
			if t.UpTo == Unlimited || v <= t.UpTo {
				top = i
				break
			}
		}
	}
	if severity == SeverityCritical && a.CriticalAddsLevel && top < len(a.Tiers)-1 {
		top++
	}
	need := make([]bool, len(a.Tiers))
	for i := 0; i <= top; i++ {
		need[i] = true
	}
	for _, r := range a.Levels[strconv.Itoa(level)] {
		if i := a.rank(r); i >= 0 {
			need[i] = true
		}
	}
	var out []Level
	for i, t := range a.Tiers {
		if need[i] {
			out = append(out, Level{Role: t.Role, UpTo: t.UpTo})
		}
	}
	return out
}

// rank is the tier index of role, or -1 when the role approves nothing.
func (a *Approval) rank(role string) int {
	for i, t := range a.Tiers {
		if t.Role == role {
			return i
		}
	}
	return -1
}

// CanApprove reports whether role may sign level: its own tier or a higher
// one.
func (a *Approval) CanApprove(role string, l Level) bool {
	r := a.rank(role)
	return r >= 0 && r >= a.rank(l.Role)
}

// CanCommit reports whether role may promise amount to a customer without
// approval (003 第九条(十)). A role without a limit may promise nothing that
// costs money.
func CanCommit(a *Approval, role string, amount Money) bool {
	if amount.Amount <= 0 {
		return true
	}
	limit, ok := a.Limits[role]
	if !ok {
		return false
	}
	if limit == Unlimited {
		return true
	}
	v, ok := a.inBase(amount)
	return ok && v <= limit
}

// Chain is the approval chain for c under d's rules.
func (d *Definition) Chain(c *Case) []Level {
	return ApprovalChain(c.Amount, c.Severity, c.Level, &d.Approval)
}

// FreeResolutions settle a complaint at no cost: with no amount they need
// no approval.
var FreeResolutions = []string{"", "none", "explanation", "apology"}

// PlanApproved reports whether c's current plan (resolution type, amount,
// and the chain its severity and level ask for) may be promised and carried
// out: it costs nothing, someone committed it within their own authority,
// or every level of its chain signed in the current round (WF-5).
func (d *Definition) PlanApproved(c *Case) bool {
	if c.Amount.Amount <= 0 && slices.Contains(FreeResolutions, c.Resolution) {
		return true
	}
	if c.PlanCommitted {
		return true
	}
	chain := d.Chain(c)
	return len(chain) > 0 && c.ApprovalsObtained >= len(chain)
}

// NextLevel is the level that signs next on c, or false when the chain is
// complete.
func (d *Definition) NextLevel(c *Case) (Level, bool) {
	chain := d.Chain(c)
	if c.ApprovalsObtained < len(chain) {
		return chain[c.ApprovalsObtained], true
	}
	return Level{}, false
}

// ApprovalState is the state in which plans are signed (where the signing
// action starts), or "" when the definition has none.
func (d *Definition) ApprovalState() string {
	for _, a := range d.Actions {
		if a.Authority && a.Effects.RecordsApproval && len(a.From) > 0 {
			return a.From[0]
		}
	}
	return ""
}
