package queue

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
)

// The queue's controls: who may work a counter, set up a branch or read
// its analytics. A branch belongs to a department (the 网点 in the
// organisation tree); a permission held at department scope reaches the
// branches of the user's department and those below it, one held at
// company scope every branch. A branch not yet given a department is
// reached only at company scope. The API and the pages call the Service,
// which checks this before every write and every staff read.

// Rules of the queue's refusals (the Forbidden error's field rule).
const (
	// RuleNoPermission: the role lacks the permission (param: it).
	RuleNoPermission = "permission_denied"
	// RuleBranchScope: the branch is outside the user's reach (param:
	// the scope of the permission).
	RuleBranchScope = "branch_out_of_scope"
)

// Actor is a member of staff working the queue.
type Actor struct {
	User  *org.User
	Audit audit.Actor
}

// deptTTL is how long the department tree is trusted: a department
// moved through this server is seen at once (ForgetDepartments), one
// moved through another within deptTTL.
const deptTTL = 10 * time.Second

type deptTree struct {
	mu  sync.Mutex
	at  time.Time
	sub map[int64][]int64
}

// ForgetDepartments drops the cached department tree, after a department
// was created, moved or deleted; the next check reads it again.
func (s *Service) ForgetDepartments() {
	c := &s.depts
	c.mu.Lock()
	c.sub = nil
	c.mu.Unlock()
}

// subtree returns the department and those below it; known is false for
// a department not in the tree. With fresh, a department not in the
// cached tree reads the tree again (one made a moment ago).
func (s *Service) subtree(ctx context.Context, id int64, fresh bool) (sub []int64, known bool, err error) {
	if s.Departments == nil {
		return []int64{id}, true, nil
	}
	c := &s.depts
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	age := now.Sub(c.at)
	_, cached := c.sub[id]
	if c.sub == nil || age >= deptTTL || age < 0 || fresh && !cached {
		ds, err := s.Departments(ctx)
		if err != nil {
			return nil, false, err
		}
		c.sub, c.at = org.Subtrees(ds), now
	}
	if sub, known = c.sub[id]; !known {
		return []int64{id}, false, nil
	}
	return sub, true, nil
}

func forbidden(rule, param, msg string) error {
	return &apperr.Error{Code: apperr.Forbidden, Message: msg, Fields: []apperr.FieldError{{Field: "branch_id", Rule: rule, Param: param}}}
}

// reaches reports whether user u's permission p reaches a branch of
// department dept (nil: none given).
func (s *Service) reaches(ctx context.Context, u *org.User, p auth.Permission, dept *int64) (bool, error) {
	if u == nil {
		return false, nil
	}
	switch auth.ScopeOf(u.Role, p) {
	case auth.ScopeAll:
		return true, nil
	case auth.ScopeNone:
		return false, nil
	}
	if dept == nil || u.DepartmentID == nil {
		return false, nil
	}
	sub, _, err := s.subtree(ctx, *u.DepartmentID, false)
	if err != nil {
		return false, err
	}
	return slices.Contains(sub, *dept), nil
}

// authorize checks that actor's permission p reaches branch b.
func (s *Service) authorize(ctx context.Context, a Actor, p auth.Permission, b *Branch) error {
	if a.User == nil {
		return forbidden(RuleNoPermission, string(p), "sign in to work the queue")
	}
	sc := auth.ScopeOf(a.User.Role, p)
	if sc == auth.ScopeNone {
		return forbidden(RuleNoPermission, string(p), "role "+a.User.Role+" lacks "+string(p))
	}
	ok, err := s.reaches(ctx, a.User, p, b.DepartmentID)
	if err != nil {
		return err
	}
	if !ok {
		return forbidden(RuleBranchScope, sc.String(), "branch "+b.Code+" is outside the "+sc.String()+" scope of "+string(p))
	}
	return nil
}

// Authorize checks that actor's permission p reaches branch id, for the
// staff pages and reads (analytics, the counter screen) before they show
// anything. NotFound for a branch that does not exist.
func (s *Service) Authorize(ctx context.Context, a Actor, p auth.Permission, branchID int64) (*Config, error) {
	cfg, err := s.Config(ctx, branchID)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, a, p, &cfg.Branch); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Can reports whether actor's permission p reaches branch b, for pages
// that show or hide a link or a form.
func (s *Service) Can(ctx context.Context, a Actor, p auth.Permission, b *Branch) bool {
	return s.authorize(ctx, a, p, b) == nil
}

