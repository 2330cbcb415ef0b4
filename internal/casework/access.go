package casework

import (
	"context"
	"slices"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// Rule codes of the case gate's refusals.
const (
	RuleNoPermission   = "permission_denied" // Forbidden: the role lacks the permission (param: the permission)
	RuleOutOfScope     = "out_of_scope"      // Forbidden: the case is outside the role's scope (param: own, department)
	RuleCaseFinal      = "case_final"        // Conflict: a finished case is frozen (param: its state)
	RuleNotComplainant = "not_complainant"   // Forbidden: a public actor acting on another complaint
	// RuleCaseErased (Conflict): the case's personal data was erased; the
	// complainant's input no longer goes on it and it is not reopened.
	RuleCaseErased = "case_erased"
)

// Every read and write of a case passes the gate in this file: the
// permission of the actor's role and its scope (own, department, all),
// then, for writes, the people complained about (当事人) kept out and
// finished cases frozen. The API, the pages and the jobs all call the
// Service, so there is no other way to a case.

// authorize checks that actor's role has permission p over r.
func (s *Service) authorize(ctx context.Context, actor Actor, r *Record, p auth.Permission) error {
	if actor.Public {
		// The complainant, authenticated by the tracking code or a survey
		// link at the edge, acts on their own complaint only.
		if actor.ComplaintID != r.ComplaintID {
			return forbidden("actor", RuleNotComplainant, "", "a complainant acts on their own complaint only")
		}
		return nil
	}
	sc := auth.ScopeOf(actor.User.Role, p)
	if sc == auth.ScopeNone {
		return forbidden("actor", RuleNoPermission, string(p), "role "+actor.User.Role+" lacks "+string(p))
	}
	ok, err := s.inScope(ctx, actor.User, r, sc)
	if err != nil {
		return err
	}
	if !ok {
		return forbidden("actor", RuleOutOfScope, sc.String(), "complaint "+r.Number+" is outside the "+sc.String()+" scope of "+string(p))
	}
	return nil
}

// mayWrite keeps the people complained about out of their case and, unless
// allowFinal, refuses changes to a finished case.
func (s *Service) mayWrite(actor Actor, r *Record, allowFinal bool) error {
	if !actor.Public && slices.Contains(r.Parties, actor.User.ID) {
		return forbidden("actor", workflow.RulePartyToComplaint, "", "the person complained about may not take part in handling the complaint")
	}
	if actor.Public && r.Erased {
		return erasedError(r)
	}
	if !allowFinal && s.final(r) {
		return &apperr.Error{Code: apperr.Conflict, Message: "complaint " + r.Number + " is " + r.Status + ": a finished case changes only by a reopen or a correction",
			Fields: []apperr.FieldError{{Field: "status", Rule: RuleCaseFinal, Param: r.Status}}}
	}
	return nil
}

// erasedError refuses a write that would bring personal data back to an
// erased case: the complainant's input (their mail, a message or a file
// on the tracking page) and a reopen, which would need the contact data
// that is gone. Both belong to a new complaint.
func erasedError(r *Record) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the personal data of complaint " + r.Number + " was erased: it takes no new input from the complainant and is not reopened",
		Fields: []apperr.FieldError{{Field: "complaint", Rule: RuleCaseErased, Param: r.Number}}}
}

// final reports whether r is in a state where no work remains (closed,
// archived, withdrawn, merged).
func (s *Service) final(r *Record) bool {
	st, ok := s.Definition(r).State(r.Status)
	return ok && !st.Open
}

// Finished reports whether r is in a state where no work remains; jobs
// that act on a case after it was registered check it, since a finished
// case is frozen.
func (s *Service) Finished(r *Record) bool { return s.final(r) }

// begin loads a case for a change by actor under permission p: the gate,
// then the version the actor saw (0 skips that check).
func (s *Service) begin(ctx context.Context, complaintID int64, version int, actor Actor, p auth.Permission, allowFinal bool) (*Record, error) {
	return s.beginWith(ctx, complaintID, version, actor, func(*Record) auth.Permission { return p }, allowFinal)
}

// beginWith is begin with the permission chosen by the case (a workflow
// action's).
func (s *Service) beginWith(ctx context.Context, complaintID int64, version int, actor Actor, perm func(*Record) auth.Permission, allowFinal bool) (*Record, error) {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, actor, r, perm(r)); err != nil {
		return nil, err
	}
	if err := s.mayWrite(actor, r, allowFinal); err != nil {
		return nil, err
	}
	if err := staleCheck(r, version); err != nil {
		return nil, err
	}
	return r, nil
}

// Read returns a case actor may read.
func (s *Service) Read(ctx context.Context, complaintID int64, actor Actor) (*Record, error) {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, actor, r, auth.ComplaintRead); err != nil {
		return nil, err
	}
	return r, nil
}

