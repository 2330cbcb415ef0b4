// Package recall runs product recalls (SPEC REC-1; 000 §4.3, §3.2–3.3):
// started from a batch incident or a confirmed complaint, a recall names
// the product, the lots and the production dates in scope. Goods still
// under the company's control are quarantined in one step; for goods
// already sold, every distributor that received a lot gets a task by
// e-mail, with reminders until it answers how much it shipped on, took
// back, holds in stock, isolated and destroyed. The producing site's test
// report closes the recall, which is frozen from then on.
package recall

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/jobs"
)

// Recall states.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// What a recall is started from.
const (
	FromIncident  = "incident"
	FromComplaint = "complaint"
)

// Recall is one product recall.
type Recall struct {
	ID           int64      `json:"id"`
	Title        string     `json:"title"`
	SourceKind   string     `json:"source_kind"` // incident or complaint
	SourceID     int64      `json:"source_id"`
	ProductID    int64      `json:"product_id"`
	ProductCode  string     `json:"product_code,omitempty"` // filled on read
	ProductName  string     `json:"product_name,omitempty"` // filled on read
	Spec         string     `json:"spec,omitempty"`         // the product's model / specification, filled on read
	Lots         []string   `json:"lots"`
	ProducedFrom *time.Time `json:"produced_from,omitempty"`
	ProducedTo   *time.Time `json:"produced_to,omitempty"`
	Reason       string     `json:"reason"`
	Packaging    string     `json:"packaging,omitempty"`
	HowToReturn  string     `json:"how_to_return"`
	Status       string     `json:"status"`
	OpenedAt     time.Time  `json:"opened_at"`
	OpenedBy     int64      `json:"opened_by"`
	Quarantined  bool       `json:"quarantined"`
	TestReport   *File      `json:"test_report,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Shipped      int64      `json:"shipped"`   // units shipped to distributors, all tasks
	Accounted    int64      `json:"accounted"` // of them, recalled or still in the distributors' stock
	Version      int        `json:"version"`
}

// Progress is the share of the shipped quantity accounted for, in whole
// per cent (0 when nothing was shipped).
func (r Recall) Progress() int {
	if r.Shipped <= 0 {
		return 0
	}
	return int(r.Accounted * 100 / r.Shipped)
}

// Number is how people name the recall.
func (r Recall) Number() string { return "RC-" + padID(r.ID) }

func padID(id int64) string {
	s := strings.Repeat("0", 5) + itoa(id)
	return s[len(s)-5:]
}

// File is an uploaded file of a recall: a photo for the notice or the test
// report.
type File struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"` // photo or test_report
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	At          time.Time `json:"uploaded_at"`
	Data        []byte    `json:"-"`
}

// File kinds.
const (
	FilePhoto      = "photo"
	FileTestReport = "test_report"
)

// Task is what one distributor reports about one lot it received.
type Task struct {
	ID         int64      `json:"id"`
	RecallID   int64      `json:"recall_id"`
	CustomerID int64      `json:"customer_id"`
	Customer   string     `json:"customer,omitempty"` // filled on read
	Email      string     `json:"email,omitempty"`    // filled on read
	Lot        string     `json:"lot"`
	ShippedOn  *time.Time `json:"shipped_on,omitempty"`
	Quantities
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	AnsweredBy string     `json:"answered_by,omitempty"` // distributor, or the staff member's name
	Reminders  int        `json:"reminders"`
	Token      string     `json:"token,omitempty"`
	Version    int        `json:"version"`
}

// Quantities are a task's figures in units.
type Quantities struct {
	Shipped   int64 `json:"shipped"`
	Recalled  int64 `json:"recalled"`  // taken back from the market
	InStock   int64 `json:"in_stock"`  // never sold on, still with the distributor
	Isolated  int64 `json:"isolated"`  // of recalled and in stock, kept apart
	Destroyed int64 `json:"destroyed"` // of recalled and in stock, destroyed
}

// Accounted is the part of the shipped quantity the distributor has
// accounted for.
func (q Quantities) Accounted() int64 { return q.Recalled + q.InStock }

// Answer is a distributor's report on a task.
type Answer struct {
	Recalled  int64 `json:"recalled"`
	InStock   int64 `json:"in_stock"`
	Isolated  int64 `json:"isolated"`
	Destroyed int64 `json:"destroyed"`
}

// Validate checks an answer against the shipped quantity: no figure may
// exceed what was shipped, recalled and in stock together neither, and
// what is isolated or destroyed must have come back.
func (a Answer) Validate(shipped int64) error {
	var v apperr.Validation
	for _, f := range []struct {
		name string
		n    int64
	}{{"recalled", a.Recalled}, {"in_stock", a.InStock}, {"isolated", a.Isolated}, {"destroyed", a.Destroyed}} {
		if v.NonNegative(f.name, f.n) && f.n > shipped {
			v.Add(f.name, "more_than_shipped", itoa(shipped))
		}
	}
	if v.Err() != nil {
		return v.Err()
	}
	if a.Recalled+a.InStock > shipped {
		v.Add("in_stock", "more_than_shipped", itoa(shipped-a.Recalled))
	}
	if !v.Has("in_stock") && a.Isolated+a.Destroyed > a.Recalled+a.InStock {
		v.Add("destroyed", "rec_more_than_back", itoa(max(a.Recalled+a.InStock-a.Isolated, 0)))
	}
	return v.Err()
}

