package casework

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// verifierRoles may verify the effect of CAPA actions (QA, 000 §3.1).
var verifierRoles = []string{org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM}

// AddCAPA adds a containment, corrective or preventive action to a case.
func (s *Service) AddCAPA(ctx context.Context, a *CAPAAction, actor Actor) error {
	r, err := s.begin(ctx, a.ComplaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return err
	}
	if err := s.checkCAPA(a); err != nil {
		return err
	}
	a.Status, a.Verification, a.Version, a.CreatedAt, a.SupersedesID, a.SupersededBy = "open", "", 1, s.Now(), nil, nil
	return s.saveCAPA(ctx, r, a, "capa_added", "capa.create", map[string]any{"kind": a.Kind, "description": a.Description}, actor)
}

// checkCAPA validates a new action.
func (s *Service) checkCAPA(a *CAPAAction) error {
	a.Description = strings.TrimSpace(a.Description)
	var v apperr.Validation
	if v.Required("kind", a.Kind) {
		v.OneOf("kind", a.Kind, CAPAKinds.Codes())
	}
	if v.Required("description", a.Description) {
		v.Text("description", a.Description, 5000)
	}
	if a.OwnerDepartmentID == nil && a.OwnerUserID == nil && a.SupplierID == nil {
		v.Add("owner_user_id", "required", "")
	}
	if a.DueDate != nil && a.DueDate.Before(s.Now().Truncate(24*time.Hour).AddDate(0, 0, -1)) {
		v.Add("due_date", "in_past", "")
	}
	return v.Err()
}

// saveCAPA writes a CAPA action with its timeline entry through the case.
func (s *Service) saveCAPA(ctx context.Context, r *Record, a *CAPAAction, event, audit string, data map[string]any, actor Actor) error {
	before := cloneRecord(r)
	d := map[string]any{"capa_id": a.ID}
	for k, v := range data {
		d[k] = v
	}
	w := Write{Action: audit, CAPA: a, Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: event, Data: d}}
	if a.ID == 0 {
		w.Clock.Events = []string{"capa:" + a.Kind}
	}
	return s.commit(ctx, before, r, &w, actor)
}

func (s *Service) capa(ctx context.Context, complaintID, capaID int64) (*CAPAAction, error) {
	list, err := s.Store.CAPA(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == capaID {
			return &list[i], nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "CAPA action %d not found on complaint %d", capaID, complaintID)
}

// RuleReworkRequired refuses to complete or verify again an action QA
// verified ineffective: it must be reworked first (000: 重新纠正,并追踪至
// 问题完全改善才能结案).
const RuleReworkRequired = "rework_required"

// liveCAPA finds an action that still counts on the case and checks the
// version the actor saw.
func (s *Service) liveCAPA(ctx context.Context, complaintID, capaID int64, version int) (*CAPAAction, error) {
	a, err := s.capa(ctx, complaintID, capaID)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != a.Version {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "CAPA action changed by someone else",
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(a.Version)}}}
	}
	if a.SupersededBy != nil {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "CAPA action was reworked by another",
			Fields: []apperr.FieldError{{Field: "capa_id", Rule: "superseded", Param: strconv.FormatInt(*a.SupersededBy, 10)}}}
	}
	return a, nil
}

// CompleteCAPA marks an action executed, with its evidence.
func (s *Service) CompleteCAPA(ctx context.Context, complaintID, capaID int64, version int, evidence string, actor Actor) (*CAPAAction, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	a, err := s.liveCAPA(ctx, complaintID, capaID, version)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	if a.Verification == "ineffective" {
		v.Add("verification", RuleReworkRequired, "")
	}
	evidence = strings.TrimSpace(evidence)
	if v.Required("evidence", evidence) {
		v.Text("evidence", evidence, 5000)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Now()
	a.Status, a.Evidence, a.DoneAt = "done", evidence, &now
	a.Verification, a.VerifiedBy, a.VerifiedAt, a.VerifyNote = "", nil, nil, ""
	return a, s.saveCAPA(ctx, r, a, "capa_done", "capa.update", map[string]any{"status": a.Status}, actor)
}

// VerifyCAPA records QA's verification of an executed action. Effective
// actions may be flagged to update the standard (000 §4.6.2). An action
// found ineffective keeps that verdict until it is reworked.
func (s *Service) VerifyCAPA(ctx context.Context, complaintID, capaID int64, version int, effective bool, note string, updateStandard bool, actor Actor) (*CAPAAction, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	if actor.Public || !slices.Contains(verifierRoles, actor.User.Role) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "only QA verifies CAPA",
			Fields: []apperr.FieldError{{Field: "actor", Rule: workflow.RuleRoleNotAllowed, Param: strings.Join(verifierRoles, ",")}}}
	}
	a, err := s.liveCAPA(ctx, complaintID, capaID, version)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	if a.Status != "done" {
		v.Add("status", "not_done", "")
	}
	if a.Verification == "ineffective" {
		v.Add("verification", RuleReworkRequired, "")
	}
	note = strings.TrimSpace(note)
	v.Text("verify_note", note, 2000)
	if updateStandard && !effective {
		v.Add("update_standard", "only_if_effective", "")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Now()
	a.Verification = "ineffective"
	if effective {
		a.Verification = "effective"
	}
	a.VerifiedBy, a.VerifiedAt, a.VerifyNote, a.UpdateStandard = &actor.User.ID, &now, note, updateStandard
	return a, s.saveCAPA(ctx, r, a, "capa_verified", "capa.update", map[string]any{"verification": a.Verification,
		"update_standard": a.UpdateStandard}, actor)
}

