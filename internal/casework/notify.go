package casework

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// Notice kinds of case events (the time-limit notices are sla.*).
const (
	NoticeAssigned = "case.assigned"          // the case was given to you (holder or backup)
	NoticeToSign   = "case.awaiting_approval" // the plan waits for your signature
	NoticeApproved = "case.approved"          // the plan you hold is approved
	NoticeRejected = "case.rejected"          // the plan you hold was refused
	NoticeNotify   = "case.notify"            // a lifecycle step names you (the definition's notify)
)

// approveScope checks that actor may sign or refuse plans of r: managers
// within their department (and those below it), the general managers
// across the company. A case the approver merely holds is not enough.
func (s *Service) approveScope(ctx context.Context, actor Actor, r *Record) error {
	if actor.Public {
		return forbidden("actor", RuleNoPermission, string(auth.CaseApprove), "the complainant approves nothing")
	}
	ok, err := s.approves(ctx, actor.User, r)
	if err != nil {
		return err
	}
	if !ok {
		sc := auth.ScopeOf(actor.User.Role, auth.CaseApprove)
		if sc == auth.ScopeNone {
			return forbidden("actor", RuleNoPermission, string(auth.CaseApprove), "role "+actor.User.Role+" approves nothing")
		}
		return forbidden("actor", RuleOutOfScope, sc.String(), "complaint "+r.Number+" is outside the approval scope of "+actor.User.Name)
	}
	return nil
}

// approves reports whether u may sign plans of r by scope.
func (s *Service) approves(ctx context.Context, u *org.User, r *Record) (bool, error) {
	switch auth.ScopeOf(u.Role, auth.CaseApprove) {
	case auth.ScopeAll:
		return true, nil
	case auth.ScopeDepartment:
		if u.DepartmentID == nil || r.DepartmentID == nil {
			return false, nil
		}
		depts, err := s.subtree(ctx, *u.DepartmentID)
		return slices.Contains(depts, *r.DepartmentID), err
	}
	return false, nil
}

