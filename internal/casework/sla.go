package casework

import (
	"context"
	"slices"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// clockChange is what a workflow action means for the SLA clocks: the
// action and the state entered are events ("action:reply",
// "status:closed"); entering a state that pauses SLA clocks pauses them,
// leaving one resumes them, and entering a state that is not open ends
// every clock the action does not meet (sla.Change.Terminal).
func clockChange(def *workflow.Definition, action, from, to string) sla.Change {
	ch := sla.Change{Events: []string{"action:" + action}}
	if to != from {
		ch.Events = append(ch.Events, "status:"+to)
	}
	pauses := func(code string) bool {
		st, ok := def.State(code)
		return ok && st.PausesSLA
	}
	ch.Pause = pauses(to) && !pauses(from)
	ch.Resume = pauses(from) && !pauses(to)
	if st, ok := def.State(to); ok && !st.Open {
		ch.Terminal = true
	}
	return ch
}

// ClockStore moves SLA due times (implemented by the storage engines).
type ClockStore interface {
	Extend(ctx context.Context, complaintID int64, policy string, to time.Time, consent sla.Consent, reason string, actor audit.Actor) error
}

// extendRoles may extend a time limit with the customer's consent: the
// people who talk with the customer and run the case.
var extendRoles = []string{org.RoleAgent, org.RoleHandler, org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM}

// Extension is a request to move a time limit's due time.
type Extension struct {
	Policy  string      `json:"policy"`
	DueAt   time.Time   `json:"due_at"`
	Consent sla.Consent `json:"consent"`
	Reason  string      `json:"reason"`
}

// Extend moves the due time of a case's running clock of e.Policy to
// e.DueAt. It is refused with field errors without the customer's recorded
// consent — who agreed, when and how (000 §4.5.2) — and the timeline says
// who extended which limit from when to when with whose consent.
func (s *Service) Extend(ctx context.Context, complaintID int64, e Extension, actor Actor) error {
	if _, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false); err != nil {
		return err
	}
	if actor.Public || !slices.Contains(extendRoles, actor.User.Role) {
		return forbidden("actor", workflow.RuleRoleNotAllowed, strings.Join(extendRoles, ","), "role "+actor.User.Role+" may not extend a time limit")
	}
	var v apperr.Validation
	e.Reason = strings.TrimSpace(e.Reason)
	v.Text("reason", e.Reason, 500)
	if e.DueAt.IsZero() {
		v.Add("due_at", "required", "")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := sla.CheckConsent(e.Consent, s.Now()); err != nil {
		return err
	}
	if s.Clocks == nil {
		return apperr.New(apperr.Unavailable, "time limits are not configured")
	}
	return s.Clocks.Extend(ctx, complaintID, e.Policy, e.DueAt, e.Consent, e.Reason, actor.Audit)
}
