package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/enum"
	"kesu/internal/jobs"
	"kesu/internal/money"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// Actor is a signed-in user acting on a case, or the complainant acting
// through the public pages.
type Actor struct {
	User  *org.User
	Audit audit.Actor
	// Public is the complainant acting on complaint ComplaintID, whom the
	// edge authenticated by its tracking code or a survey link; they act
	// with the workflow rights of customer service on that complaint only.
	Public      bool
	ComplaintID int64
}

// PublicActor is the complainant of complaint id.
func PublicActor(id int64, a audit.Actor) Actor {
	return Actor{User: &org.User{Username: "complainant", Role: org.RoleAgent}, Audit: a, Public: true, ComplaintID: id}
}

func (a Actor) wf() workflow.Actor { return workflow.Actor{ID: a.User.ID, Role: a.User.Role} }

// Service applies workflow actions and decisions to stored cases. It is
// the one way a case is read for work and written: every method passes
// the gate of access.go.
type Service struct {
	Store Store
	// Definitions are every version of every profile; Default names the
	// profile new complaints use (at its newest version).
	Definitions  *Definitions
	Default      string
	Now          func() time.Time
	lastAssigned sync.Map // department id → last holder picked here (round robin)
	deptIDs      sync.Map // department code → id
	teamMu       sync.Mutex
	teams        map[int64]cachedTeam
	duty         map[int64]cachedDuty // under teamMu
	depts        deptCache

	// ReplyJob returns the job that sends a reply to the complainant by
	// their channel, enqueued with the reply; nil when there is none.
	ReplyJob func(ctx context.Context, r *Record, kind, body string) (*jobs.Job, error)
	// SurveyJob returns the job that sends a new survey link (its token)
	// to the complainant by their channel; nil when there is none.
	SurveyJob func(ctx context.Context, r *Record, token string) (*jobs.Job, error)
	// OutgoingGuard, when set, checks every text written to the
	// complainant (replies, public notes) before anything is recorded or
	// sent; an error refuses the write. The service desk's knowledge base
	// refuses text that quotes an internal entry (004 §6.1).
	OutgoingGuard func(ctx context.Context, text string) error
	// OnDuty, when set, returns who is rostered on shift at t in a
	// department (the service desk's duty roster). Routing then picks a
	// holder among the team's members on shift; with nobody of the team
	// on the roster, among all of them.
	OnDuty func(ctx context.Context, departmentID int64, t time.Time) ([]int64, error)
	// StatusJobs returns jobs to enqueue with a workflow action that
	// changes the status (the complaint.status_changed webhook); r still
	// has the version it had before the change.
	StatusJobs func(r *Record, action, from, to string, at time.Time) []*jobs.Job
	// Clocks extends SLA due times; nil when time limits are off.
	Clocks ClockStore
	// Rates are the costing rule's rates of a case's loss (FIN-2).
	Rates money.Rates
	// ReturnTolerance is the company's over-quantity tolerance of returns
	// in basis points, for customers that name none (RET-1).
	ReturnTolerance int64
	// Attachments lists a complaint's files (a signed credit note's copy
	// must be one of them); nil in tests that need none.
	Attachments func(ctx context.Context, complaintID int64) ([]complaint.Attachment, error)
}