// checkDepartment checks the department a branch is given: one that
// exists and, for a permission held at department scope, one the user
// reaches (so nobody hands a branch to, or takes it from, a department
// outside their own).
func (s *Service) checkDepartment(ctx context.Context, a Actor, b *Branch) error {
	if b.DepartmentID == nil {
		if auth.ScopeOf(a.User.Role, auth.QueueAdmin) != auth.ScopeAll {
			var v apperr.Validation
			v.Add("department_id", "required", "")
			return v.Err()
		}
		return nil
	}
	if _, known, err := s.subtree(ctx, *b.DepartmentID, true); err != nil {
		return err
	} else if !known {
		var v apperr.Validation
		v.Add("department_id", "not_found", strconv.FormatInt(*b.DepartmentID, 10))
		return v.Err()
	}
	return s.authorize(ctx, a, auth.QueueAdmin, b)
}

// SaveBranch adds (b.ID 0) or changes a branch. The actor's queue.admin
// must reach the branch as it was and as it will be.
func (s *Service) SaveBranch(ctx context.Context, a Actor, b *Branch) error {
	if a.User == nil || !auth.Can(a.User.Role, auth.QueueAdmin) {
		return s.authorize(ctx, a, auth.QueueAdmin, b)
	}
	if b.ID != 0 {
		old, err := s.Store.Branch(ctx, b.ID)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, a, auth.QueueAdmin, old); err != nil {
			return err
		}
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := s.checkDepartment(ctx, a, b); err != nil {
		return err
	}
	if err := s.Store.SaveBranch(ctx, b, a.Audit, s.adminGuard(ctx, a)); err != nil {
		return err
	}
	s.Changed(b.ID)
	return nil
}

// adminGuard checks again, in the write's transaction, that actor's
// queue.admin reaches the branch as stored: the check before the write
// may have seen it before an administrator moved it.
func (s *Service) adminGuard(ctx context.Context, a Actor) Guard {
	return func(cur *Branch) error {
		if cur == nil {
			return nil // a new branch: its department was checked
		}
		return s.authorize(ctx, a, auth.QueueAdmin, cur)
	}
}

// SaveType adds (t.ID 0) or changes a service type of branch t.BranchID.
func (s *Service) SaveType(ctx context.Context, a Actor, t *ServiceType) error {
	if err := s.adminOf(ctx, a, t.BranchID); err != nil {
		return err
	}
	if err := s.Store.SaveType(ctx, t, a.Audit, s.adminGuard(ctx, a)); err != nil {
		return err
	}
	s.Changed(t.BranchID)
	return nil
}

// SaveCounter adds (c.ID 0) or changes a counter of branch c.BranchID.
func (s *Service) SaveCounter(ctx context.Context, a Actor, c *Counter) error {
	if err := s.adminOf(ctx, a, c.BranchID); err != nil {
		return err
	}
	if err := s.Store.SaveCounter(ctx, c, a.Audit, s.adminGuard(ctx, a)); err != nil {
		return err
	}
	s.Changed(c.BranchID)
	return nil
}

// adminOf checks queue.admin over branch id as stored now, before the
// write validates its input (a refusal comes first); the write's guard
// checks it again under the branch's lock.
func (s *Service) adminOf(ctx context.Context, a Actor, branchID int64) error {
	b, err := s.Store.Branch(ctx, branchID)
	if err != nil {
		return err
	}
	return s.authorize(ctx, a, auth.QueueAdmin, b)
}

// counterBranch returns the branch of a counter; a counter never moves.
func (s *Service) counterBranch(ctx context.Context, counterID int64) (int64, error) {
	if v, ok := s.counters.Load(counterID); ok {
		return v.(int64), nil
	}
	id, err := s.Store.CounterBranch(ctx, counterID)
	if err != nil {
		return 0, err
	}
	s.counters.Store(counterID, id)
	return id, nil
}

// serveAt checks that actor may work counter counterID: queue.serve over
// its branch.
func (s *Service) serveAt(ctx context.Context, a Actor, counterID int64) (*Config, error) {
	branchID, err := s.counterBranch(ctx, counterID)
	if err != nil {
		return nil, err
	}
	return s.Authorize(ctx, a, auth.QueueServe, branchID)
}

// Counter returns the configuration of counter id's branch, for a member
// of staff whose queue.serve reaches it (the counter screen).
func (s *Service) Counter(ctx context.Context, a Actor, id int64) (*Config, error) {
	return s.serveAt(ctx, a, id)
}
