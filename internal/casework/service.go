package casework

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/enum"
	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// Actor is a signed-in user acting on a case.
type Actor struct {
	User  *org.User
	Audit audit.Actor
}

func (a Actor) wf() workflow.Actor { return workflow.Actor{ID: a.User.ID, Role: a.User.Role} }

// Service applies workflow actions and decisions to stored cases.
type Service struct {
	Store Store
	// Definitions by profile name; Default names the one new complaints use.
	Definitions  map[string]*workflow.Definition
	Default      string
	Now          func() time.Time
	lastAssigned sync.Map // department id → last holder picked here (round robin)
	deptIDs      sync.Map // department code → id
	teamMu       sync.Mutex
	teams        map[int64]cachedTeam

	// ReplyJob returns the job that sends a reply to the complainant by
	// their channel, enqueued with the reply; nil when there is none.
	ReplyJob func(ctx context.Context, r *Record, kind, body string) (*jobs.Job, error)
	// StatusJobs returns jobs to enqueue with a workflow action that
	// changes the status (the complaint.status_changed webhook); r still
	// has the version it had before the change.
	StatusJobs func(r *Record, action, from, to string, at time.Time) []*jobs.Job
	// Clocks extends SLA due times; nil when time limits are off.
	Clocks ClockStore
}

// NewService loads the shipped profiles; def names the default one.
func NewService(st Store, def string, now func() time.Time) (*Service, error) {
	s := &Service{Store: st, Definitions: map[string]*workflow.Definition{}, Default: def, Now: now}
	for _, name := range workflow.Profiles() {
		d, err := workflow.LoadProfile(name)
		if err != nil {
			return nil, fmt.Errorf("workflow profile %s: %w", name, err)
		}
		s.Definitions[name] = d
	}
	if _, ok := s.Definitions[def]; !ok {
		return nil, fmt.Errorf("workflow profile %q does not exist (have %v)", def, workflow.Profiles())
	}
	return s, nil
}

// Definition returns the definition a case runs under.
func (s *Service) Definition(r *Record) *workflow.Definition {
	if d, ok := s.Definitions[r.Profile]; ok {
		return d
	}
	return s.Definitions[s.Default]
}

// View is the workflow engine's view of r.
func (s *Service) View(r *Record) *workflow.Case {
	c := &workflow.Case{
		Status: r.Status, PreviousStatus: r.PreviousStatus, Category: r.Category, Quality: r.Quality,
		Severity: r.Severity, Safety: r.Safety, Level: r.Level, Established: r.Established, Validity: r.Validity,
		Malicious: r.Malicious, Responsibility: r.Responsibility, RootCause: r.RootCause, Resolution: r.Resolution,
		Amount:             workflow.Money{Amount: workflow.Amount(r.Amount), Currency: r.Currency},
		ResolutionExecuted: r.ResolutionExecuted, CAPA: r.CAPA, FollowUpsDone: r.FollowUpsDone,
		LastSatisfaction: r.LastSatisfaction, ApprovalsObtained: len(r.Approvers), ApproverIDs: r.Approvers,
		Reopens: r.Reopens, PartyIDs: r.Parties, Now: s.Now(),
	}
	if r.HolderID != nil {
		c.HolderID = *r.HolderID
	}
	if r.BackupID != nil {
		c.BackupID = *r.BackupID
	}
	return c
}

// Load returns a case.
func (s *Service) Load(ctx context.Context, complaintID int64) (*Record, error) {
	return s.Store.Load(ctx, complaintID)
}

