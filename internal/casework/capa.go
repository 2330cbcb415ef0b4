package casework

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// verifierRoles may verify the effect of CAPA actions (QA, 000 §3.1).
var verifierRoles = []string{org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM, org.RoleAdmin}

func (s *Service) openCase(ctx context.Context, complaintID int64, actor Actor) (*Record, error) {
	r, err := s.Store.Load(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if st, ok := s.Definition(r).State(r.Status); ok && !st.Open {
		return nil, apperr.New(apperr.Conflict, "case is %s", r.Status)
	}
	if slicesContains(r.Parties, actor.User.ID) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "party to the complaint",
			Fields: []apperr.FieldError{{Field: "actor", Rule: workflow.RulePartyToComplaint}}}
	}
	return r, nil
}

// AddCAPA adds a containment, corrective or preventive action to a case.
func (s *Service) AddCAPA(ctx context.Context, a *CAPAAction, actor Actor) error {
	if _, err := s.openCase(ctx, a.ComplaintID, actor); err != nil {
		return err
	}
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
	if err := v.Err(); err != nil {
		return err
	}
	a.Status, a.Verification, a.Version, a.CreatedAt = "open", "", 1, s.Now()
	return s.Store.AddCAPA(ctx, a, actor.Audit)
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

// CompleteCAPA marks an action executed, with its evidence.
func (s *Service) CompleteCAPA(ctx context.Context, complaintID, capaID int64, version int, evidence string, actor Actor) (*CAPAAction, error) {
	if _, err := s.openCase(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	a, err := s.capa(ctx, complaintID, capaID)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != a.Version {
		return nil, apperr.New(apperr.Conflict, "CAPA action changed by someone else")
	}
	var v apperr.Validation
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
	return a, s.Store.UpdateCAPA(ctx, a, "capa_done", actor.Audit)
}

// VerifyCAPA records QA's verification of an executed action. Effective
// actions may be flagged to update the standard (000 §4.6.2).
func (s *Service) VerifyCAPA(ctx context.Context, complaintID, capaID int64, version int, effective bool, note string, updateStandard bool, actor Actor) (*CAPAAction, error) {
	if _, err := s.openCase(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	if !slicesContainsStr(verifierRoles, actor.User.Role) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "only QA verifies CAPA",
			Fields: []apperr.FieldError{{Field: "actor", Rule: workflow.RuleRoleNotAllowed, Param: strings.Join(verifierRoles, ",")}}}
	}
	a, err := s.capa(ctx, complaintID, capaID)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != a.Version {
		return nil, apperr.New(apperr.Conflict, "CAPA action changed by someone else")
	}
	var v apperr.Validation
	if a.Status != "done" {
		v.Add("status", "not_done", "")
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
	return a, s.Store.UpdateCAPA(ctx, a, "capa_verified", actor.Audit)
}

func slicesContainsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Investigation kinds (WF-2).
var InvestigationKinds = []string{"note", "call", "site_visit", "evidence", "sample_test", "returned_goods_test",
	"stock_check", "in_process_check"}

// Investigate records a fact found while investigating: a note, a call, a
// site visit, a sample or returned-goods test result, a check of stock or
// in-process product (WF-2). It goes on the internal timeline.
func (s *Service) Investigate(ctx context.Context, complaintID int64, kind, body string, actor Actor) (*Record, error) {
	r, err := s.openCase(ctx, complaintID, actor)
	if err != nil {
		return nil, err
	}
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
		Body: body, Data: map[string]any{"type": kind}}}
	return r, s.Store.Save(ctx, r, w, actor.Audit)
}
