package workflow

import (
	"slices"
	"testing"
	"time"

	"kesu/internal/apperr"
)

var (
	agent   = Actor{ID: 1, Role: "agent"}
	qa      = Actor{ID: 2, Role: RoleQAEngineer}
	mgr     = Actor{ID: 3, Role: "manager"}
	dgm     = Actor{ID: 4, Role: RoleDeputyGM}
	gm      = Actor{ID: 5, Role: RoleGM}
	other   = Actor{ID: 6, Role: "handler"} // a handler who does not hold the case
	party   = Actor{ID: 7, Role: "manager"} // 当事人 in the 当事人 tests
	handler = Actor{ID: 8, Role: "handler"}
)

// step is one attempt on the case: prep stands for what other modules
// record (classification, CAPA, visits); then the action must either move
// the case to want or fail with code and rule.
type step struct {
	prep   func(c *Case)
	actor  Actor
	action string
	in     Input
	want   string
	code   apperr.Code
	rules  []string // rules expected among the field errors
}

func walk(t *testing.T, d *Definition, c *Case, steps []step) {
	t.Helper()
	for i, s := range steps {
		if s.prep != nil {
			s.prep(c)
		}
		r, err := Apply(d, c, s.actor, s.action, s.in)
		if s.code != "" {
			if !apperr.Is(err, s.code) {
				t.Fatalf("step %d %s by %s: got %v, want %s", i, s.action, s.actor.Role, err, s.code)
			}
			got := ruleSet(err)
			for _, rule := range s.rules {
				if !slices.Contains(got, rule) {
					t.Fatalf("step %d %s: rules %v, want %s", i, s.action, got, rule)
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s by %s from %s: %v", i, s.action, s.actor.Role, c.Status, err)
		}
		if r.To != s.want {
			t.Fatalf("step %d %s: to %s, want %s", i, s.action, r.To, s.want)
		}
		r.Update(c)
	}
}

func ruleSet(err error) []string {
	e, ok := err.(*apperr.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Rule)
	}
	return out
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func quality() *Case {
	return &Case{Status: "registered", Category: "quality.leak", Quality: true, Severity: SeverityMajor,
		Now: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)}
}

// intake walks a case from registration to responsibility determination.
func intake(established *bool, validity, responsibility string) []step {
	return []step{
		{actor: qa, action: "accept", want: "accepted"},
		{actor: other, action: "start_investigation", code: apperr.Forbidden, rules: []string{RuleNotHolder}},
		{actor: qa, action: "start_investigation", want: "investigating"},
		{actor: qa, action: "determine_responsibility", code: apperr.Invalid, rules: []string{"required"}},
		{prep: func(c *Case) { c.Established, c.Validity, c.Responsibility = established, validity, responsibility },
			actor: qa, action: "determine_responsibility", want: "responsibility_determined"},
	}
}

func visits(n int) []step {
	var out []step
	for range n {
		out = append(out, step{actor: agent, action: "follow_up_satisfied", in: Input{"satisfaction": "5"}, want: "follow_up"})
	}
	return out
}

func TestQualityInternalWithCAPA(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	steps := intake(yes(), ValidityValid, RespInternal)
	steps = append(steps,
		step{actor: qa, action: "reply_explanation", code: apperr.Invalid, rules: []string{"explanation_not_applicable"}},
		step{actor: qa, action: "propose_measures", want: "measures"},
		step{actor: qa, action: "submit_for_approval", code: apperr.Invalid, rules: []string{"required", "capa_required"}},
		step{prep: func(c *Case) {
			c.RootCause, c.Resolution, c.Amount = "密封圈批次硬度不足", "replace", Yuan(1500)
			c.CAPA = CAPASummary{Actions: 2}
		}, actor: qa, action: "submit_for_approval", want: "approval"},
		step{actor: qa, action: "reply", code: apperr.Invalid, rules: []string{"approval_pending"}},
		step{actor: qa, action: "approve", code: apperr.Forbidden, rules: []string{RuleRoleNotAllowed}},
		step{actor: mgr, action: "approve", want: "approval"},
		step{actor: dgm, action: "approve", code: apperr.Invalid, rules: []string{RuleApprovalsDone}},
		step{actor: mgr, action: "approve", code: apperr.Forbidden, rules: []string{RuleAlreadySigned}},
		step{actor: qa, action: "reply", want: "replied"},
		step{actor: agent, action: "customer_agrees", want: "executing"},
		step{actor: qa, action: "execute", code: apperr.Invalid, rules: []string{"required", "capa_not_done"}},
		step{prep: func(c *Case) { c.ResolutionExecuted, c.CAPA.Done = true, 2 }, actor: qa, action: "execute", want: "verification"},
		step{actor: qa, action: "verify_effective", code: apperr.Invalid, rules: []string{"capa_not_verified"}},
		step{prep: func(c *Case) { c.CAPA.Effective = 2 }, actor: qa, action: "verify_effective", want: "follow_up"},
		step{actor: mgr, action: "close", code: apperr.Invalid, rules: []string{"required", "follow_ups_missing"}},
	)
	steps = append(steps, visits(1)...)
	steps = append(steps,
		step{actor: mgr, action: "close", code: apperr.Invalid, rules: []string{"follow_ups_missing"}}, // quality needs 2
		step{actor: agent, action: "follow_up_satisfied", in: Input{"satisfaction": "3"}, code: apperr.Invalid, rules: []string{RuleNotSatisfied}},
	)
	steps = append(steps, visits(1)...)
	steps = append(steps,
		step{actor: agent, action: "close", code: apperr.Forbidden, rules: []string{RuleRoleNotAllowed}},
		step{actor: mgr, action: "close", want: "closed"},
		step{actor: mgr, action: "archive", want: "archived"},
	)
	walk(t, d, c, steps)
	if c.HolderID != qa.ID || c.ApprovalsObtained != 1 || c.FollowUpsDone != 2 || c.Reopens != 0 {
		t.Errorf("case = %+v", c)
	}
	if got := Available(d, c, mgr); len(got) != 0 {
		t.Errorf("archived case offers %d actions", len(got))
	}
}

func TestCustomerCausedClosesWithoutCAPA(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	steps := intake(yes(), ValidityInvalid, RespCustomer)
	steps = append(steps,
		step{actor: qa, action: "propose_measures", code: apperr.Invalid, rules: []string{"complaint_invalid", "responsibility_not_ours"}},
		step{actor: qa, action: "reply_explanation", want: "follow_up"},
	)
	steps = append(steps, visits(2)...)
	steps = append(steps, step{actor: qa, action: "close", want: "closed"})
	walk(t, d, c, steps)
	if c.CAPA.Actions != 0 || c.ApprovalsObtained != 0 {
		t.Errorf("case = %+v", c)
	}

	// not established: explain without naming a responsibility
	c = quality()
	steps = intake(no(), ValidityInvalid, "")
	steps = append(steps, step{actor: qa, action: "reply_explanation", want: "follow_up"})
	walk(t, d, c, steps)
}

func TestSupplierCausedNeedsSupplierCAPAAndAuthority(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	steps := intake(yes(), ValidityValid, RespSupplier)
	steps = append(steps,
		step{actor: qa, action: "propose_measures", want: "measures"},
		step{prep: func(c *Case) {
			c.RootCause, c.Resolution, c.Amount = "供应商来料不良", "compensation", Yuan(15000)
			c.CAPA = CAPASummary{Actions: 1}
		}, actor: qa, action: "submit_for_approval", code: apperr.Invalid, rules: []string{"supplier_capa_required"}},
		step{prep: func(c *Case) { c.CAPA = CAPASummary{Actions: 2, Supplier: 1} }, actor: qa, action: "submit_for_approval", want: "approval"},
		step{actor: mgr, action: "approve", want: "approval"},
		step{actor: qa, action: "reply", code: apperr.Invalid, rules: []string{"approval_pending"}},
		step{actor: Actor{ID: 9, Role: "manager"}, action: "approve", code: apperr.Forbidden, rules: []string{RuleNotApprover}},
		step{actor: dgm, action: "approve", want: "approval"},
		step{actor: qa, action: "reply", want: "replied"},
	)
	walk(t, d, c, steps)

	// a GM signing the manager's level covers every level up to the GM's
	// own, so the plan is approved and nothing is left for anyone to sign
	c.Status, c.ApprovalsObtained, c.ApproverIDs = "approval", 0, nil
	walk(t, d, c, []step{
		{actor: gm, action: "approve", want: "approval"},
		{actor: gm, action: "approve", code: apperr.Forbidden, rules: []string{RuleAlreadySigned}},
		{actor: qa, action: "reply", want: "replied"},
	})
	if c.ApprovalsObtained != 2 || c.ApproverIDs[0] != gm.ID || c.ApproverIDs[1] != gm.ID {
		t.Errorf("approvals = %d by %v", c.ApprovalsObtained, c.ApproverIDs)
	}

	// a deputy GM signing a GM-level plan covers the levels up to deputy
	// GM; the GM still signs the top level, and any approver of the
	// chain, the deputy who signed included, may refuse before that
	c.Status, c.ApprovalsObtained, c.ApproverIDs, c.Amount = "approval", 0, nil, Yuan(90000)
	walk(t, d, c, []step{
		{actor: dgm, action: "approve", want: "approval"},
		{actor: qa, action: "reply", code: apperr.Invalid, rules: []string{"approval_pending"}},
		{actor: dgm, action: "reject", in: Input{"reason": "金额过高"}, want: "measures"},
	})
	if c.ApprovalsObtained != 0 {
		t.Errorf("a refusal leaves %d signatures", c.ApprovalsObtained)
	}
	c.Status = "approval"
	walk(t, d, c, []step{
		{actor: mgr, action: "approve", want: "approval"},
		{actor: dgm, action: "approve", want: "approval"},
		{actor: Actor{ID: 9, Role: "manager"}, action: "reject", in: Input{"reason": "x"}, want: "measures"},
	})
}

func TestPlanMustBeApprovedToBePromised(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.Status, c.HolderID = "follow_up", qa.ID
	c.Established, c.Validity, c.Responsibility = yes(), ValidityValid, RespCustomer
	c.Resolution, c.Amount = "compensation", Yuan(90000)
	c.FollowUpsDone, c.LastSatisfaction = 2, 5
	// a plan that nobody approved cannot close the case, whatever the
	// definition's own guards say
	walk(t, d, c, []step{{actor: qa, action: "close", code: apperr.Invalid, rules: []string{RulePlanNotApproved}}})
	c.Resolution, c.Amount = "explanation", Money{}
	walk(t, d, c, []step{{actor: qa, action: "close", want: "closed"}})
}

func TestIneffectiveCAPAGoesBackToMeasures(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.Status, c.HolderID = "verification", qa.ID
	c.Established, c.Validity, c.Responsibility = yes(), ValidityValid, RespInternal
	c.RootCause, c.Resolution, c.Amount = "x", "repair", Yuan(800)
	c.CAPA = CAPASummary{Actions: 2, Done: 2, Effective: 1, Ineffective: 1}
	c.ApprovalsObtained, c.ResolutionExecuted = 1, true
	walk(t, d, c, []step{
		{actor: qa, action: "verify_effective", code: apperr.Invalid, rules: []string{"capa_not_verified"}},
		{actor: qa, action: "verify_ineffective", code: apperr.Invalid, rules: []string{"required"}}, // reason
		{actor: agent, action: "verify_ineffective", in: Input{"reason": "复发"}, code: apperr.Forbidden},
		{actor: qa, action: "verify_ineffective", in: Input{"reason": "同批次再次渗漏"}, want: "measures"},
		{actor: qa, action: "submit_for_approval", want: "approval"},
	})
	if c.ApprovalsObtained != 0 || c.CAPA.Ineffective != 0 {
		t.Errorf("a new plan needs new approvals and verification: %+v", c)
	}
}

func TestUnsatisfiedFollowUpReopens(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.Status, c.HolderID = "follow_up", qa.ID
	c.Established, c.Validity, c.Responsibility = yes(), ValidityValid, RespInternal
	c.CAPA = CAPASummary{Actions: 1, Done: 1, Effective: 1}
	c.ApprovalsObtained, c.FollowUpsDone, c.LastSatisfaction = 1, 1, 5
	walk(t, d, c, []step{
		{actor: agent, action: "follow_up_unsatisfied", in: Input{"satisfaction": "5", "comment": "还行"}, code: apperr.Invalid, rules: []string{RuleSatisfied}},
		{actor: agent, action: "follow_up_unsatisfied", in: Input{"satisfaction": "9", "comment": "x"}, code: apperr.Invalid, rules: []string{"out_of_range"}},
		{actor: agent, action: "follow_up_unsatisfied", in: Input{"satisfaction": "2", "comment": "仍然漏水"}, want: "responsibility_determined"},
		{actor: qa, action: "propose_measures", want: "measures"},
	})
	if c.Reopens != 1 || c.ApprovalsObtained != 0 || c.FollowUpsDone != 0 {
		t.Errorf("case after reopen = %+v", c)
	}
}

func TestOnTheSpot(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	service := func() *Case {
		return &Case{Status: "registered", Category: "service.attitude", Severity: SeverityMinor}
	}
	c := service()
	walk(t, d, c, []step{
		{actor: agent, action: "resolve_on_spot", code: apperr.Invalid, rules: []string{"required"}},
		{prep: func(c *Case) { c.Resolution, c.Amount = "apology", Yuan(0) }, actor: agent, action: "resolve_on_spot", want: "resolved_on_spot"},
		{actor: other, action: "start_follow_up", code: apperr.Forbidden, rules: []string{RuleNotHolder}},
		{actor: agent, action: "start_follow_up", want: "follow_up"},
		{actor: agent, action: "follow_up_satisfied", in: Input{"satisfaction": "4"}, want: "follow_up"},
		{actor: mgr, action: "close", want: "closed"}, // service needs one visit
	})

	// not simple, or beyond the agent's limit: no on-the-spot promise
	c = service()
	c.Resolution, c.Amount, c.Safety = "compensation", Yuan(100), true
	walk(t, d, c, []step{{actor: agent, action: "resolve_on_spot", code: apperr.Invalid, rules: []string{"not_simple"}}})
	c = service()
	c.Resolution, c.Amount = "compensation", Yuan(500)
	walk(t, d, c, []step{
		{actor: agent, action: "resolve_on_spot", code: apperr.Forbidden, rules: []string{RuleBeyondAuthority}},
		{actor: mgr, action: "resolve_on_spot", want: "resolved_on_spot"},
	})
}

func TestPartyToComplaintIsRefused(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.PartyIDs = []int64{party.ID, agent.ID}
	walk(t, d, c, []step{
		{actor: agent, action: "accept", code: apperr.Forbidden, rules: []string{RulePartyToComplaint}},
		{actor: qa, action: "accept", want: "accepted"},
	})
	c.Status, c.Amount, c.ApprovalsObtained = "approval", Yuan(1000), 0
	walk(t, d, c, []step{
		{actor: party, action: "approve", code: apperr.Forbidden, rules: []string{RulePartyToComplaint}},
		{actor: mgr, action: "approve", want: "approval"},
	})
	for _, o := range Available(d, c, party) {
		if o.Allowed || o.Code != apperr.Forbidden || o.Problems[0].Rule != RulePartyToComplaint {
			t.Errorf("%s offered to the 当事人: %+v", o.Action.Code, o)
		}
	}
}

func TestWaitingOnCustomer(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.Status, c.HolderID = "investigating", qa.ID
	walk(t, d, c, []step{
		{actor: qa, action: "wait_on_customer", in: Input{"reason": "等客户寄样"}, code: apperr.Invalid, rules: []string{"required"}},
		{actor: qa, action: "wait_on_customer", in: Input{"reason": "x", "reminder_date": "2025-03-01"}, code: apperr.Invalid, rules: []string{"in_past"}},
		{actor: qa, action: "wait_on_customer", in: Input{"reason": "x", "reminder_date": "10/04/2025"}, code: apperr.Invalid, rules: []string{"invalid_date"}},
		{actor: qa, action: "wait_on_customer", in: Input{"reason": "等客户寄样", "reminder_date": "2025-03-17"}, want: "waiting_on_customer"},
		{actor: qa, action: "wait_on_customer", in: Input{"reason": "x", "reminder_date": "2025-03-17"}, code: apperr.Conflict, rules: []string{RuleWrongState}},
		{actor: qa, action: "resume", want: "investigating"},
		{actor: agent, action: "withdraw", in: Input{"reason": "客户撤诉"}, want: "withdrawn"},
		{actor: mgr, action: "archive", want: "archived"},
	})
	s, _ := d.State("waiting_on_customer")
	if !s.PausesSLA {
		t.Error("waiting on the customer must pause SLA clocks")
	}

	c = quality()
	walk(t, d, c, []step{
		{actor: agent, action: "merge", in: Input{"merge_into": "abc"}, code: apperr.Invalid, rules: []string{"invalid_id"}},
		{actor: agent, action: "merge", in: Input{"merge_into": "42"}, want: "merged"},
	})
}

func TestCheckUnknownActionAndState(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	if err := Check(d, c, qa, "teleport", nil); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown action: %v", err)
	}
	if err := Check(d, c, qa, "close", nil); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("wrong state: %v", err)
	}
	c.Status = "limbo"
	if err := Check(d, c, qa, "accept", nil); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestAvailableExplainsWhatIsMissing(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	c := quality()
	c.Status, c.HolderID, c.Responsibility = "measures", qa.ID, RespSupplier
	opts := map[string]Option{}
	for _, o := range Available(d, c, qa) {
		opts[o.Action.Code] = o
	}
	sub := opts["submit_for_approval"]
	if sub.Allowed || sub.Code != apperr.Invalid {
		t.Fatalf("submit_for_approval = %+v", sub)
	}
	want := map[string]string{"root_cause": "required", "resolution": "required", "amount": "required", "supplier_capa_actions": "supplier_capa_required"}
	for _, p := range sub.Problems {
		if want[p.Field] == p.Rule {
			delete(want, p.Field)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing problems %v in %+v", want, sub.Problems)
	}
	if !opts["wait_on_customer"].Allowed || opts["withdraw"].Code != apperr.Forbidden {
		t.Errorf("side actions should be offered: %+v", opts)
	}
	if _, ok := opts["approve"]; ok {
		t.Error("approve does not start from measures")
	}
	if o := Available(d, c, agent); len(o) == 0 || o[0].Allowed && o[0].Action.Code == "submit_for_approval" {
		t.Errorf("agent options = %+v", o)
	}
}

func TestServiceLevels(t *testing.T) {
	d := mustProfile(t, ProfileService)
	c := &Case{Status: "registered", Category: "service.attitude", Severity: SeverityMajor}
	walk(t, d, c, []step{
		{actor: agent, action: "accept", code: apperr.Invalid, rules: []string{"required"}}, // level
		{prep: func(c *Case) { c.Level = 2 }, actor: agent, action: "accept", want: "accepted"},
		{actor: agent, action: "start_investigation", want: "investigating"},
		{prep: func(c *Case) { c.Established, c.Validity = yes(), ValidityValid }, actor: agent, action: "determine_responsibility", want: "responsibility_determined"},
		{prep: func(c *Case) { c.Responsibility = RespInternal }, actor: agent, action: "propose_measures", want: "measures"},
		{prep: func(c *Case) { c.RootCause, c.Resolution, c.Amount = "服务顾问态度", "apology", Yuan(0) },
			actor: agent, action: "reply_direct", code: apperr.Invalid, rules: []string{"level_1_only"}},
		{actor: agent, action: "submit_for_approval", want: "approval"},
		{actor: agent, action: "escalate", in: Input{"reason": "客户要求总经理处理"}, want: "approval"},
		{actor: agent, action: "escalate", in: Input{"reason": "x"}, code: apperr.Invalid, rules: []string{"top_level"}},
		{actor: mgr, action: "approve", want: "approval"},
		{actor: agent, action: "reply", code: apperr.Invalid, rules: []string{"approval_pending"}}, // level 3: GM too
		{actor: gm, action: "approve", want: "approval"},
		{actor: agent, action: "reply", want: "replied"},
		{actor: agent, action: "customer_agrees", want: "executing"},
		{prep: func(c *Case) { c.ResolutionExecuted = true }, actor: agent, action: "execute", want: "follow_up"},
	})
	if c.Level != 3 {
		t.Errorf("level = %d", c.Level)
	}

	// level 1: the front line answers within its own limit
	c = &Case{Status: "measures", Category: "service.response", Severity: SeverityMinor, Level: 1, HolderID: agent.ID,
		Resolution: "discount", Amount: Yuan(150)}
	walk(t, d, c, []step{{actor: agent, action: "reply_direct", want: "replied"}})
	c = &Case{Status: "measures", Category: "service.response", Severity: SeverityMinor, Level: 1, HolderID: agent.ID,
		Resolution: "discount", Amount: Yuan(800)}
	walk(t, d, c, []step{{actor: agent, action: "reply_direct", code: apperr.Forbidden, rules: []string{RuleBeyondAuthority}}})
}

func TestBankPath(t *testing.T) {
	d := mustProfile(t, ProfileBank)
	s, _ := d.State("registered")
	if s.Within != "1h" {
		t.Errorf("registered within %q, want 1h", s.Within)
	}
	c := &Case{Status: "registered", Category: "service.error", Severity: SeverityMinor}
	var notified []string
	steps := []step{
		{actor: agent, action: "accept", want: "accepted"},
		{actor: agent, action: "start_investigation", want: "investigating"},
		{prep: func(c *Case) { c.Established, c.Validity = yes(), ValidityValid }, actor: agent, action: "determine_responsibility", want: "responsibility_determined"},
		{prep: func(c *Case) { c.Responsibility, c.Resolution, c.Amount = RespInternal, "refund", Yuan(300) },
			actor: agent, action: "submit_for_approval", want: "approval"},
		{actor: mgr, action: "approve", want: "approval"},
		{actor: agent, action: "reply", want: "replied"},
		{actor: agent, action: "customer_agrees", code: apperr.Invalid, rules: []string{"required"}},
		{prep: func(c *Case) { c.ResolutionExecuted = true }, actor: agent, action: "customer_agrees", want: "follow_up"},
	}
	steps = append(steps, visits(1)...)
	steps = append(steps, step{actor: mgr, action: "close", want: "closed"})
	walk(t, d, c, steps)
	r, err := Apply(d, &Case{Status: "registered"}, agent, "accept", nil)
	if err == nil {
		notified = r.Effects.Notify
	}
	if !slices.Contains(notified, "manager") || !r.Effects.SendsAcknowledgment || r.Holder != agent.ID {
		t.Errorf("accept result = %+v, %v", r, err)
	}
}