// CheckWork checks, before an upload is stored, that actor may work on
// complaint id now; the write checks again when it commits.
func (s *Service) CheckWork(ctx context.Context, complaintID int64, actor Actor) error {
	_, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	return err
}

// CanRead checks that actor may read complaint id.
func (s *Service) CanRead(ctx context.Context, complaintID int64, actor Actor) error {
	_, err := s.Read(ctx, complaintID, actor)
	return err
}

// Can reports whether actor has permission p over case r, for pages that
// show or hide a form.
func (s *Service) Can(ctx context.Context, actor Actor, r *Record, p auth.Permission) bool {
	return s.authorize(ctx, actor, r, p) == nil && s.mayWrite(actor, r, p == auth.CaseCorrect) == nil
}

// inScope reports whether r lies within scope sc of user u.
func (s *Service) inScope(ctx context.Context, u *org.User, r *Record, sc auth.Scope) (bool, error) {
	switch sc {
	case auth.ScopeAll:
		return true, nil
	case auth.ScopeNone:
		return false, nil
	}
	if owns(u.ID, r) {
		return true, nil
	}
	if sc == auth.ScopeOwn || u.DepartmentID == nil {
		return false, nil
	}
	depts, err := s.subtree(ctx, *u.DepartmentID)
	if err != nil {
		return false, err
	}
	if r.DepartmentID != nil && slices.Contains(depts, *r.DepartmentID) {
		return true, nil
	}
	for _, o := range r.CAPAOwners {
		if o.DepartmentID != nil && slices.Contains(depts, *o.DepartmentID) {
			return true, nil
		}
	}
	return false, nil
}

// owns reports whether r is user's own case: held, backed up, first
// received, or with a CAPA action they own.
func owns(user int64, r *Record) bool {
	for _, p := range []*int64{r.HolderID, r.BackupID, r.FirstReceiverID} {
		if p != nil && *p == user {
			return true
		}
	}
	for _, o := range r.CAPAOwners {
		if o.UserID != nil && *o.UserID == user {
			return true
		}
	}
	return false
}

// ListScope is the restriction of lists, searches, exports and reports
// to what u may read (nil: everything).
func (s *Service) ListScope(ctx context.Context, u *org.User) (*complaint.Scope, error) {
	sc := auth.ScopeOf(u.Role, auth.ComplaintRead)
	if sc == auth.ScopeAll {
		return nil, nil
	}
	out := &complaint.Scope{UserID: u.ID, DepartmentIDs: []int64{}}
	if sc == auth.ScopeDepartment && u.DepartmentID != nil {
		depts, err := s.subtree(ctx, *u.DepartmentID)
		if err != nil {
			return nil, err
		}
		out.DepartmentIDs = depts
	}
	if sc == auth.ScopeNone {
		out.UserID = 0 // nothing at all
	}
	return out, nil
}

// deptTTL is how long the department tree is trusted: a department
// moved through this server is seen at once (ForgetDepartments), one
// moved through another within deptTTL.
const deptTTL = 10 * time.Second

type deptCache struct {
	mu  sync.Mutex
	at  time.Time
	sub map[int64][]int64 // department → itself and every department below it
}

// ForgetDepartments drops the cached department tree, after a department
// was created, moved or deleted; the next check reads it again.
func (s *Service) ForgetDepartments() {
	c := &s.depts
	c.mu.Lock()
	c.sub = nil
	c.mu.Unlock()
}

// subtree returns the department and those below it.
func (s *Service) subtree(ctx context.Context, id int64) ([]int64, error) {
	c := &s.depts
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Now()
	if c.sub == nil || now.Sub(c.at) >= deptTTL || now.Before(c.at) {
		ds, err := s.Store.Departments(ctx)
		if err != nil {
			return nil, err
		}
		c.sub = org.Subtrees(ds)
		c.at = now
	}
	if sub, ok := c.sub[id]; ok {
		return sub, nil
	}
	return []int64{id}, nil
}

func forbidden(field, rule, param, msg string) error {
	return &apperr.Error{Code: apperr.Forbidden, Message: msg, Fields: []apperr.FieldError{{Field: field, Rule: rule, Param: param}}}
}

// Gate checks, before a request is read, that actor may do p on complaint
// id: the permission and its scope, and for writes that they are not
// complained about. With action set, p is the permission of that workflow
// action. The write checks everything again when it commits.
func (s *Service) Gate(ctx context.Context, complaintID int64, actor Actor, p auth.Permission, action string) error {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return err
	}
	if action != "" {
		p = s.actionPermission(r, action)
	}
	if err := s.authorize(ctx, actor, r, p); err != nil {
		return err
	}
	if p == auth.ComplaintRead {
		return nil
	}
	if !actor.Public && slices.Contains(r.Parties, actor.User.ID) {
		return s.mayWrite(actor, r, true)
	}
	return nil
}