// NewService loads the shipped profiles; def names the default one.
func NewService(st Store, def string, now func() time.Time) (*Service, error) {
	defs, err := LoadDefinitions(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	return NewServiceWith(st, defs, def, now)
}

// NewServiceWith is NewService on the given definitions (the shipped
// profiles and those administrators uploaded).
func NewServiceWith(st Store, defs *Definitions, def string, now func() time.Time) (*Service, error) {
	if _, ok := defs.Latest(def); !ok {
		return nil, fmt.Errorf("workflow profile %q does not exist (have %v)", def, defs.Profiles())
	}
	return &Service{Store: st, Definitions: defs, Default: def, Now: now, ReturnTolerance: money.DefaultReturnTolerance}, nil
}

// Definition returns the definition a case runs under: its profile at the
// version it was registered with. A version uploaded on another server a
// moment ago is loaded on first use.
func (s *Service) Definition(r *Record) *workflow.Definition {
	if v, ok := s.Definitions.Get(r.Profile, r.ProfileVersion); ok {
		return v.Definition
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	s.Definitions.Refresh(ctx) // on failure, the fallback below
	cancel()
	if v, ok := s.Definitions.Get(r.Profile, r.ProfileVersion); ok {
		return v.Definition
	}
	if v, ok := s.Definitions.Latest(r.Profile); ok {
		return v.Definition
	}
	v, _ := s.Definitions.Latest(s.Default)
	return v.Definition
}

// View is the workflow engine's view of r.
func (s *Service) View(r *Record) *workflow.Case {
	c := &workflow.Case{
		Status: r.Status, PreviousStatus: r.PreviousStatus, Category: r.Category, Quality: r.Quality,
		Severity: r.Severity, Safety: r.Safety, Level: r.Level, Established: r.Established, Validity: r.Validity,
		Malicious: r.Malicious, Responsibility: r.Responsibility, RootCause: r.RootCause, Resolution: r.Resolution,
		Amount:             workflow.Money{Amount: workflow.Amount(r.Amount), Currency: r.Currency},
		ResolutionExecuted: r.ResolutionExecuted, CAPA: r.CAPA, FollowUpsDone: r.FollowUpsDone,
		LastSatisfaction: r.LastSatisfaction, ApprovalsObtained: len(r.Approvers), ApproverIDs: slices.Clone(r.Approvers),
		PlanCommitted: r.PlanCommitted, Reopens: r.Reopens, PartyIDs: r.Parties, Now: s.Now(),
	}
	if r.HolderID != nil {
		c.HolderID = *r.HolderID
	}
	if r.BackupID != nil {
		c.BackupID = *r.BackupID
	}
	return c
}

// Load returns a case without checking who asks: for jobs and for
// callers that checked the reader with Read already.
func (s *Service) Load(ctx context.Context, complaintID int64) (*Record, error) {
	return s.Store.Load(ctx, complaintID)
}

// Options returns the case, if actor may read it, with the actions of its
// state for actor and what each still needs — including what the gate
// refuses (scope, 当事人, a finished case), so pages say why instead of
// hiding a step.
func (s *Service) Options(ctx context.Context, complaintID int64, actor Actor) (*Record, []workflow.Option, error) {
	r, err := s.Read(ctx, complaintID, actor)
	if err != nil {
		return nil, nil, err
	}
	return r, s.options(ctx, r, actor), nil
}

// Written is Options for the answer to a write actor has just made, which
// may have taken the case out of their scope (they assigned it away): the
// case as the write left it, with every action refused by the gate.
func (s *Service) Written(ctx context.Context, complaintID int64, actor Actor) (*Record, []workflow.Option, error) {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, nil, err
	}
	return r, s.options(ctx, r, actor), nil
}

func (s *Service) options(ctx context.Context, r *Record, actor Actor) []workflow.Option {
	opts := workflow.Available(s.Definition(r), s.View(r), actor.wf())
	gate := map[auth.Permission]error{}
	for _, p := range []auth.Permission{auth.ComplaintUpdate, auth.CaseContact} {
		if gate[p] = s.authorize(ctx, actor, r, p); gate[p] == nil {
			gate[p] = s.mayWrite(actor, r, true)
		}
	}
	for i := range opts {
		o := &opts[i]
		err := gate[auth.ComplaintUpdate]
		if o.Action.CustomerContact {
			err = gate[auth.CaseContact]
		}
		if err == nil && o.Action.Authority {
			err = s.approveScope(ctx, actor, r)
		}
		if err == nil {
			continue
		}
		var ae *apperr.Error
		if errors.As(err, &ae) {
			o.Allowed, o.Code = false, ae.Code
			o.Problems = append(slices.Clone(ae.Fields), o.Problems...)
		}
	}
	return opts
}

func staleCheck(r *Record, version int) error {
	if version != 0 && version != r.Version {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("complaint changed (version %d, yours %d)", r.Version, version),
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(r.Version)}}}
	}
	return nil
}