// NextApprovers are the people who may give r's next signature: users of
// the awaited role within approval scope who are not complained about.
func (s *Service) NextApprovers(ctx context.Context, r *Record) ([]org.User, error) {
	if r.AwaitingRole == "" {
		return nil, nil
	}
	users, err := s.Store.UsersWithRoles(ctx, []string{r.AwaitingRole})
	if err != nil {
		return nil, err
	}
	var out []org.User
	for _, u := range users {
		if slices.Contains(r.Parties, u.ID) || slices.Contains(r.Approvers, u.ID) {
			continue
		}
		ok, err := s.approves(ctx, &u, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// AwaitingOf is what u's work list shows of the plans awaiting a
// signature: their role within their approval scope (nil when they
// approve nothing).
func (s *Service) AwaitingOf(ctx context.Context, u *org.User) (*Awaiting, error) {
	switch auth.ScopeOf(u.Role, auth.CaseApprove) {
	case auth.ScopeAll:
		return &Awaiting{Role: u.Role}, nil
	case auth.ScopeDepartment:
		if u.DepartmentID == nil {
			return nil, nil
		}
		depts, err := s.subtree(ctx, *u.DepartmentID)
		if err != nil {
			return nil, err
		}
		return &Awaiting{Role: u.Role, DepartmentIDs: depts}, nil
	}
	return nil, nil
}

// changeNotices tells people what a change means for them: the new holder
// and backup that the case is theirs, the next approvers that a plan waits
// for them, the holder that the plan was approved or refused.
func (s *Service) changeNotices(ctx context.Context, before Record, r *Record, def *workflow.Definition, actor Actor) ([]sla.Notice, error) {
	var out []sla.Notice
	key := func(kind string, user int64) string {
		return kind + ":" + strconv.FormatInt(r.ComplaintID, 10) + ":" + strconv.Itoa(r.Version) + ":" + strconv.FormatInt(user, 10)
	}
	add := func(kind string, users []int64, title, body string) {
		seen := map[int64]bool{}
		for _, u := range users {
			if u == 0 || seen[u] || (!actor.Public && u == actor.User.ID) || slices.Contains(r.Parties, u) {
				continue
			}
			seen[u] = true
			cid := r.ComplaintID
			out = append(out, sla.Notice{UserID: u, Kind: kind, ComplaintID: &cid, Title: title, Body: body, Key: key(kind, u),
				Data: map[string]string{"number": r.Number, "amount": moneyText(r.Amount, r.Currency), "role": r.AwaitingRole}})
		}
	}
	holders := func() []int64 { return ids(r.HolderID, r.BackupID) }
	if !samePtr(before.HolderID, r.HolderID) && r.HolderID != nil {
		add(NoticeAssigned, ids(r.HolderID), fmt.Sprintf("【分派】%s 由您处理", r.Number), fmt.Sprintf("投诉 %s 已分派给您处理。", r.Number))
	}
	if !samePtr(before.BackupID, r.BackupID) && r.BackupID != nil {
		add(NoticeAssigned, ids(r.BackupID), fmt.Sprintf("【分派】%s 由您代理", r.Number), fmt.Sprintf("您是投诉 %s 的代理人（备岗）。", r.Number))
	}
	if r.AwaitingRole != "" && (r.AwaitingRole != before.AwaitingRole || r.ApprovalRound != before.ApprovalRound || len(r.Approvers) != len(before.Approvers)) {
		users, err := s.NextApprovers(ctx, r)
		if err != nil {
			return nil, err
		}
		to := make([]int64, len(users))
		for i, u := range users {
			to[i] = u.ID
		}
		add(NoticeToSign, to, fmt.Sprintf("【待审批】%s %s", r.Number, moneyText(r.Amount, r.Currency)),
			fmt.Sprintf("投诉 %s 的处理方案（%s %s）等待您以%s身份审批。", r.Number, r.Resolution, moneyText(r.Amount, r.Currency),
				workflow.Roles.Label(r.AwaitingRole, "zh")))
	}
	ap := def.ApprovalState()
	if ap != "" && before.Status == ap && before.AwaitingRole != "" && r.AwaitingRole == "" && r.ApprovalRound == before.ApprovalRound && len(r.Approvers) > 0 {
		add(NoticeApproved, holders(), fmt.Sprintf("【已核准】%s", r.Number), fmt.Sprintf("投诉 %s 的处理方案已全部核准，可以答复客户。", r.Number))
	}
	if ap != "" && before.Status == ap && r.Status != ap && r.ApprovalRound != before.ApprovalRound {
		add(NoticeRejected, holders(), fmt.Sprintf("【已驳回】%s", r.Number), fmt.Sprintf("投诉 %s 的处理方案被驳回，请重拟方案。", r.Number))
	}
	return out, nil
}

// roleNotices are the notices of a lifecycle step whose definition names
// roles to tell (effects.notify): the case's department manager and
// deputy for "manager", the holder for "handler" and "agent" as holder,
// every active user of the other roles.
func (s *Service) roleNotices(ctx context.Context, r *Record, roles []string, kind string, a *workflow.Action, actor Actor) ([]sla.Notice, error) {
	var to []int64
	var others []string
	for _, role := range roles {
		switch role {
		case org.RoleManager:
			m, err := s.managers(ctx, r.DepartmentID)
			if err != nil {
				return nil, err
			}
			to = append(to, m...)
		case org.RoleHandler, org.RoleAgent:
			to = append(to, ids(r.HolderID, r.BackupID)...)
		default:
			others = append(others, role)
		}
	}
	if len(others) > 0 {
		users, err := s.Store.UsersWithRoles(ctx, others)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			to = append(to, u.ID)
		}
	}
	var out []sla.Notice
	seen := map[int64]bool{}
	for _, u := range to {
		if seen[u] || (!actor.Public && u == actor.User.ID) || slices.Contains(r.Parties, u) {
			continue
		}
		seen[u] = true
		cid := r.ComplaintID
		out = append(out, sla.Notice{UserID: u, Kind: kind, ComplaintID: &cid,
			Title: fmt.Sprintf("【%s】%s", a.ZH, r.Number), Body: fmt.Sprintf("投诉 %s：%s。", r.Number, a.ZH),
			Key:  kind + ":" + a.Code + ":" + strconv.FormatInt(r.ComplaintID, 10) + ":" + strconv.Itoa(r.Version) + ":" + strconv.FormatInt(u, 10),
			Data: map[string]string{"number": r.Number, "step_zh": a.ZH, "step_en": a.EN}})
	}
	return out, nil
}

// managers are the manager and deputy (代理人) of a department, or, when
// the department names none, its users with the manager role.
func (s *Service) managers(ctx context.Context, dept *int64) ([]int64, error) {
	if dept == nil {
		return nil, nil
	}
	ds, err := s.Store.Departments(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.ID == *dept && (d.ManagerID != nil || d.DeputyID != nil) {
			return ids(d.ManagerID, d.DeputyID), nil
		}
	}
	users, err := s.Store.UsersWithRoles(ctx, []string{org.RoleManager})
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, u := range users {
		if u.DepartmentID != nil && *u.DepartmentID == *dept {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

func ids(ps ...*int64) []int64 {
	var out []int64
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func samePtr(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// money renders fen with the currency, as notices show amounts.
func moneyText(fen int64, currency string) string {
	if currency == "" {
		currency = "CNY"
	}
	return fmt.Sprintf("%s %d.%02d", currency, fen/100, fen%100)
}

// MarkAwaiting records the awaited role of the cases in approval that have
// none recorded (an upgrade from a version that did not record it), so
// their approvers find them in their work lists. It runs at start.
func (s *Service) MarkAwaiting(ctx context.Context) (int, error) {
	var states []string
	for _, d := range s.Definitions.All() {
		if ap := d.ApprovalState(); ap != "" && !slices.Contains(states, ap) {
			states = append(states, ap)
		}
	}
	ids, err := s.Store.UnmarkedApprovals(ctx, states)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		r, err := s.Store.Load(ctx, id)
		if err != nil {
			return n, err
		}
		def := s.Definition(r)
		if r.Status != def.ApprovalState() {
			continue
		}
		l, ok := def.NextLevel(s.View(r))
		if !ok {
			continue
		}
		if err := s.Store.MarkAwaiting(ctx, id, r.Version, l.Role); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// MyWork lists u's work: open cases they hold or back up, and plans that
// wait for their signature; earliest due time first (我的待办).
func (s *Service) MyWork(ctx context.Context, u *org.User, limit int) ([]WorkItem, error) {
	awaiting, err := s.AwaitingOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return s.Store.MyWork(ctx, u.ID, s.OpenStates(), awaiting, limit)
}
