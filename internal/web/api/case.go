package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/customer"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// caseResponse is a complaint's lifecycle as the API shows it (issue 5
// item 14): the record, the current step, what each next action still
// needs, the approval chain and the side records. Amounts are in major
// units ("15000.00"), as the decision takes them.
type caseResponse struct {
	*casework.Record
	Amount       string                 `json:"amount"`
	ReminderDate string                 `json:"reminder_date,omitempty"`
	CAPA         capaSummary            `json:"capa"`
	Parties      []userRef              `json:"parties"`
	StatusLabel  string                 `json:"status_label"`
	State        stateInfo              `json:"state"`
	Holder       *userRef               `json:"holder,omitempty"`
	Backup       *userRef               `json:"backup,omitempty"`
	Actions      []optionView           `json:"actions"`
	Chain        []chainLevel           `json:"approval_chain"`
	CAPAActions  []capaView             `json:"capa_actions"`
	Approvals    []approvalView         `json:"approvals"`
	FollowUps    []casework.FollowUp    `json:"follow_ups"`
	Responsible  []casework.Responsible `json:"responsible"`
	// PlanApproved: the current plan may be promised and carried out.
	PlanApproved bool `json:"plan_approved"`
	// NextApprovers may give the signature the plan waits for.
	NextApprovers []userRef `json:"next_approvers"`
	// ServedBy is the A-class dealer that serves the complaint of its
	// sub-distributor or end user (谁销售谁服务, CUS-2).
	ServedBy *dealerRef `json:"served_by,omitempty"`
}

// dealerRef names a dealer.
type dealerRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// servedBy is the dealer serving complaint id, or nil.
func (a *api) servedBy(ctx context.Context, id int64) *dealerRef {
	c, err := a.d.ComplaintStore.Get(ctx, id)
	if err != nil || c.CustomerID == nil || !customer.NeedsDealer(c.CustomerClass) {
		return nil
	}
	cu, err := a.d.Customers.GetCustomer(ctx, *c.CustomerID)
	if err != nil || cu.DealerID == nil {
		return nil
	}
	d, err := a.d.Customers.GetCustomer(ctx, *cu.DealerID)
	if err != nil {
		return nil
	}
	return &dealerRef{ID: d.ID, Name: d.Name}
}

// capaSummary counts the case's CAPA actions.
type capaSummary struct {
	Actions     int `json:"actions"`
	Supplier    int `json:"supplier"`
	Done        int `json:"done"`
	Effective   int `json:"effective"`
	Ineffective int `json:"ineffective"`
}

// userRef names a user.
type userRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// stateInfo is a state of the definition with its label in the request
// language.
type stateInfo struct {
	workflow.State
	Label string `json:"label"`
}

// optionView is one action from the current state: allowed, or why not,
// with one localized message per missing requirement.
type optionView struct {
	Action  string             `json:"action"`
	Label   string             `json:"label"`
	ZH      string             `json:"zh"`
	EN      string             `json:"en"`
	To      string             `json:"to"`
	ToLabel string             `json:"to_label"`
	Inputs  []string           `json:"inputs"`
	Allowed bool               `json:"allowed"`
	Refusal string             `json:"refusal,omitempty"` // forbidden or invalid
	Missing []web.FieldMessage `json:"missing"`
}

// chainLevel is one signature the plan needs, and who gave it.
type chainLevel struct {
	Role       string   `json:"role"`
	RoleLabel  string   `json:"role_label"`
	UpTo       string   `json:"up_to"`
	Signed     bool     `json:"signed"`
	Approver   *userRef `json:"approver,omitempty"`
	ApprovedAt string   `json:"approved_at,omitempty"`
}

// approvalView is a signature or refusal, with its amount in major units.
type approvalView struct {
	casework.Approval
	Amount    string `json:"amount"`
	RoleLabel string `json:"role_label"`
}

// capaView is a CAPA action with its due date as a date.
type capaView struct {
	casework.CAPAAction
	DueDate string `json:"due_date,omitempty"`
}

func viewCAPA(a casework.CAPAAction) capaView {
	return capaView{CAPAAction: a, DueDate: dateString(a.DueDate)}
}

// money renders fen as a major-unit decimal.
func money(fen int64) string {
	b, _ := workflow.Amount(fen).MarshalJSON()
	return strings.Trim(string(b), `"`)
}

// caseActor is the signed-in user acting on a case.
func caseActor(r *http.Request) casework.Actor {
	return casework.Actor{User: web.PrincipalOf(r).User, Audit: actor(r)}
}