// Do takes a workflow action on a case. version is the version the actor
// saw (0 skips the check). Input carries the action's inputs (reason,
// comment, reminder_date, merge_into, satisfaction) and, for follow-up
// visits, "method"; for replies, "body".
func (s *Service) Do(ctx context.Context, complaintID int64, version int, action string, in workflow.Input, actor Actor) (*Record, error) {
	// Finished cases take only the actions their definition starts there
	// (archive, reopen): the engine refuses the rest as wrong_state.
	r, err := s.beginWith(ctx, complaintID, version, actor, func(r *Record) auth.Permission { return s.actionPermission(r, action) }, true)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	def := s.Definition(r)
	view := s.View(r)
	chain := def.Chain(view)
	res, err := workflow.Apply(def, view, actor.wf(), action, in)
	if err != nil {
		return nil, err
	}
	a, _ := def.Action(action)
	if a.Authority {
		if err := s.approveScope(ctx, actor, r); err != nil {
			return nil, err
		}
	}
	e := res.Effects
	var v apperr.Validation
	body := strings.TrimSpace(in["body"])
	if e.Reply != "" {
		if v.Required("body", body) && v.Text("body", body, 10000) && s.OutgoingGuard != nil {
			if err := s.OutgoingGuard(ctx, body); err != nil {
				return nil, err
			}
		}
	}
	method := strings.TrimSpace(in["method"])
	if e.RecordsFollowUp && method == "" {
		method = "phone"
	}
	var mergeInto int64
	if m := strings.TrimSpace(in["merge_into"]); m != "" {
		id, _ := strconv.ParseInt(m, 10, 64)
		switch {
		case id == r.ComplaintID:
			v.Add("merge_into", "self_reference", "")
		case id > 0:
			// The survivor must exist and be readable by the actor.
			if _, err := s.Read(ctx, id, actor); err != nil && !actor.Public {
				if apperr.Is(err, apperr.NotFound) {
					v.Add("merge_into", "not_found", "")
				} else {
					return nil, err
				}
			}
			mergeInto = id
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Now()
	res.Update(view)
	r.Status, r.PreviousStatus, r.Level = view.Status, view.PreviousStatus, view.Level
	if r.Erased && s.final(&before) && !s.final(r) {
		return nil, erasedError(r)
	}
	r.FollowUpsDone, r.LastSatisfaction, r.Reopens = view.FollowUpsDone, view.LastSatisfaction, view.Reopens
	r.Approvers, r.PlanCommitted = view.ApproverIDs, view.PlanCommitted
	if view.HolderID != 0 {
		id := view.HolderID
		r.HolderID = &id
	}
	w := Write{Action: "workflow." + action, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: "transition",
		Data: map[string]any{"action": action, "from": res.From, "to": res.To}}}
	for _, k := range []string{"reason", "comment"} {
		if t := strings.TrimSpace(in[k]); t != "" {
			w.Event.Data[k] = t
		}
	}
	if len(res.Signs) > 0 {
		levels := make([]string, len(res.Signs))
		for i, l := range res.Signs {
			levels[i] = l.Role
			w.Approvals = append(w.Approvals, Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: l.Role,
				ApproverID: actor.User.ID, Decision: "approved", Comment: strings.TrimSpace(in["comment"]), Amount: r.Amount,
				Currency: r.Currency, At: now})
		}
		w.Event.Data["level"] = levels[0]
		w.Event.Data["levels"] = levels
	}
	if res.Commits {
		// Promised within the actor's own authority: recorded like a
		// signature, so a later change of the plan needs approval again.
		w.Approvals = append(w.Approvals, Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: actor.User.Role,
			ApproverID: actor.User.ID, Decision: "committed", Amount: r.Amount, Currency: r.Currency, At: now})
		w.Event.Data["committed"] = true
	}
	if e.ResetsApprovals {
		if a.Authority && !e.RecordsApproval {
			w.Approvals = append(w.Approvals, Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: nextRole(chain, before.Approvers),
				ApproverID: actor.User.ID, Decision: "rejected", Comment: strings.TrimSpace(strings.TrimSpace(in["reason"]) + " " + strings.TrimSpace(in["comment"])),
				Amount: r.Amount, Currency: r.Currency, At: now})
		}
		w.NewRound = true
		r.ApprovalRound++
		r.Approvers, r.PlanCommitted = nil, false
	}
	if e.ResetsVerification {
		w.ResetVerification = true
		w.Event.Data["capa_verification_reset"] = true
	}
	if e.RecordsFollowUp {
		score := res.Satisfaction
		w.FollowUp = &FollowUp{ComplaintID: r.ComplaintID, Method: method, Satisfaction: &score,
			Comment: strings.TrimSpace(in["comment"]), ByUserID: &actor.User.ID, At: &now}
		w.Event.Data["satisfaction"] = score
	}
	if e.CountsAsReopen {
		w.Event.Data["reopen"] = true
	}
	if e.Reply != "" {
		w.Event.Public = true
		w.Event.Kind = complaint.EventReply
		w.Event.Body = body
		w.Event.Data["reply"] = e.Reply
		w.Event.Data["channel"] = "customer"
		if s.ReplyJob != nil {
			j, err := s.ReplyJob(ctx, r, e.Reply, body)
			if err != nil {
				return nil, err
			}
			if j != nil {
				w.Jobs = append(w.Jobs, j)
				w.Event.Data["sent_by"] = j.Kind
			}
		}
	}
	if id, ok := surveyOf(ctx); ok && e.RecordsFollowUp {
		w.SurveyID = id
		w.FollowUp.Method = "survey"
		w.FollowUp.ByUserID = nil
	}
	if d := strings.TrimSpace(in["reminder_date"]); d != "" {
		if t, err := time.Parse("2006-01-02", d); err == nil {
			r.ReminderDate = &t
		}
	}
	if mergeInto != 0 {
		r.MergedInto = &mergeInto
		w.Link = &Link{ToID: mergeInto, Kind: "merged"}
	}
	if st, ok := def.State(r.Status); ok && !st.Open && r.ClosedAt == nil {
		r.ClosedAt = &now
	} else if ok && st.Open {
		r.ClosedAt = nil
	}
	markMilestones(r, def, action, res.From, e.Reply != "", now)
	w.Clock = clockChange(def, action, res.From, res.To)
	if len(e.Notify) > 0 {
		ns, err := s.roleNotices(ctx, r, e.Notify, "case.notify", a, actor)
		if err != nil {
			return nil, err
		}
		w.Notices = append(w.Notices, ns...)
	}
	if s.StatusJobs != nil && res.From != res.To {
		w.Jobs = append(w.Jobs, s.StatusJobs(r, action, res.From, res.To, now)...)
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return r, nil
}

