// Package incident holds what the complaint register learns from many
// complaints together: batch incidents (TRI-6: five or more defective units
// of one lot within a window, 004 §6.5), representative quality problems
// (004 §6.4), duplicates and repeats (INT-6), and the
// after-sales ledger of A-class dealers (CUS-3). The rules are pure
// functions; the services apply them to stored complaints.
package incident

import (
	"context"
	"fmt"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/org"
	"kesu/internal/product"
)

// Subject is what the rules need to know of a complaint.
type Subject struct {
	ID          int64     `json:"id"`
	Number      string    `json:"number"`
	Status      string    `json:"status"`
	Quality     bool      `json:"quality"`
	CustomerID  *int64    `json:"customer_id,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	ProductID   *int64    `json:"product_id,omitempty"`
	ProductName string    `json:"product_name,omitempty"`
	BatchNo     string    `json:"batch_no,omitempty"`
	BatchID     *int64    `json:"batch_id,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	MergedInto  *int64    `json:"merged_into,omitempty"`
}

// BatchRule says when quality complaints about one lot make an incident:
// 同一批产品中的5台以上 (004 §6.5) counts units, not complaints — the
// defective quantities of the lot's quality complaints added up, a
// complaint without a quantity counting as one unit.
type BatchRule struct {
	Threshold int           // defective units that raise it; default 5
	Window    time.Duration // counted back from the newest; default 90 days
}

// BatchCount is what the quality complaints of one lot within the window
// add up to.
type BatchCount struct {
	Complaints int `json:"complaints"`
	Units      int `json:"units"` // defective units, at least one per complaint
}

// DefaultBatchRule is five defective units within 90 days.
var DefaultBatchRule = BatchRule{Threshold: 5, Window: 90 * 24 * time.Hour}

func (r BatchRule) norm() BatchRule {
	if r.Threshold <= 0 {
		r.Threshold = DefaultBatchRule.Threshold
	}
	if r.Window <= 0 {
		r.Window = DefaultBatchRule.Window
	}
	return r
}

// Since is the start of the window ending at at.
func (r BatchRule) Since(at time.Time) time.Time { return at.Add(-r.norm().Window) }

// Raises reports whether units defective units within the window make an
// incident.
func (r BatchRule) Raises(units int) bool { return units >= r.norm().Threshold }

// Applies reports whether s counts towards a batch incident at all.
func (r BatchRule) Applies(s *Subject) bool {
	return s.Quality && s.BatchNo != "" && s.MergedInto == nil
}

// Incident states.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// NotifyDepartments are the departments whose managers hear of a batch
// incident: QA, R&D, production and the GM office.
var NotifyDepartments = []string{"qa", "rd", "production", "gm"}

// Incident is a batch incident.
type Incident struct {
	ID                 int64      `json:"id"`
	BatchNo            string     `json:"batch_no"`
	BatchID            *int64     `json:"batch_id,omitempty"`
	ProductID          *int64     `json:"product_id,omitempty"`
	ProductName        string     `json:"product_name,omitempty"`
	OpenedAt           time.Time  `json:"opened_at"`
	TriggerComplaintID int64      `json:"trigger_complaint_id"`
	ComplaintCount     int        `json:"complaint_count"`
	UnitCount          int        `json:"unit_count"` // defective units that raised it
	Status             string     `json:"status"`
	Quarantined        bool       `json:"quarantined"`
	QuarantinedBy      *int64     `json:"quarantined_by,omitempty"`
	QuarantinedAt      *time.Time `json:"quarantined_at,omitempty"`
	Recipients         []int64    `json:"recipients"` // department managers told of it
	ClosedAt           *time.Time `json:"closed_at,omitempty"`
	Version            int        `json:"version"`
}

// Store persists batch incidents.
type Store interface {
	// Subject loads what the rules need of a complaint.
	Subject(ctx context.Context, complaintID int64) (*Subject, error)
	// Subjects loads them for several complaints at once, in id order.
	Subjects(ctx context.Context, complaintIDs []int64) ([]Subject, error)
	// CountBatchQuality counts the unmerged quality complaints about lot
	// batchNo received in [from, to] and adds up their defective units.
	CountBatchQuality(ctx context.Context, batchNo string, from, to time.Time) (BatchCount, error)
	// Managers returns the managers of the departments with codes, once
	// each, skipping departments without one.
	Managers(ctx context.Context, codes []string) ([]int64, error)
	// RaiseIncident stores inc unless its lot already has an open incident,
	// with a timeline entry on the triggering complaint and an audit entry.
	// When one is open it only updates its count, and inc is set to it and
	// raised is false.
	RaiseIncident(ctx context.Context, inc *Incident, actor audit.Actor) (raised bool, err error)
	Incident(ctx context.Context, id int64) (*Incident, error)
	// OpenIncident returns the open incident of lot batchNo.
	OpenIncident(ctx context.Context, batchNo string) (*Incident, error)
	// MarkQuarantined records on the incident that its batch is quarantined.
	MarkQuarantined(ctx context.Context, inc *Incident, byUserID int64, actor audit.Actor) error
	// Incidents lists the open incidents and those opened since since,
	// newest first, at most limit.
	Incidents(ctx context.Context, since time.Time, limit int) ([]Incident, error)
}

