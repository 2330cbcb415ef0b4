package workflow

import (
	"slices"
	"strconv"
	"strings"

	"kesu/internal/apperr"
)

// Actor is the user attempting an action.
type Actor struct {
	ID   int64
	Role string
}

// Rule codes of refusals, beyond the field rules of apperr.Validation.
const (
	RuleWrongState       = "wrong_state"        // Conflict: the action does not start here
	RuleUnknownAction    = "unknown_action"     // Invalid
	RulePartyToComplaint = "party_to_complaint" // Forbidden: 当事人 may not take part (002 第6篇 (四))
	RuleRoleNotAllowed   = "role_not_allowed"   // Forbidden
	RuleNotHolder        = "not_holder"         // Forbidden: only the holder or backup
	RuleNotApprover      = "not_approver"       // Forbidden: below the authority the next level needs
	RuleBeyondAuthority  = "beyond_authority"   // Forbidden: amount above the actor's limit (WF-5)
	RuleAlreadySigned    = "already_signed"     // Forbidden: one person signs one level of a chain
	RuleApprovalsDone    = "approvals_complete" // Invalid: nothing left to sign
	RuleNoPrevious       = "no_previous_state"  // Invalid: @previous with nothing to return to
	RuleNotSatisfied     = "not_satisfied"      // Invalid: score below satisfied_min
	RuleSatisfied        = "satisfied"          // Invalid: an "unsatisfied" visit with a satisfied score
	RulePlanNotApproved  = "plan_not_approved"  // Invalid: the current plan lacks its approval (WF-5)
	RuleCAPANotVerified  = "capa_not_verified"  // Invalid: a CAPA action is not verified effective
)

// Option is one action from the case's current state, with why it cannot be
// taken yet: the UI shows allowed options as buttons and the problems of the
// others as "what is required to move on".
type Option struct {
	Action   *Action
	Allowed  bool
	Code     apperr.Code         // Forbidden or Invalid when not allowed
	Problems []apperr.FieldError // field "actor" for who-may problems, else the case field or input
}

// Available lists the actions leaving the case's current state, in
// definition order. Inputs are not checked: the actor has not given them.
func Available(d *Definition, c *Case, actor Actor) []Option {
	var out []Option
	for i := range d.Actions {
		a := &d.Actions[i]
		if !a.from[c.Status] {
			continue
		}
		o := Option{Action: a, Allowed: true}
		if e := d.who(c, actor, a); e != nil {
			o.Allowed, o.Code = false, e.Code
			o.Problems = append(o.Problems, e.Fields...)
		}
		if fs := d.what(c, a, nil, false); len(fs) > 0 {
			if o.Allowed {
				o.Code = apperr.Invalid
			}
			o.Allowed = false
			o.Problems = append(o.Problems, fs...)
		}
		out = append(out, o)
	}
	return out
}

// Check reports whether actor may take action on c with in: Conflict when
// the action does not start from the case's state, Forbidden when the actor
// may not take it, Invalid with one field error per missing requirement,
// failed guard or bad input.
func Check(d *Definition, c *Case, actor Actor, action string, in Input) error {
	_, err := d.check(c, actor, action, in)
	return err
}

func (d *Definition) check(c *Case, actor Actor, code string, in Input) (*Action, error) {
	a, ok := d.actions[code]
	if !ok {
		return nil, fieldErr(apperr.Invalid, "unknown action", "action", RuleUnknownAction, code)
	}
	if !a.from[c.Status] {
		return nil, fieldErr(apperr.Conflict, "action "+code+" does not start from state "+c.Status, "status", RuleWrongState, c.Status)
	}
	if e := d.who(c, actor, a); e != nil {
		return nil, e
	}
	if fs := d.what(c, a, in, true); len(fs) > 0 {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "action " + code + " is not possible yet", Fields: fs}
	}
	return a, nil
}