// caseOf resolves the complaint number in the path to its id.
func (a *api) caseOf(r *http.Request) (int64, error) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// caseChange reads a change to the case in the path: the complaint, the
// JSON body into body and the case version it names (version points at
// the body's field), which is required. On failure it has answered and ok
// is false.
func (a *api) caseChange(w http.ResponseWriter, r *http.Request, body any, version **int) (id int64, ok bool) {
	id, err := a.caseOf(r)
	if err == nil {
		err = web.DecodeJSON(w, r, body)
	}
	if err == nil {
		err = requireVersion(*version)
	}
	if err != nil {
		web.WriteError(w, r, err)
		return 0, false
	}
	return id, true
}

// names looks users up once per request.
type names struct {
	a     *api
	ctx   context.Context
	cache map[int64]string
}

func (n *names) ref(id int64) *userRef {
	if n.cache == nil {
		n.cache = map[int64]string{}
	}
	name, ok := n.cache[id]
	if !ok {
		if u, err := n.a.d.Org.GetUser(n.ctx, id); err == nil {
			name = u.Name
		}
		n.cache[id] = name
	}
	return &userRef{ID: id, Name: name}
}

func (n *names) ptr(id *int64) *userRef {
	if id == nil {
		return nil
	}
	return n.ref(*id)
}

// roleLabel is a role's name in lang.
func roleLabel(code, lang string) string { return workflow.Roles.Label(code, lang) }

// localize renders a field problem in lang. Role codes in the parameter
// (who may act, who must sign) are shown as role names.
func localize(lang string, f apperr.FieldError) web.FieldMessage {
	return web.FieldMessage{Field: f.Field, Rule: f.Rule, Message: web.FieldText(lang, rolesInParam(lang, f))}
}

func rolesInParam(lang string, f apperr.FieldError) apperr.FieldError {
	if f.Rule != workflow.RuleRoleNotAllowed && f.Rule != workflow.RuleNotApprover || f.Param == "" {
		return f
	}
	var out []string
	for _, code := range strings.Split(f.Param, ",") {
		out = append(out, roleLabel(code, lang))
	}
	f.Param = strings.Join(out, web.T(lang, "ui.list_sep"))
	return f
}

// caseError sends an engine refusal with role names in its messages.
func caseError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		cp := *ae
		cp.Fields = make([]apperr.FieldError, len(ae.Fields))
		for i, f := range ae.Fields {
			cp.Fields[i] = rolesInParam(web.Lang(r), f)
		}
		err = &cp
	}
	web.WriteError(w, r, err)
}

// caseView assembles the case of complaint id for the requesting user.
func (a *api) caseView(r *http.Request, id int64) (*caseResponse, error) {
	return a.caseViewWith(r, id, a.d.Cases.Options)
}

