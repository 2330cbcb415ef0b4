package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	fin "kesu/internal/money"
	"kesu/internal/org"
	"kesu/internal/privacy"
	"kesu/internal/product"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// caseView is the case panel of the complaint page: where the case stands,
// who holds it, what was decided and what may happen next.
type caseView struct {
	R      *casework.Record
	State  string
	Open   bool
	Holder string
	Backup string
	Amount string // major units, "1280.50"
	// Established is "yes", "no" or "" while undecided.
	Established string
	Parties     []string
	Options     []optionView // allowed actions: buttons
	Blocked     []optionView // not yet allowed: what is required
	Chain       []levelView
	Approvals   []approvalView // every signature and refusal, all rounds
	CAPA        []capaView
	FollowUps   []followUpView
	Required    int // follow-up visits needed
	// NextApprovers may give the signature the plan waits for.
	NextApprovers []string
	PlanApproved  bool

	// The next-step box: the owning department, the steps that move the
	// case on, follow-up visits still to make and why, CAPA actions
	// waiting for their effect check.
	Department    string
	Next          []nextStep
	FollowUpsLeft int
	FollowUpsWhy  string
	ToVerify      int
	// Why the user sees no decision form, or no investigation and CAPA
	// forms: the case gate's reasons.
	DecideWhy, UpdateWhy []string

	Users []org.User
	// UserLabels tell the people of the owner and holder lists apart:
	// name and role, and the department or user name where those repeat.
	UserLabels  map[int64]string
	Departments []org.Department
	Suppliers   []product.Supplier
	PartyIDs    map[int64]bool

	CanUpdate bool // may record investigation and CAPA
	CanDecide bool // may record decisions and the plan
	Manager   bool // may assign the holder and name 当事人
	Verifier  bool // may verify CAPA
	Methods   []string
	// Reach says how a reply reaches the complainant (email, SMS or
	// neither), shown under the reply text.
	Reach string
	Kinds []string // investigation kinds
	// Representative: may flag a representative quality problem (004 §6.4).
	Representative bool
	// Money is the case's loss, its allocation and reward/penalty notice
	// (FIN-2); Shares names the allocation; ApprovePenalty: the GM may
	// approve the notice now.
	// ServedBy is the A-class dealer serving the complaint (CUS-2).
	ServedBy       *customer.Customer
	Money          *casework.Money
	Shares         []shareView
	ApprovePenalty bool
	// Return is the case's return slip 成品退货单 (RET-1); CanApprove: the
	// user may approve it; Handlings and Steps are the choices.
	Return     *fin.ReturnSlip
	CanApprove bool
	Handlings  []string
	NextStep   string
	// Parts is the parts card: the shipments and a dealer's allowance.
	Parts *partsView
}

// optionView is one action from the current state.
type optionView struct {
	Code, Label string
	Inputs      []inputView
	Problems    []string
}

// inputView is one input an action form asks for.
type inputView struct {
	Name, Label, Type string
	Required          bool
}

type levelView struct {
	Role   string
	Signer string
	At     time.Time
}

type approvalView struct {
	casework.Approval
	Role, Amount string
}

type capaView struct {
	casework.CAPAAction
	Owner, Verifier string
}

type followUpView struct {
	casework.FollowUp
	By string
}

// verifierRoles may verify CAPA effect, as casework allows (000 §3.1).
var verifierRoles = []string{org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM, org.RoleAdmin}

// followUpMethods are the ways a follow-up visit is made.
var followUpMethods = []string{"phone", "visit", "email", "sms", "survey"}

// caseActor is the signed-in user as casework sees them.
func caseActor(r *http.Request) casework.Actor {
	var u *org.User
	if p := web.PrincipalOf(r); p != nil {
		u = p.User
	}
	return casework.Actor{User: u, Audit: web.Actor(r)}
}

// readable loads complaint id if the signed-in user may read it: the case
// gate's read scope, which every page of one complaint starts with.
func (h *handler) readable(r *http.Request, id int64) (*complaint.Complaint, error) {
	if err := h.d.Cases.CanRead(r.Context(), id, caseActor(r)); err != nil {
		return nil, err
	}
	return h.d.ComplaintStore.Get(r.Context(), id)
}

