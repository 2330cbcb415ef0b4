// Package desk is the service desk's own operations (SPEC OPS-1…OPS-5,
// seed 003): shift patterns and the monthly duty roster with its on-duty
// board, the handover log 交接班日志, shift swaps 换班 under the
// department's rules, the knowledge base of standard answers and the
// contacts that are not complaints (enquiries, price and market
// questions).
package desk

import (
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/sla"
)

// Store persists the desk. Every write records an audit entry in its
// transaction.
type Store interface {
	KBStore
	RosterStore
	SwapStore
	HandoverStore
	ContactStore
}

// Service runs the desk.
type Service struct {
	Store Store
	Now   func() time.Time
	// Loc is the zone of shift times and roster days (Asia/Shanghai).
	Loc *time.Location
	// Calendar returns the business calendar in force, for the holiday
	// rule of swaps; nil means no day is a holiday.
	Calendar func() *sla.Calendar
	// HandoverGrace is how long a handover may stay unacknowledged before
	// the duty manager is reminded; 30 minutes when zero.
	HandoverGrace time.Duration
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) loc() *time.Location {
	if s.Loc == nil {
		return sla.Shanghai()
	}
	return s.Loc
}

// Actor is who acts: a signed-in user with the audit identity.
type Actor = casework.Actor

func userID(a Actor) int64 {
	if a.User == nil {
		return 0
	}
	return a.User.ID
}

// manages reports whether the actor may manage the desk.
func manages(a Actor) bool { return a.User != nil && auth.Can(a.User.Role, auth.DeskManage) }

// refuse is a rule's refusal: a conflict naming the rule on a field.
func refuse(field, rule, param, msg string) error {
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: field, Rule: rule, Param: param}}}
}

func forbidden(rule, msg string) error {
	return &apperr.Error{Code: apperr.Forbidden, Message: msg, Fields: []apperr.FieldError{{Field: "user", Rule: rule}}}
}

func invalid(field, rule string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "invalid " + field, Fields: []apperr.FieldError{{Field: field, Rule: rule}}}
}

// Location is the zone of roster days and shift times.
func (s *Service) Location() *time.Location { return s.loc() }

// Clock returns the service's now.
func (s *Service) Clock() time.Time { return s.now() }