// caseViewWith assembles the case from what options answers.
func (a *api) caseViewWith(r *http.Request, id int64,
	options func(context.Context, int64, casework.Actor) (*casework.Record, []workflow.Option, error)) (*caseResponse, error) {
	ctx, lang := r.Context(), web.Lang(r)
	rec, opts, err := options(ctx, id, caseActor(r))
	if err != nil {
		return nil, err
	}
	st := a.d.Cases.Store
	if rec.Approvers == nil {
		rec.Approvers = []int64{}
	}
	resp := &caseResponse{Record: rec, Amount: money(rec.Amount), ReminderDate: dateString(rec.ReminderDate),
		CAPA: capaSummary(rec.CAPA), Parties: []userRef{}, Actions: []optionView{}, Chain: []chainLevel{}}
	n := &names{a: a, ctx: ctx}
	for _, p := range rec.Parties {
		resp.Parties = append(resp.Parties, *n.ref(p))
	}
	resp.Holder, resp.Backup = n.ptr(rec.HolderID), n.ptr(rec.BackupID)
	resp.ServedBy = a.servedBy(ctx, id)
	def := a.d.Cases.Definition(rec)
	resp.State = stateOf(def, rec.Status, lang)
	resp.StatusLabel = resp.State.Label
	for _, o := range opts {
		resp.Actions = append(resp.Actions, optionOf(def, rec, o, lang))
	}
	capa, err := st.CAPA(ctx, id)
	if err != nil {
		return nil, err
	}
	resp.CAPAActions = make([]capaView, len(capa))
	for i, c := range capa {
		resp.CAPAActions[i] = viewCAPA(c)
	}
	apps, err := st.Approvals(ctx, id)
	if err != nil {
		return nil, err
	}
	resp.Approvals = make([]approvalView, len(apps))
	var signed []casework.Approval // this round's signatures, in order
	for i, ap := range apps {
		resp.Approvals[i] = approvalView{Approval: ap, Amount: money(ap.Amount), RoleLabel: roleLabel(ap.LevelRole, lang)}
		if ap.Round == rec.ApprovalRound && ap.Decision == "approved" {
			signed = append(signed, ap)
		}
	}
	for i, l := range def.Chain(a.d.Cases.View(rec)) {
		cl := chainLevel{Role: l.Role, RoleLabel: roleLabel(l.Role, lang), UpTo: money(int64(l.UpTo))}
		if i < len(signed) {
			cl.Signed, cl.Approver = true, &userRef{ID: signed[i].ApproverID, Name: signed[i].Approver}
			cl.ApprovedAt = signed[i].At.Format("2006-01-02T15:04:05Z07:00")
		}
		resp.Chain = append(resp.Chain, cl)
	}
	if resp.FollowUps, err = st.FollowUps(ctx, id); err != nil {
		return nil, err
	}
	if resp.Responsible, err = st.Responsible(ctx, id); err != nil {
		return nil, err
	}
	if resp.FollowUps == nil {
		resp.FollowUps = []casework.FollowUp{}
	}
	resp.PlanApproved = def.PlanApproved(a.d.Cases.View(rec))
	resp.NextApprovers = []userRef{}
	next, err := a.d.Cases.NextApprovers(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, u := range next {
		resp.NextApprovers = append(resp.NextApprovers, userRef{ID: u.ID, Name: u.Name})
	}
	if resp.Responsible == nil {
		resp.Responsible = []casework.Responsible{}
	}
	return resp, nil
}

func stateOf(def *workflow.Definition, code, lang string) stateInfo {
	s, ok := def.State(code)
	if !ok {
		return stateInfo{State: workflow.State{Code: code}, Label: code}
	}
	return stateInfo{State: *s, Label: s.Label(lang)}
}

func optionOf(def *workflow.Definition, rec *casework.Record, o workflow.Option, lang string) optionView {
	act := o.Action
	to := act.To
	switch to {
	case workflow.ToSame:
		to = rec.Status
	case workflow.ToPrevious:
		to = rec.PreviousStatus
	}
	v := optionView{Action: act.Code, Label: act.Label(lang), ZH: act.ZH, EN: act.EN, To: to, ToLabel: stateOf(def, to, lang).Label,
		Inputs: slices.Clone(act.Input), Allowed: o.Allowed, Missing: []web.FieldMessage{}}
	if v.Inputs == nil {
		v.Inputs = []string{}
	}
	if !o.Allowed {
		v.Refusal = string(o.Code)
	}
	for _, p := range o.Problems {
		v.Missing = append(v.Missing, localize(lang, p))
	}
	return v
}

// getCase answers the lifecycle of one complaint.
func (a *api) getCase(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

// writeCase answers the case as it now stands.
func (a *api) writeCase(w http.ResponseWriter, r *http.Request, status int, id int64) {
	resp, err := a.caseView(r, id)
	if apperr.Is(err, apperr.Forbidden) && r.Method != http.MethodGet {
		// The write took the case out of the writer's scope (assigned
		// away): they are answered with the case as they left it.
		resp, err = a.caseViewWith(r, id, a.d.Cases.Written)
	}
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, resp)
}

// openStates is every state that is open in some loaded definition, for
// work lists that span profiles.
func (a *api) openStates() []string {
	var out []string
	for _, d := range a.d.Cases.Definitions.All() {
		for _, s := range d.OpenStates() {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// statusLabel labels a state code by the default definition, else by any
// definition that has it.
func (a *api) statusLabel(code, lang string) string {
	if v, ok := a.d.Cases.Definitions.Latest(a.d.Cases.Default); ok {
		if s, ok := v.Definition.State(code); ok {
			return s.Label(lang)
		}
	}
	for _, d := range a.d.Cases.Definitions.All() {
		if s, ok := d.State(code); ok {
			return s.Label(lang)
		}
	}
	return code
}

// workItem is a case in "my work" with its status label.
type workItem struct {
	casework.WorkItem
	StatusLabel string `json:"status_label"`
}

// myWork lists the open cases the signed-in user holds or backs up,
// the longest untouched first.
func (a *api) myWork(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	limit := q.num("limit", 100, 1, 500)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	items, err := a.d.Cases.MyWork(r.Context(), web.PrincipalOf(r).User, limit)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	lang := web.Lang(r)
	out := listResponse[workItem]{Items: make([]workItem, len(items))}
	for i, it := range items {
		out.Items[i] = workItem{WorkItem: it, StatusLabel: a.statusLabel(it.Status, lang)}
	}
	web.WriteJSON(w, http.StatusOK, out)
}