// Batches is the part of the register store quarantine needs.
type Batches interface {
	GetBatch(ctx context.Context, id int64) (*product.Batch, error)
	UpdateBatch(ctx context.Context, b *product.Batch, actor audit.Actor) error
}

// Service raises batch incidents and quarantines their batches.
type Service struct {
	Store   Store
	Batches Batches
	Rule    BatchRule
	Now     func() time.Time
	// Notify is called after an incident is raised, with the managers to
	// tell; nil until a notification channel is wired.
	Notify func(ctx context.Context, inc *Incident, recipients []int64)
}

// Check applies the batch rule after complaintID is registered or
// reclassified: it returns the batch's open incident, raising it when this
// complaint brings the lot's defective units to the threshold, or nil when
// the batch has none. An incident keeps the counts that raised it; later complaints join it without
// being counted again, so a batch under incident costs one look-up.
func (s *Service) Check(ctx context.Context, complaintID int64, actor audit.Actor) (*Incident, bool, error) {
	sub, err := s.Store.Subject(ctx, complaintID)
	if err != nil {
		return nil, false, err
	}
	return s.check(ctx, sub, actor)
}

// CheckAll applies the batch rule to newly registered complaints, reading
// them in one query and each lot's open incident once.
func (s *Service) CheckAll(ctx context.Context, complaintIDs []int64, actor audit.Actor) error {
	subs, err := s.Store.Subjects(ctx, complaintIDs)
	if err != nil {
		return err
	}
	open := map[string]bool{}
	for i := range subs {
		sub := &subs[i]
		if !s.Rule.Applies(sub) || open[sub.BatchNo] {
			continue
		}
		inc, _, err := s.check(ctx, sub, actor)
		if err != nil {
			return fmt.Errorf("batch incident check of complaint %d: %w", sub.ID, err)
		}
		open[sub.BatchNo] = inc != nil
	}
	return nil
}

func (s *Service) check(ctx context.Context, sub *Subject, actor audit.Actor) (*Incident, bool, error) {
	if !s.Rule.Applies(sub) {
		return nil, false, nil
	}
	// A batch with an open incident needs no counting: later complaints
	// belong to the same incident.
	if open, err := s.Store.OpenIncident(ctx, sub.BatchNo); err == nil {
		return open, false, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, false, err
	}
	n, err := s.Store.CountBatchQuality(ctx, sub.BatchNo, s.Rule.Since(sub.ReceivedAt), sub.ReceivedAt)
	if err != nil {
		return nil, false, err
	}
	if !s.Rule.Raises(n.Units) {
		return nil, false, nil
	}
	recipients, err := s.Store.Managers(ctx, NotifyDepartments)
	if err != nil {
		return nil, false, err
	}
	inc := &Incident{BatchNo: sub.BatchNo, BatchID: sub.BatchID, ProductID: sub.ProductID, ProductName: sub.ProductName,
		OpenedAt: s.Now(), TriggerComplaintID: sub.ID, ComplaintCount: n.Complaints, UnitCount: n.Units, Status: StatusOpen, Recipients: recipients}
	raised, err := s.Store.RaiseIncident(ctx, inc, actor)
	if err != nil {
		return nil, false, err
	}
	if raised && s.Notify != nil {
		s.Notify(ctx, inc, inc.Recipients)
	}
	return inc, raised, nil
}

// RecentWindow is how far back closed incidents are still listed.
const RecentWindow = 90 * 24 * time.Hour

// Recent lists the open batch incidents and those opened within
// RecentWindow, newest first.
func (s *Service) Recent(ctx context.Context, limit int) ([]Incident, error) {
	return s.Store.Incidents(ctx, s.Now().Add(-RecentWindow), limit)
}

// Quarantine puts the incident's batch in quarantine through the register
// and records it on the incident. Quarantining twice is not an error.
func (s *Service) Quarantine(ctx context.Context, incidentID int64, actor casework.Actor) (*Incident, error) {
	if !canQuarantine(actor.User.Role) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "only QA, managers and the GM may quarantine a batch",
			Fields: []apperr.FieldError{{Field: "actor", Rule: "role"}}}
	}
	inc, err := s.Store.Incident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	if inc.BatchID == nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "lot " + inc.BatchNo + " is not in the batch register",
			Fields: []apperr.FieldError{{Field: "batch_id", Rule: "not_found"}}}
	}
	b, err := s.Batches.GetBatch(ctx, *inc.BatchID)
	if err != nil {
		return nil, err
	}
	if b.Status != product.BatchQuarantined && b.Status != product.BatchRecalled {
		b.Status = product.BatchQuarantined
		if err := s.Batches.UpdateBatch(ctx, b, actor.Audit); err != nil {
			return nil, err
		}
	}
	if inc.Quarantined {
		return inc, nil
	}
	if err := s.Store.MarkQuarantined(ctx, inc, actor.User.ID, actor.Audit); err != nil {
		return nil, err
	}
	return inc, nil
}

func canQuarantine(role string) bool {
	switch role {
	case org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM, org.RoleAdmin:
		return true
	}
	return false
}