// Shipment is one line of a shipment record: a lot shipped to a
// distributor (by customer code).
type Shipment struct {
	Customer  string     `json:"customer"` // customer code
	Lot       string     `json:"lot"`
	Quantity  int64      `json:"quantity"`
	ShippedOn *time.Time `json:"shipped_on,omitempty"`
}

// Disposal records how recalled goods were dealt with (000 §3.3).
type Disposal struct {
	ID       int64     `json:"id"`
	RecallID int64     `json:"recall_id"`
	At       time.Time `json:"at"`
	Method   string    `json:"method"` // destroyed, reworked, returned to supplier…
	Quantity int64     `json:"quantity"`
	Note     string    `json:"note,omitempty"`
	By       int64     `json:"by"`
}

// Detail is a recall with its tasks, disposals and photos.
type Detail struct {
	Recall
	Progress  int        `json:"progress"`
	Tasks     []Task     `json:"tasks"`
	Disposals []Disposal `json:"disposals"`
	Photos    []File     `json:"photos"`
}

// Validate checks a new recall.
func (r *Recall) Validate() error {
	r.Title, r.Reason, r.HowToReturn = strings.TrimSpace(r.Title), strings.TrimSpace(r.Reason), strings.TrimSpace(r.HowToReturn)
	var v apperr.Validation
	v.OneOf("source_kind", r.SourceKind, []string{FromIncident, FromComplaint})
	if r.SourceID <= 0 {
		v.Add("source_id", "required", "")
	}
	if r.ProductID <= 0 {
		v.Add("product_id", "required", "")
	}
	if v.Required("title", r.Title) {
		v.Text("title", r.Title, 200)
	}
	if v.Required("reason", r.Reason) {
		v.Text("reason", r.Reason, 2000)
	}
	if v.Required("how_to_return", r.HowToReturn) {
		v.Text("how_to_return", r.HowToReturn, 2000)
	}
	v.Text("packaging", r.Packaging, 500)
	lots := r.Lots[:0]
	for _, l := range r.Lots {
		if l = strings.TrimSpace(l); l != "" && !contains(lots, l) {
			lots = append(lots, l)
		}
	}
	r.Lots = lots
	if len(lots) == 0 {
		v.Add("lots", "required", "")
	}
	for _, l := range lots {
		if !v.Code("lots", l, 64) {
			break
		}
	}
	if r.ProducedFrom != nil && r.ProducedTo != nil && r.ProducedTo.Before(*r.ProducedFrom) {
		v.Add("produced_to", "after", "produced_from")
	}
	return v.Err()
}

// Validate checks a disposal.
func (d *Disposal) Validate() error {
	d.Method, d.Note = strings.TrimSpace(d.Method), strings.TrimSpace(d.Note)
	var v apperr.Validation
	if v.Required("method", d.Method) {
		v.Text("method", d.Method, 200)
	}
	if v.NonNegative("quantity", d.Quantity) && d.Quantity == 0 {
		v.Add("quantity", "positive", "")
	}
	v.Text("note", d.Note, 2000)
	return v.Err()
}

// Store persists recalls. Every write is audited and refused with
// Conflict (field status, rule rec_closed) once the recall is closed.
type Store interface {
	CreateRecall(ctx context.Context, r *Recall, actor audit.Actor) error
	Recall(ctx context.Context, id int64) (*Recall, error)
	Recalls(ctx context.Context, status string, limit int) ([]Recall, error)
	Tasks(ctx context.Context, recallID int64) ([]Task, error)
	Task(ctx context.Context, id int64) (*Task, error)
	TaskByToken(ctx context.Context, token string) (*Task, error)
	// ImportShipments adds the shipments to the recall's tasks (one per
	// distributor and lot, quantities added up) and, for each new task,
	// queues its notice e-mail and its reminders. Unknown customers or
	// lots outside the recall are field errors (rows[i].customer,
	// rows[i].lot) and nothing is written.
	ImportShipments(ctx context.Context, recallID int64, rows []Shipment, jobsOf func(*Recall, *Task) []*jobs.Job, actor audit.Actor) ([]Task, error)
	// Answer records a task's figures; by is who answered.
	Answer(ctx context.Context, taskID int64, a Answer, by string, actor audit.Actor) (*Task, error)
	// MarkQuarantined sets the recall's lots in the register to quarantined.
	MarkQuarantined(ctx context.Context, recallID int64, actor audit.Actor) (*Recall, error)
	AddFile(ctx context.Context, recallID int64, f *File, actor audit.Actor) error
	File(ctx context.Context, id int64) (*File, error)
	Files(ctx context.Context, recallID int64) ([]File, error)
	AddDisposal(ctx context.Context, d *Disposal, actor audit.Actor) error
	Disposals(ctx context.Context, recallID int64) ([]Disposal, error)
	// Close closes the recall; it needs the test report.
	Close(ctx context.Context, recallID int64, actor audit.Actor) (*Recall, error)
	// Remind records reminder n of a task and queues its e-mail, once,
	// while the task is unanswered and the recall open; it reports
	// whether it did.
	Remind(ctx context.Context, taskID int64, n int, mail func(*Recall, *Task) *jobs.Job) (bool, error)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