// actionPermission is the permission a workflow action needs: recording
// the customer's side needs case.contact, every other step
// complaint.update.
func (s *Service) actionPermission(r *Record, action string) auth.Permission {
	if a, ok := s.Definition(r).Action(action); ok && a.CustomerContact {
		return auth.CaseContact
	}
	return auth.ComplaintUpdate
}

// RulePlanNeedsApproval refuses a correction of a finished case that
// would take its plan beyond the approvals it has.
const RulePlanNeedsApproval = "plan_needs_approval"

// cloneRecord copies r deeply enough to compare before and after a change.
func cloneRecord(r *Record) Record {
	c := *r
	c.Approvers = slices.Clone(r.Approvers)
	c.Parties = slices.Clone(r.Parties)
	return c
}

// commit applies the rules every change of a case obeys, whatever made it,
// and writes the change: a plan changed while promised to the customer
// goes back to approval in a new round (the timeline says why), the role
// whose signature the plan awaits is recorded and its approvers told, and
// the holder hears of an approval, a refusal or a new assignment.
func (s *Service) commit(ctx context.Context, before Record, r *Record, w *Write, actor Actor) error {
	def := s.Definition(r)
	if err := s.checkMoney(&before, r, w); err != nil {
		return err
	}
	if w.Event.Data == nil {
		w.Event.Data = map[string]any{}
	}
	// A finished case is not sent back: its changes are an administrator's
	// marked corrections of the record. A correction that would leave its
	// plan short of the authority it now needs (a severity raised past the
	// level its signers covered) is refused: the case is reopened instead,
	// and the plan approved again.
	if st, ok := def.State(r.Status); ok && st.PlanLocked && !st.Open && def.PlanApproved(s.View(&before)) && !def.PlanApproved(s.View(r)) {
		field := "severity"
		switch {
		case r.Severity != before.Severity:
		case r.Category != before.Category:
			field = "category"
		case r.Safety != before.Safety:
			field = "safety"
		case r.Level != before.Level:
			field = "level"
		}
		return &apperr.Error{Code: apperr.Invalid, Message: "the correction needs the plan approved again; reopen the case",
			Fields: []apperr.FieldError{{Field: field, Rule: RulePlanNeedsApproval}}}
	}
	if st, ok := def.State(r.Status); ok && st.PlanLocked && st.Open && !def.PlanApproved(s.View(r)) {
		ap := def.ApprovalState()
		if ap == "" {
			return forbidden("amount", workflow.RuleBeyondAuthority, "", "the changed plan needs an approval this lifecycle has no step for")
		}
		w.Event.Data["returned_to_approval"] = map[string]any{"from": r.Status, "reason": "plan_changed"}
		w.Clock.Events = append(w.Clock.Events, "status:"+ap)
		r.Status = ap
		if !w.NewRound {
			w.NewRound = true
			r.ApprovalRound++
			r.Approvers, r.PlanCommitted = nil, false
		}
	}
	r.AwaitingRole = ""
	if ap := def.ApprovalState(); ap != "" && r.Status == ap {
		if l, ok := def.NextLevel(s.View(r)); ok {
			r.AwaitingRole = l.Role
		}
	}
	ns, err := s.changeNotices(ctx, before, r, def, actor)
	if err != nil {
		return err
	}
	w.Notices = append(w.Notices, ns...)
	return s.Store.Save(ctx, r, *w, actor.Audit)
}