// Options returns the actions of the case's state for actor, with what
// each still needs.
func (s *Service) Options(ctx context.Context, complaintID int64, actor Actor) (*Record, []workflow.Option, error) {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, nil, err
	}
	return r, workflow.Available(s.Definition(r), s.View(r), actor.wf()), nil
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
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if err := staleCheck(r, version); err != nil {
		return nil, err
	}
	def := s.Definition(r)
	view := s.View(r)
	chain := def.Chain(view)
	res, err := workflow.Apply(def, view, actor.wf(), action, in)
	if err != nil {
		return nil, err
	}
	a, _ := def.Action(action)
	e := res.Effects
	var v apperr.Validation
	body := strings.TrimSpace(in["body"])
	if e.Reply != "" {
		if v.Required("body", body) {
			v.Text("body", body, 10000)
		}
	}
	method := strings.TrimSpace(in["method"])
	if e.RecordsFollowUp && method == "" {
		method = "phone"
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Now()
	res.Update(view)
	r.Status, r.PreviousStatus, r.Level = view.Status, view.PreviousStatus, view.Level
	r.FollowUpsDone, r.LastSatisfaction, r.Reopens = view.FollowUpsDone, view.LastSatisfaction, view.Reopens
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
	if e.RecordsApproval {
		role := ""
		if n := len(r.Approvers); n < len(chain) {
			role = chain[n].Role
		}
		w.Approval = &Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: role, ApproverID: actor.User.ID,
			Decision: "approved", Comment: strings.TrimSpace(in["comment"]), Amount: r.Amount, Currency: r.Currency, At: now}
		w.Event.Data["level"] = role
	}
	if e.ResetsApprovals {
		if action == "reject" || strings.Contains(action, "reject") {
			w.Approval = &Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: nextRole(chain, r.Approvers),
				ApproverID: actor.User.ID, Decision: "rejected", Comment: strings.TrimSpace(in["reason"] + " " + in["comment"]),
				Amount: r.Amount, Currency: r.Currency, At: now}
		}
		w.NewRound = true
		r.ApprovalRound++
		r.Approvers = nil
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
	if m := strings.TrimSpace(in["merge_into"]); m != "" {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			if id == r.ComplaintID {
				return nil, &apperr.Error{Code: apperr.Invalid, Message: "merge into itself",
					Fields: []apperr.FieldError{{Field: "merge_into", Rule: "self_reference"}}}
			}
			r.MergedInto = &id
		}
	}
	if st, ok := def.State(r.Status); ok && !st.Open && r.ClosedAt == nil {
		r.ClosedAt = &now
	} else if ok && st.Open {
		r.ClosedAt = nil
	}
	if a != nil && a.Effects.Reply != "" {
		w.Event.Data["channel"] = "customer"
	}
	markMilestones(r, def, action, res.From, e.Reply != "", now)
	w.Clock = clockChange(def, action, res.From, res.To)
	if s.StatusJobs != nil && res.From != res.To {
		w.Jobs = append(w.Jobs, s.StatusJobs(r, action, res.From, res.To, now)...)
	}
	if err := s.Store.Save(ctx, r, w, actor.Audit); err != nil {
		return nil, err
	}
	return r, nil
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
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if err := staleCheck(r, version); err != nil {
		return nil, err
	}
	if st, ok := s.Definition(r).State(r.Status); ok && !st.Open {
		return nil, apperr.New(apperr.Conflict, "case is %s: decisions are closed", r.Status)
	}
	if slicesContains(r.Parties, actor.User.ID) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "party to the complaint",
			Fields: []apperr.FieldError{{Field: "actor", Rule: workflow.RulePartyToComplaint}}}
	}
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
	before := r.Resolution
	setStr("resolution", d.Resolution, &r.Resolution, Resolutions.Codes(), 0)
	if r.Resolution != before {
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
	for i, p := range d.Responsible {
		if p.DepartmentID == nil && p.UserID == nil && p.SupplierID == nil {
			v.Add(fmt.Sprintf("responsible[%d]", i), "required", "")
		}
		if p.Share < 0 || p.Share > 100 {
			v.Add(fmt.Sprintf("responsible[%d].share", i), "invalid_value", "0-100")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if planChanged && r.Amount > 0 {
		def := s.Definition(r)
		money := workflow.Money{Amount: workflow.Amount(r.Amount), Currency: r.Currency}
		if _, ok := def.State("approval"); !ok && !workflow.CanCommit(&def.Approval, actor.User.Role, money) {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "amount beyond the actor's authority",
				Fields: []apperr.FieldError{{Field: "amount", Rule: workflow.RuleBeyondAuthority}}}
		}
	}
	if len(changes) == 0 && d.Responsible == nil {
		return r, nil
	}
	w := Write{Action: "workflow.decide", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "decision",
		Data: map[string]any{"changes": changes}}, Responsible: d.Responsible}
	if planChanged && (len(r.Approvers) > 0 || r.Status == "approval") {
		w.NewRound = true
		r.ApprovalRound++
		r.Approvers = nil
		w.Event.Data["approvals_reset"] = true
	}
	for f := range changes {
		w.Clock.Events = append(w.Clock.Events, "decision:"+f)
	}
	if err := s.Store.Save(ctx, r, w, actor.Audit); err != nil {
		return nil, err
	}
	return r, nil
}

func slicesContains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// States lists every state of the loaded definitions, the default
// profile's first, for filters and statistics.
func (s *Service) States() enum.Set {
	var out enum.Set
	add := func(d *workflow.Definition) {
		for _, o := range d.StateSet() {
			if !out.Has(o.Code) {
				out = append(out, o)
			}
		}
	}
	if d, ok := s.Definitions[s.Default]; ok {
		add(d)
	}
	names := make([]string, 0, len(s.Definitions))
	for n := range s.Definitions {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		add(s.Definitions[n])
	}
	return out
}

// OpenStates lists the states of the loaded definitions in which work
// remains.
func (s *Service) OpenStates() []string {
	var out []string
	for _, d := range s.Definitions {
		for _, st := range d.OpenStates() {
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	slices.Sort(out)
	return out
}