// names maps user ids to display names.
type names map[int64]string

func (n names) of(id *int64) string {
	if id == nil {
		return ""
	}
	if s, ok := n[*id]; ok {
		return s
	}
	return "#" + strconv.FormatInt(*id, 10)
}

func (h *handler) userNames(ctx context.Context) ([]org.User, names, error) {
	users, err := h.d.Org.ListUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	n := names{}
	for _, u := range users {
		n[u.ID] = u.Name
	}
	return users, n, nil
}

// money formats fen as major units.
func money(fen int64) string {
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// caseView assembles the case panel for the signed-in user.
func (h *handler) caseView(ctx context.Context, r *http.Request, id int64, lang string) (*caseView, error) {
	actor := caseActor(r)
	rec, opts, err := h.d.Cases.Options(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	def := h.d.Cases.Definition(rec)
	users, who, err := h.userNames(ctx)
	if err != nil {
		return nil, err
	}
	v := &caseView{R: rec, Holder: who.of(rec.HolderID), Backup: who.of(rec.BackupID), Amount: money(rec.Amount),
		Methods: followUpMethods, Kinds: casework.InvestigationKinds, PartyIDs: map[int64]bool{}}
	if rec.Established != nil {
		v.Established = map[bool]string{true: "yes", false: "no"}[*rec.Established]
	}
	if st, ok := def.State(rec.Status); ok {
		v.State, v.Open = st.Label(lang), st.Open
	} else {
		v.State = rec.Status
	}
	// The forms shown are the ones the case gate would accept.
	role := actor.User.Role
	v.CanUpdate = h.d.Cases.Can(ctx, actor, rec, auth.ComplaintUpdate)
	v.CanDecide = h.d.Cases.Can(ctx, actor, rec, auth.CaseDecide)
	v.Manager = h.d.Cases.Can(ctx, actor, rec, auth.CaseAssign)
	v.Verifier = v.CanUpdate && slices.Contains(verifierRoles, role)
	v.Representative = v.CanUpdate && casework.FlagsRepresentative(role)
	for _, pid := range rec.Parties {
		v.Parties = append(v.Parties, who.of(&pid))
		v.PartyIDs[pid] = true
	}
	if h.d.ReplyReach != nil {
		ch, to, err := h.d.ReplyReach(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case ch == "email":
			if !seesPersonal(r) {
				to = privacy.Email(to)
			}
			v.Reach = web.T(lang, "mail.reach.email", to)
		case ch == "sms":
			if !seesPersonal(r) {
				to = privacy.Phone(to)
			}
			v.Reach = web.T(lang, "mail.reach.sms", to)
		default:
			v.Reach = web.T(lang, "mail.reach.none")
		}
	}
	for _, o := range opts {
		ov := optionView{Code: o.Action.Code, Label: o.Action.Label(lang), Inputs: actionInputs(o.Action, lang)}
		if o.Allowed {
			v.Options = append(v.Options, ov)
			continue
		}
		for _, f := range o.Problems {
			ov.Problems = append(ov.Problems, problemText(lang, f))
		}
		v.Blocked = append(v.Blocked, ov)
	}

	apps, err := h.d.Cases.Store.Approvals(ctx, id)
	if err != nil {
		return nil, err
	}
	var signed []casework.Approval
	for _, a := range apps {
		if n := who[a.ApproverID]; n != "" {
			a.Approver = n // the person's name, not their user name
		}
		v.Approvals = append(v.Approvals, approvalView{a, enums["role"].Label(a.LevelRole, lang), money(a.Amount)})
		if a.Round == rec.ApprovalRound && a.Decision == "approved" {
			signed = append(signed, a)
		}
	}
	next, err := h.d.Cases.NextApprovers(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, u := range next {
		v.NextApprovers = append(v.NextApprovers, u.Name)
	}
	v.PlanApproved = def.PlanApproved(h.d.Cases.View(rec))
	for i, l := range def.Chain(h.d.Cases.View(rec)) {
		lv := levelView{Role: enums["role"].Label(l.Role, lang)}
		if i < len(signed) {
			lv.Signer, lv.At = signed[i].Approver, signed[i].At
			if lv.Signer == "" {
				lv.Signer = who.of(&signed[i].ApproverID)
			}
		}
		v.Chain = append(v.Chain, lv)
	}

	capa, err := h.d.Cases.Store.CAPA(ctx, id)
	if err != nil {
		return nil, err
	}
	depts, err := h.d.Org.ListDepartments(ctx)
	if err != nil {
		return nil, err
	}
	sups, err := h.d.Products.ListSuppliers(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range capa {
		v.CAPA = append(v.CAPA, capaView{a, capaOwner(a, who, depts, sups), who.of(a.VerifiedBy)})
	}
	fus, err := h.d.Cases.Store.FollowUps(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range fus {
		v.FollowUps = append(v.FollowUps, followUpView{f, who.of(f.ByUserID)})
	}
	v.Required = def.FollowUps.Required(h.d.Cases.View(rec))
	for _, u := range users {
		if !u.Disabled {
			v.Users = append(v.Users, u)
		}
	}
	v.Departments, v.Suppliers = depts, sups
	v.UserLabels = userLabels(v.Users, depts, lang)
	h.nextSteps(ctx, r, v, opts, def, who, users, next, depts, lang)
	if c, err := h.d.ComplaintStore.Get(ctx, id); err == nil && c.CustomerID != nil && customer.NeedsDealer(c.CustomerClass) {
		if cu, err := h.d.Customers.GetCustomer(ctx, *c.CustomerID); err == nil && cu.DealerID != nil {
			v.ServedBy, _ = h.d.Customers.GetCustomer(ctx, *cu.DealerID)
		}
	}
	if v.Money, err = h.d.Cases.MoneyOf(ctx, id, actor); err != nil {
		return nil, err
	}
	for _, sh := range v.Money.Allocation {
		name := ""
		switch {
		case sh.UserID != nil:
			name = who.of(sh.UserID)
		case sh.SupplierID != nil:
			for _, x := range sups {
				if x.ID == *sh.SupplierID {
					name = x.Name
				}
			}
		case sh.DepartmentID != nil:
			for _, x := range depts {
				if x.ID == *sh.DepartmentID {
					name = x.Name
				}
			}
		}
		v.Shares = append(v.Shares, shareView{Name: name, Share: sh.Share, Amount: sh.Amount})
	}
	v.ApprovePenalty = v.CanDecide && role == org.RoleGM && v.Money.Penalty != nil && v.Money.Penalty.Status != "approved"
	if v.Return, err = h.d.Cases.Return(ctx, id, actor); err != nil {
		return nil, err
	}
	if v.Return != nil && v.Return.Status == fin.ReturnBooked {
		v.NextStep = v.Return.NextStep()
	}
	v.CanApprove, v.Handlings = h.d.Cases.Can(ctx, actor, rec, auth.CaseApprove), fin.ReturnHandlings
	if err := h.partsOf(ctx, v, who, lang); err != nil {
		return nil, err
	}
	return v, nil
}

// shareView is one responsible party's part of the loss.
type shareView struct {
	Name   string
	Share  int
	Amount int64
}

// capaOwner names whoever owns an action: person, department, supplier.
func capaOwner(a casework.CAPAAction, who names, depts []org.Department, sups []product.Supplier) string {
	var parts []string
	if a.OwnerUserID != nil {
		parts = append(parts, who.of(a.OwnerUserID))
	}
	if a.OwnerDepartmentID != nil {
		for _, d := range depts {
			if d.ID == *a.OwnerDepartmentID {
				parts = append(parts, d.Name)
			}
		}
	}
	if a.SupplierID != nil {
		for _, s := range sups {
			if s.ID == *a.SupplierID {
				parts = append(parts, s.Name)
			}
		}
	}
	return strings.Join(parts, " / ")
}

// actionInputs lists what the form of an action asks for: the inputs the
// definition requires, the reply text of replies, the method of a
// follow-up visit, and an optional comment on a signature.
func actionInputs(a *workflow.Action, lang string) []inputView {
	var out []inputView
	add := func(name, typ string, req bool) {
		out = append(out, inputView{Name: name, Label: web.T(lang, "field."+name), Type: typ, Required: req})
	}
	for _, name := range a.Input {
		switch name {
		case "satisfaction":
			add(name, "score", true)
		case "reminder_date":
			add(name, "date", true)
		case "merge_into":
			add(name, "text", true) // a complaint number
		default:
			add(name, "text", true)
		}
	}
	if a.Effects.RecordsFollowUp {
		add("method", "method", true)
	}
	if a.Effects.Reply != "" {
		add("body", "textarea", true)
	}
	if a.Authority && !slices.Contains(a.Input, "comment") {
		add("comment", "text", false)
	}
	return out
}

// problemText is one reason an action cannot be taken, in lang. Rules
// about the actor or a workflow condition read as whole sentences; a
// missing field reads "<field>: required".
func problemText(lang string, f apperr.FieldError) string {
	param := f.Param
	switch f.Rule {
	case workflow.RuleRoleNotAllowed, workflow.RuleNotApprover:
		var ls []string
		for _, r := range strings.Split(param, ",") {
			ls = append(ls, workflow.Roles.Label(r, lang))
		}
		param = strings.Join(ls, web.T(lang, "ui.list_sep"))
	}
	if f.Field == "actor" || (f.Rule != "required" && slices.Contains(workflow.FieldNames(), f.Field)) {
		return web.T(lang, "rule."+f.Rule, param)
	}
	return web.T(lang, "field."+f.Field) + web.T(lang, "sep") + web.T(lang, "rule."+f.Rule, param)
}

// refused shows the complaint page again with why a case form was not
// accepted: the engine's refusal, a stale version or field errors. Other
// errors go to the error page.
func (h *handler) refused(w http.ResponseWriter, r *http.Request, id int64, err error) {
	h.refusedIn(w, r, id, err, "")
}

// refusedIn is refused for a form whose field errors the page keys with
// prefix, apart from fields of the same name on the other forms.
func (h *handler) refusedIn(w http.ResponseWriter, r *http.Request, id int64, err error, prefix string) {
	code := apperr.CodeOf(err)
	var ae *apperr.Error
	if !errors.As(err, &ae) || (code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden && code != apperr.TooLarge) {
		h.fail(w, r, err)
		return
	}
	// The page shows the complaint again: only to someone who may read it.
	c, gerr := h.readable(r, id)
	if gerr != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.complaint")
	p.F = r.PostForm
	p.Error = web.Localize(err, p.L).Error.Message
	for _, f := range ae.Fields {
		if _, dup := p.Errs[prefix+f.Field]; !dup {
			p.Errs[prefix+f.Field] = web.T(p.L, "rule."+f.Rule, f.Param)
		}
		p.Problems = append(p.Problems, problemText(p.L, f))
	}
	h.showComplaint(w, r, c, p, web.Status(code))
}

// afterCase sends the browser back to the case panel.
func afterCase(w http.ResponseWriter, r *http.Request, id int64, anchor string) {
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(id, 10)+"#"+anchor, http.StatusSeeOther)
}

// formVersion reads the case (or CAPA) version a form was shown with.
func formVersion(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("version")))
	return n
}

// userLabels names each user distinctly in lang: "name（role）", with the
// department added when two share name and role, and the user name when
// that is not enough.
func userLabels(users []org.User, depts []org.Department, lang string) map[int64]string {
	deptName := map[int64]string{}
	for _, d := range depts {
		deptName[d.ID] = d.Name
	}
	base := func(u org.User) string { return u.Name + web.T(lang, "desk.paren", workflow.Roles.Label(u.Role, lang)) }
	seen := map[string]int{}
	for _, u := range users {
		seen[base(u)]++
	}
	out := map[int64]string{}
	withDept := map[string]int{}
	for _, u := range users {
		l := base(u)
		if seen[l] > 1 && u.DepartmentID != nil {
			l = u.Name + web.T(lang, "desk.paren", workflow.Roles.Label(u.Role, lang)+web.T(lang, "desk.dot")+deptName[*u.DepartmentID])
		}
		out[u.ID] = l
		withDept[l]++
	}
	for _, u := range users {
		if withDept[out[u.ID]] > 1 {
			out[u.ID] += " " + u.Username
		}
	}
	return out
}