// markMilestones records the first time a case leaves its initial state,
// is answered and has its resolution executed; statistics measure the
// stages between them.
func markMilestones(r *Record, def *workflow.Definition, action, from string, replied bool, now time.Time) {
	at := func(p **time.Time) {
		if *p == nil {
			t := now
			*p = &t
		}
	}
	if from == def.Initial {
		at(&r.AcceptedAt)
	}
	if replied {
		at(&r.RepliedAt)
	}
	if action == "execute" {
		at(&r.ExecutedAt)
	}
}

func nextRole(chain []workflow.Level, signed []int64) string {
	if n := len(signed); n < len(chain) {
		return chain[n].Role
	}
	return ""
}

// Decision is the classification and plan a handler records on a case
// (TRI-4, WF-4). Nil fields are left as they are.
type Decision struct {
	Established        *bool         `json:"established"`
	Validity           *string       `json:"validity"`
	Malicious          *bool         `json:"malicious"`
	Responsibility     *string       `json:"responsibility"`
	ResponsibilityNote *string       `json:"responsibility_note"`
	RootCause          *string       `json:"root_cause"`
	Resolution         *string       `json:"resolution"`
	Amount             *string       `json:"amount"` // yuan, e.g. "1280.50"
	Currency           *string       `json:"currency"`
	ResolutionExecuted *bool         `json:"resolution_executed"`
	Level              *int          `json:"level"`
	Responsible        []Responsible `json:"responsible"`
}