// Rework is the revised action that replaces one verified ineffective.
type Rework struct {
	Description       string
	OwnerDepartmentID *int64
	OwnerUserID       *int64
	SupplierID        *int64
	DueDate           *time.Time
}

// ReworkCAPA replaces an action QA verified ineffective with a revised
// one of the same kind (new description, owner and due date), which must
// be carried out and verified on its own; the ineffective action stays on
// record, superseded. Owners left empty are the old action's.
func (s *Service) ReworkCAPA(ctx context.Context, complaintID, capaID int64, version int, rw Rework, actor Actor) (*CAPAAction, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	old, err := s.liveCAPA(ctx, complaintID, capaID, version)
	if err != nil {
		return nil, err
	}
	if old.Verification != "ineffective" {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "only an action verified ineffective is reworked",
			Fields: []apperr.FieldError{{Field: "verification", Rule: "not_ineffective"}}}
	}
	n := &CAPAAction{ComplaintID: complaintID, Kind: old.Kind, Description: rw.Description, OwnerDepartmentID: rw.OwnerDepartmentID,
		OwnerUserID: rw.OwnerUserID, SupplierID: rw.SupplierID, DueDate: rw.DueDate}
	if n.OwnerDepartmentID == nil && n.OwnerUserID == nil && n.SupplierID == nil {
		n.OwnerDepartmentID, n.OwnerUserID, n.SupplierID = old.OwnerDepartmentID, old.OwnerUserID, old.SupplierID
	}
	if err := s.checkCAPA(n); err != nil {
		return nil, err
	}
	if strings.EqualFold(n.Description, strings.TrimSpace(old.Description)) {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "the rework repeats the ineffective action",
			Fields: []apperr.FieldError{{Field: "description", Rule: "unchanged"}}}
	}
	n.Status, n.Version, n.CreatedAt, n.SupersedesID = "open", 1, s.Now(), &old.ID
	return n, s.saveCAPA(ctx, r, n, "capa_reworked", "capa.rework", map[string]any{"kind": n.Kind, "description": n.Description,
		"supersedes_id": old.ID}, actor)
}

// Investigation kinds (WF-2). Some meet time limits by themselves: contact
// with the complainant (SLA-1), a verbal reply (SLA-12), the returned
// goods' arrival and test (SLA-10), parts shipped to the dealer (SLA-13).
var InvestigationKinds = []string{"note", "call", "site_visit", "evidence", "sample_test", "returned_goods_test",
	"stock_check", "in_process_check", "contact", "verbal_reply", "goods_received", "parts_shipped"}

// Investigate records a fact found while investigating: a note, a call, a
// site visit, a sample or returned-goods test result, a check of stock or
// in-process product (WF-2). It goes on the internal timeline.
func (s *Service) Investigate(ctx context.Context, complaintID int64, kind, body string, actor Actor) (*Record, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	var v apperr.Validation
	if v.Required("kind", kind) {
		v.OneOf("kind", kind, InvestigationKinds)
	}
	body = strings.TrimSpace(body)
	if v.Required("body", body) {
		v.Text("body", body, 10000)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	w := Write{Action: "workflow.investigate", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "investigation",
		Body: body, Data: map[string]any{"type": kind}}, Clock: sla.Change{Events: []string{"record:" + kind}}}
	return r, s.commit(ctx, before, r, &w, actor)
}