// who checks the actor: 当事人, role, holder, authority.
func (d *Definition) who(c *Case, actor Actor, a *Action) *apperr.Error {
	if slices.Contains(c.PartyIDs, actor.ID) {
		return fieldErr(apperr.Forbidden, "the person complained about may not handle or approve the complaint", "actor", RulePartyToComplaint, "")
	}
	if !slices.Contains(a.Roles, actor.Role) {
		return fieldErr(apperr.Forbidden, "role "+actor.Role+" may not "+a.Code, "actor", RuleRoleNotAllowed, strings.Join(a.Roles, ","))
	}
	if a.HolderOnly && c.HolderID != 0 && actor.ID != c.HolderID && actor.ID != c.BackupID {
		return fieldErr(apperr.Forbidden, "only the holder or the backup may "+a.Code, "actor", RuleNotHolder, "")
	}
	if a.Authority {
		chain := d.Chain(c)
		if a.Effects.RecordsApproval {
			// A signature: one per person and round, at the next level
			// or above it (a higher signer covers the levels up to theirs).
			if slices.Contains(c.ApproverIDs, actor.ID) {
				return fieldErr(apperr.Forbidden, "the actor has already signed this plan", "actor", RuleAlreadySigned, "")
			}
			if c.ApprovalsObtained < len(chain) {
				next := chain[c.ApprovalsObtained]
				if !d.Approval.CanApprove(actor.Role, next) {
					return fieldErr(apperr.Forbidden, "the next approval needs "+next.Role, "actor", RuleNotApprover, next.Role)
				}
			}
		} else if len(chain) > 0 && !d.Approval.CanApprove(actor.Role, chain[0]) {
			// A refusal: anyone who could sign some level of the chain,
			// whether or not they signed already.
			return fieldErr(apperr.Forbidden, "only an approver of the chain may refuse", "actor", RuleNotApprover, chain[0].Role)
		}
	}
	if a.CommitsResolution && !CanCommit(&d.Approval, actor.Role, c.Amount) {
		limit := d.Approval.Limits[actor.Role]
		return fieldErr(apperr.Forbidden, "the amount is beyond the actor's authority", "amount", RuleBeyondAuthority, limitParam(limit))
	}
	return nil
}

// what checks the case data and, when withInput, the input.
func (d *Definition) what(c *Case, a *Action, in Input, withInput bool) []apperr.FieldError {
	var v apperr.Validation
	for _, f := range a.Requires {
		if !caseFields[f].get(d, c).set {
			v.Add(f, "required", "")
		}
	}
	for _, g := range a.Guards {
		if !g.holds(d, c) && !v.Has(g.field()) {
			v.Add(g.field(), g.Rule, "")
		}
	}
	if a.Authority && c.ApprovalsObtained >= len(d.Chain(c)) {
		v.Add("approvals_obtained", RuleApprovalsDone, "")
	}
	if to, ok := d.states[d.target(c, a)]; ok && to.Code != c.Status {
		// Invariants no definition can drop: a case reaches the states
		// after the promise to the customer only with its current plan
		// approved, and closes only with every CAPA action effective.
		closing := to.Kind == KindNormal && !to.Open
		if (to.PlanLocked || closing) && !a.CommitsResolution && !d.PlanApproved(c) && !v.Has("plan_approved") {
			v.Add("plan_approved", RulePlanNotApproved, "")
		}
		if closing && !caseFields["capa_all_effective"].get(d, c).b && !v.Has("capa_all_effective") {
			v.Add("capa_all_effective", RuleCAPANotVerified, "")
		}
	}
	if a.To == ToPrevious {
		if s, ok := d.states[c.PreviousStatus]; !ok || s.Code == c.Status || s.Kind == KindTerminal {
			v.Add("previous_status", RuleNoPrevious, "")
		}
	}
	if withInput {
		for _, name := range a.Input {
			checkInput(name, in[name], c.Now, v.Add)
		}
		if a.Satisfaction != "" && !v.Has("satisfaction") {
			n, _ := strconv.Atoi(strings.TrimSpace(in["satisfaction"]))
			if a.Satisfaction == Satisfied && n < d.FollowUps.SatisfiedMin {
				v.Add("satisfaction", RuleNotSatisfied, strconv.Itoa(d.FollowUps.SatisfiedMin))
			}
			if a.Satisfaction == Unsatisfied && n >= d.FollowUps.SatisfiedMin {
				v.Add("satisfaction", RuleSatisfied, strconv.Itoa(d.FollowUps.SatisfiedMin))
			}
		}
	}
	if err := v.Err(); err != nil {
		return err.(*apperr.Error).Fields
	}
	return nil
}

// Result is what an action does: the new state and the effects the caller
// carries out.
type Result struct {
	Action       string
	By           int64 // the actor
	From, To     string
	Effects      Effects
	Previous     string // set when the effects say to remember the state left
	Holder       int64  // the new holder when the action takes the case
	Level        int    // the level after the action (escalation raises it)
	Satisfaction int    // the score of a recorded visit
	// Signs are the chain levels a signature covers, lowest first: the
	// next level and those above it up to the signer's own authority.
	Signs []Level
	// Commits: the actor promised the plan within their own authority.
	Commits bool
}