// Decide records decisions on a case. Changing the resolution or amount
// of a plan under approval starts a new approval round, and an actor may
// not put a resolution beyond their own authority on a case that has no
// approval step left (WF-5: staff may not promise beyond their authority).
func (s *Service) Decide(ctx context.Context, complaintID int64, version int, d Decision, actor Actor) (*Record, error) {
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	var v apperr.Validation
	changes := map[string]any{}
	planChanged := false
	setStr := func(field string, p *string, dst *string, allowed []string, max int) {
		if p == nil {
			return
		}
		val := strings.TrimSpace(*p)
		if allowed != nil {
			if !v.OneOf(field, val, allowed) {
				return
			}
		} else if !v.Text(field, val, max) {
			return
		}
		if *dst != val {
			changes[field] = val
			*dst = val
		}
	}
	if d.Established != nil && (r.Established == nil || *r.Established != *d.Established) {
		b := *d.Established
		r.Established = &b
		changes["established"] = b
	}
	setStr("validity", d.Validity, &r.Validity, Validities.Codes(), 0)
	if d.Malicious != nil && r.Malicious != *d.Malicious {
		r.Malicious = *d.Malicious
		changes["malicious"] = r.Malicious
	}
	setStr("responsibility", d.Responsibility, &r.Responsibility, Responsibilities.Codes(), 0)
	setStr("responsibility_note", d.ResponsibilityNote, &r.ResponsibilityNote, nil, 2000)
	setStr("root_cause", d.RootCause, &r.RootCause, nil, 5000)
	oldResolution := r.Resolution
	setStr("resolution", d.Resolution, &r.Resolution, Resolutions.Codes(), 0)
	if r.Resolution != oldResolution {
		planChanged = true
	}
	if d.Currency != nil {
		cur := strings.ToUpper(strings.TrimSpace(*d.Currency))
		if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			v.Add("currency", "invalid_value", "")
		} else if cur != r.Currency {
			r.Currency, planChanged = cur, true
			changes["currency"] = cur
		}
	}
	if d.Amount != nil {
		amt, err := workflow.ParseAmount(strings.TrimSpace(*d.Amount))
		switch {
		case err != nil:
			v.Add("amount", "invalid_value", "")
		case amt < 0:
			v.Add("amount", "negative", "0")
		case int64(amt) != r.Amount:
			r.Amount, planChanged = int64(amt), true
			changes["amount"] = *d.Amount
		}
	}
	if d.ResolutionExecuted != nil && r.ResolutionExecuted != *d.ResolutionExecuted {
		r.ResolutionExecuted = *d.ResolutionExecuted
		changes["resolution_executed"] = r.ResolutionExecuted
	}
	if d.Level != nil {
		if *d.Level < 1 || *d.Level > 3 {
			v.Add("level", "invalid_value", "1,2,3")
		} else if *d.Level != r.Level {
			r.Level = *d.Level
			changes["level"] = r.Level
		}
	}
	shares := make([]int, len(d.Responsible))
	for i, p := range d.Responsible {
		if p.DepartmentID == nil && p.UserID == nil && p.SupplierID == nil {
			v.Add(fmt.Sprintf("responsible[%d]", i), "required", "")
		}
		shares[i] = p.Share
	}
	// The loss is allocated by these shares (FIN-2): they add up to 100 %.
	money.CheckShares(&v, "responsible", shares)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(changes) == 0 && d.Responsible == nil {
		return r, nil
	}
	if _, ok := changes["level"]; ok {
		planChanged = true // the level decides who must sign (WF-8)
	}
	w := Write{Action: "workflow.decide", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "decision",
		Data: map[string]any{"changes": changes}}, Responsible: d.Responsible}
	if est, ok := changes["established"]; ok && est == false {
		// Not established: a standing credit note is void and its
		// receivables are due on their normal terms (003 第九条(十三)).
		if err := s.voidCredit(ctx, r, &w); err != nil {
			return nil, err
		}
	}
	if planChanged && (len(r.Approvers) > 0 || r.PlanCommitted || r.Status == s.Definition(r).ApprovalState()) {
		// Any change of the plan after its first signature (or its
		// promise) starts a new round: earlier signatures were for
		// another plan.
		w.NewRound = true
		r.ApprovalRound++
		r.Approvers, r.PlanCommitted = nil, false
		w.Event.Data["approvals_reset"] = true
	}
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		w.Clock.Events = append(w.Clock.Events, "decision:"+f)
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return r, nil
}

// States lists every state of the loaded definitions, the default
// profile's newest version first, for filters and statistics.
func (s *Service) States() enum.Set {
	var out enum.Set
	add := func(d *workflow.Definition) {
		for _, o := range d.StateSet() {
			if !out.Has(o.Code) {
				out = append(out, o)
			}
		}
	}
	if v, ok := s.Definitions.Latest(s.Default); ok {
		add(v.Definition)
	}
	for _, d := range s.Definitions.All() {
		add(d)
	}
	return out
}

// OpenStates lists the states of the loaded definitions in which work
// remains.
func (s *Service) OpenStates() []string {
	var out []string
	for _, d := range s.Definitions.All() {
		for _, st := range d.OpenStates() {
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	slices.Sort(out)
	return out
}
