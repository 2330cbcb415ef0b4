package desk

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/jobs"
)

// Handover is an entry of the handover log 交接班日志 (003 三、交接班制度):
// the outgoing shift writes the state of the equipment, the difficult open
// issues (with the complaints they concern) and staffing changes; the
// incoming shift acknowledges it.
type Handover struct {
	ID           int64      `json:"id"`
	DepartmentID int64      `json:"department_id"`
	FromUserID   int64      `json:"from_user_id"`
	FromName     string     `json:"from_name,omitempty"`
	Equipment    string     `json:"equipment"`
	Issues       string     `json:"issues"`
	Staffing     string     `json:"staffing"`
	ComplaintIDs []int64    `json:"complaint_ids"`
	CreatedAt    time.Time  `json:"created_at"`
	AckBy        *int64     `json:"ack_by,omitempty"`
	AckName      string     `json:"ack_name,omitempty"`
	AckAt        *time.Time `json:"ack_at,omitempty"`
}

// JobHandoverReminder is the job that reminds the duty manager of a
// handover still unacknowledged after the grace period.
const JobHandoverReminder = "desk.handover_reminder"

// HandoverStore persists the handover log.
type HandoverStore interface {
	// CreateHandover stores h, its complaint links and the reminder job
	// in one transaction.
	CreateHandover(ctx context.Context, h *Handover, reminder *jobs.Job, actor audit.Actor) error
	Handover(ctx context.Context, id int64) (*Handover, error)
	// Handovers lists a team's (or every team's, 0) newest first.
	Handovers(ctx context.Context, departmentID int64, limit int) ([]Handover, error)
	// AckHandover records the acknowledgement once; a second is a
	// conflict.
	AckHandover(ctx context.Context, id, userID int64, at time.Time, actor audit.Actor) error
}

// HandoverReminder is the payload of the reminder job.
type HandoverReminder struct {
	HandoverID int64 `json:"handover_id"`
}

// WriteHandover records the outgoing shift's handover.
func (s *Service) WriteHandover(ctx context.Context, h *Handover, actor Actor) error {
	h.Equipment, h.Issues, h.Staffing = strings.TrimSpace(h.Equipment), strings.TrimSpace(h.Issues), strings.TrimSpace(h.Staffing)
	var v apperr.Validation
	if h.DepartmentID <= 0 {
		v.Add("department_id", "required", "")
	}
	v.MaxLen("equipment", h.Equipment, 4000)
	v.MaxLen("issues", h.Issues, 4000)
	v.MaxLen("staffing", h.Staffing, 4000)
	if h.Equipment == "" && h.Issues == "" && h.Staffing == "" {
		v.Add("equipment", "required", "")
	}
	if len(h.ComplaintIDs) > 50 {
		v.Add("complaint_ids", "too_many", "50")
	}
	if err := v.Err(); err != nil {
		return err
	}
	h.FromUserID, h.CreatedAt = userID(actor), s.now()
	grace := s.HandoverGrace
	if grace <= 0 {
		grace = 30 * time.Minute
	}
	j := &jobs.Job{Kind: JobHandoverReminder, RunAt: h.CreatedAt.Add(grace)}
	return s.Store.CreateHandover(ctx, h, j, actor.Audit)
}

// AckHandover is the incoming shift's acknowledgement; the writer does not
// acknowledge their own handover.
func (s *Service) AckHandover(ctx context.Context, id int64, actor Actor) (*Handover, error) {
	h, err := s.Store.Handover(ctx, id)
	if err != nil {
		return nil, err
	}
	me := userID(actor)
	if me == h.FromUserID {
		return nil, refuse("user", "handover_own", "", "the next shift acknowledges a handover, not its writer")
	}
	if h.AckAt != nil {
		return nil, refuse("status", "handover_acknowledged", "", "the handover is already acknowledged")
	}
	if err := s.Store.AckHandover(ctx, id, me, s.now(), actor.Audit); err != nil {
		return nil, err
	}
	return s.Store.Handover(ctx, id)
}

// Handover returns a handover.
func (s *Service) Handover(ctx context.Context, id int64) (*Handover, error) {
	return s.Store.Handover(ctx, id)
}

// Handovers lists the newest handovers.
func (s *Service) Handovers(ctx context.Context, departmentID int64, limit int) ([]Handover, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.Store.Handovers(ctx, departmentID, limit)
}
