package casework

import (
	"context"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// clockChange is what a workflow action means for the SLA clocks: the
// action and the state entered are events ("action:reply",
// "status:closed"); entering a state that pauses SLA clocks pauses them,
// leaving one resumes them.
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
	return ch
}

// ClockStore moves SLA due times (implemented by the storage engines).
type ClockStore interface {
	Extend(ctx context.Context, complaintID int64, policy string, to time.Time, consent sla.Consent, actor audit.Actor) error
}

// Extend moves the due time of a case's clock of policy to newDue. It is
// refused without the customer's recorded consent: who agreed, when and
// how (000 §4.5.2).
func (s *Service) Extend(ctx context.Context, complaintID int64, policy string, newDue time.Time, consent sla.Consent, actor Actor) error {
	if consent.By == "" || consent.How == "" || consent.At.IsZero() {
		return &apperr.Error{Code: apperr.Invalid, Message: sla.ErrNoConsent.Error(),
			Fields: []apperr.FieldError{{Field: "consent", Rule: "required"}}}
	}
	if s.Clocks == nil {
		return apperr.New(apperr.Unavailable, "time limits are not configured")
	}
	return s.Clocks.Extend(ctx, complaintID, policy, newDue, consent, actor.Audit)
}