// Apply checks the action and returns its result; it changes nothing.
func Apply(d *Definition, c *Case, actor Actor, action string, in Input) (Result, error) {
	a, err := d.check(c, actor, action, in)
	if err != nil {
		return Result{}, err
	}
	r := Result{Action: a.Code, By: actor.ID, From: c.Status, To: a.To, Effects: a.Effects, Level: c.Level}
	switch a.To {
	case ToSame:
		r.To = c.Status
	case ToPrevious:
		r.To = c.PreviousStatus
	}
	if a.Effects.RemembersPrevious {
		r.Previous = c.Status
	}
	if a.Effects.TakesCase && c.HolderID == 0 {
		r.Holder = actor.ID
	}
	if a.Effects.Escalates {
		r.Level = c.Level + 1
	}
	if a.Effects.RecordsFollowUp {
		r.Satisfaction, _ = strconv.Atoi(strings.TrimSpace(in["satisfaction"]))
	}
	if a.Effects.RecordsApproval {
		chain := d.Chain(c)
		for i := c.ApprovalsObtained; i < len(chain) && d.Approval.CanApprove(actor.Role, chain[i]); i++ {
			r.Signs = append(r.Signs, chain[i])
		}
	}
	r.Commits = a.CommitsResolution
	return r, nil
}

// target is the state action a leads c to.
func (d *Definition) target(c *Case, a *Action) string {
	switch a.To {
	case ToSame:
		return c.Status
	case ToPrevious:
		return c.PreviousStatus
	}
	return a.To
}

// Update applies the result's state and counters to the case view, as the
// storage layer will to the record; it lets callers and tests walk a case.
func (r Result) Update(c *Case) {
	c.Status = r.To
	if r.Previous != "" {
		c.PreviousStatus = r.Previous
	}
	if r.Holder != 0 {
		c.HolderID = r.Holder
	}
	c.Level = r.Level
	e := r.Effects
	if e.RecordsFollowUp {
		c.FollowUpsDone++
		c.LastSatisfaction = r.Satisfaction
	}
	for range r.Signs {
		c.ApprovalsObtained++
		c.ApproverIDs = append(c.ApproverIDs, r.By)
	}
	if r.Commits {
		c.PlanCommitted = true
	}
	if e.ResetsApprovals {
		c.ApprovalsObtained, c.ApproverIDs, c.PlanCommitted = 0, nil, false
	}
	if e.ResetsVerification {
		c.CAPA.Effective, c.CAPA.Ineffective = 0, 0
	}
	if e.CountsAsReopen {
		c.Reopens++
		c.FollowUpsDone, c.LastSatisfaction = 0, 0
	}
}

// holds evaluates the guard on c.
func (g Guard) holds(d *Definition, c *Case) bool {
	for _, cond := range g.If {
		if !cond.holds(d, c) {
			return true // does not apply
		}
	}
	for _, cond := range g.All {
		if !cond.holds(d, c) {
			return false
		}
	}
	if len(g.Any) == 0 {
		return true
	}
	for _, cond := range g.Any {
		if cond.holds(d, c) {
			return true
		}
	}
	return false
}

// field is the case field a failed guard is reported on.
func (g Guard) field() string {
	if len(g.All) > 0 {
		return g.All[0].Field
	}
	return g.Any[0].Field
}

func (c Cond) holds(d *Definition, cs *Case) bool {
	v := caseFields[c.Field].get(d, cs)
	switch c.Op {
	case "set":
		return v.set
	case "unset":
		return !v.set
	case "in", "not_in":
		in := false
		for _, x := range c.Value.([]any) {
			if x.(string) == v.s {
				in = true
			}
		}
		return in == (c.Op == "in")
	case "gt":
		return v.n > c.Value.(float64)
	case "gte":
		return v.n >= c.Value.(float64)
	case "lt":
		return v.n < c.Value.(float64)
	case "lte":
		return v.n <= c.Value.(float64)
	}
	var eq bool
	switch v.kind {
	case kindString:
		eq = v.s == c.Value.(string)
	case kindBool:
		// an undecided tri-state field equals neither true nor false
		eq = (v.set || !v.tri) && v.b == c.Value.(bool)
	case kindNumber:
		eq = v.n == c.Value.(float64)
	}
	if c.Op == "ne" {
		return !eq
	}
	return eq
}

func fieldErr(code apperr.Code, msg, field, rule, param string) *apperr.Error {
	return &apperr.Error{Code: code, Message: msg, Fields: []apperr.FieldError{{Field: field, Rule: rule, Param: param}}}
}

func limitParam(a Amount) string {
	b, _ := a.MarshalJSON()
	return strings.Trim(string(b), `"`)
}
