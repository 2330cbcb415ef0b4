// Package complaint holds the complaint record, its validation and numbering
// rules, and the Store contract the storage adapters implement.
package complaint

import (
	"context"
	"time"

	"kesu/internal/audit"
)

// Complaint is one registered customer complaint (SPEC INT-2).
type Complaint struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	TrackingCode string `json:"-"` // shown to the complainant once, on the receipt and the letter
	Status       string `json:"status"`
	Version      int    `json:"version"`
	// Profile is the lifecycle definition the case runs under, chosen at
	// registration (the configured default or a routing rule's) and kept
	// for its life.
	Profile string `json:"profile"`
	// ProfileVersion is the version of Profile the case runs (0: the
	// definition shipped with kesu), set with it and kept as long.
	ProfileVersion int `json:"profile_version"`

	Channel     string    `json:"channel"`
	ReceivedAt  time.Time `json:"received_at"`
	Subject     string    `json:"subject"`
	Description string    `json:"description"`
	Category    string    `json:"category,omitempty"`
	Severity    string    `json:"severity"`
	Safety      bool      `json:"safety"`
	Requests    []string  `json:"requests"`

	Complainant Complainant `json:"complainant"`
	CustomerID  *int64      `json:"customer_id,omitempty"`
	// CustomerName and CustomerClass are read-only copies of the linked
	// customer, filled on read.
	CustomerName  string `json:"customer_name,omitempty"`
	CustomerClass string `json:"customer_class,omitempty"`
	Region        string `json:"region"`

	ProductID    *int64     `json:"product_id,omitempty"`
	ProductName  string     `json:"product_name,omitempty"`
	Model        string     `json:"model,omitempty"`
	BatchNo      string     `json:"batch_no,omitempty"`
	BatchID      *int64     `json:"batch_id,omitempty"`
	OrderNo      string     `json:"order_no,omitempty"`
	PartNo       string     `json:"part_no,omitempty"`
	QtyShipped   *int64     `json:"qty_shipped,omitempty"`
	QtyDefective *int64     `json:"qty_defective,omitempty"`
	ShipDate     *time.Time `json:"ship_date,omitempty"`
	ShipAddress  string     `json:"ship_address,omitempty"`
	UsageTime    string     `json:"usage_time,omitempty"`
	FoundPlace   string     `json:"found_place,omitempty"`
	FoundAt      *time.Time `json:"found_at,omitempty"`

	DepartmentID    *int64 `json:"department_id,omitempty"`
	HolderID        *int64 `json:"holder_id,omitempty"` // who handles the case now
	BackupID        *int64 `json:"backup_id,omitempty"` // who stands in for the holder
	FirstReceiverID *int64 `json:"first_receiver_id,omitempty"`
	FirstReceiver   string `json:"first_receiver,omitempty"`

	AttachmentCount int       `json:"attachment_count"`
	ExpectedBy      time.Time `json:"expected_by"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Complainant is the person who complained, as they gave their details.
type Complainant struct {
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address,omitempty"`
	Company string `json:"company,omitempty"`
}

// Attachment is a file stored with a complaint.
type Attachment struct {
	ID          int64     `json:"id"`
	ComplaintID int64     `json:"complaint_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Kind        string    `json:"kind"`   // photo or file
	Public      bool      `json:"public"` // uploaded by or shown to the complainant
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Event is one entry of a complaint's timeline (SPEC WF-10). Events are
// never edited after they are written.
type Event struct {
	ID          int64          `json:"id"`
	ComplaintID int64          `json:"complaint_id"`
	At          time.Time      `json:"at"`
	ActorID     *int64         `json:"actor_id,omitempty"`
	ActorName   string         `json:"actor"`
	Kind        string         `json:"kind"`
	Public      bool           `json:"public"`
	Body        string         `json:"body,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
}

// DefaultProfile is the lifecycle of a complaint registered without one
// (workflow.DefaultProfile).
const DefaultProfile = "manufacturer"

// Timeline event kinds.
const (
	EventCreated    = "created"
	EventChanged    = "changed"
	EventAttachment = "attachment"
	EventNote       = "note"
	EventReply      = "reply"
	EventAckSent    = "ack_sent"
)

// Change is one field changed by an update, for the timeline.
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Filter selects complaints for a list. Zero fields do not filter.
type Filter struct {
	Status     []string
	Channel    []string
	Category   string // a level-1 code matches its children too
	Severity   []string
	Safety     *bool
	CustomerID *int64
	// DealerID selects the complaints of the customers an A-class dealer
	// serves (谁销售谁服务, CUS-2): its sub-distributors and end users.
	DealerID      *int64
	CustomerClass string
	Region        string
	ProductID     *int64
	BatchNo       string
	DepartmentID  *int64
	HolderID      *int64
	// Decisions recorded on the case (TRI-4), for drilling down from
	// statistics.
	Responsibility string
	Validity       string
	Established    *bool
	// State is "open" (work remains) or "closed" (the case reached a final
	// state).
	State    string
	From, To *time.Time // received_at in [From, To)
	Query    string     // substring search over number, subject, description, complainant and customer
	// Due keeps complaints by their counting time-limit clocks: "overdue"
	// (one is past its due time) or "due_soon" (none is yet, and the
	// earliest falls due within DueSoon).
	Due string

	// Scope keeps the complaints the reader may see; nil keeps all.
	Scope *Scope

	Sort  string // "received_desc" (default), "received_asc", "number_desc", "number_asc"
	Limit int    // default 20, at most MaxLimit (the API allows 200)
	After string // opaque cursor from Page.Next
}

// Scope restricts a list to what one user may read (SPEC SEC-1): the
// complaints they hold, back up, first received or own a CAPA action of,
// and those owned by DepartmentIDs or with a CAPA action owned by one of
// them. A zero UserID and no departments keep nothing.
type Scope struct {
	UserID        int64
	DepartmentIDs []int64
}

// Sort orders accepted by Filter.Sort.
var Sorts = []string{"received_desc", "received_asc", "number_desc", "number_asc", "due_asc"}

// MaxLimit is the largest page a store returns: exports read the register
// in pages this size; the API and pages ask for at most 200.
const MaxLimit = 2000

// States are the values accepted by Filter.State.
var States = []string{"open", "closed"}

// DueFilters are the values accepted by Filter.Due.
var DueFilters = []string{"overdue", "due_soon"}

// DueSoon is how close a running clock's due time must be for "due_soon".
const DueSoon = 24 * time.Hour

// Page is one page of a list.
type Page struct {
	Items []Complaint `json:"items"`
	Next  string      `json:"next,omitempty"`
}

// CreateOptions carries what a creation needs beyond the record.
type CreateOptions struct {
	Actor          audit.Actor
	IdempotencyKey string // scoped to the actor; empty for none
	RequestHash    string // fingerprint of the request, to refuse a key reused for other content
	Number         NumberSpec
	// Profile, when set, is the lifecycle the complaint runs instead of
	// the configured default (a complaint filed from a bank-branch queue
	// ticket runs "bank"); routing then follows that profile's rules.
	Profile string
}

// NumberSpec tells the store how to number a new complaint: the sequence
// scope and period, and the text around the sequence.
type NumberSpec struct {
	Period string // e.g. "20261123" for a daily sequence
	Prefix string
	Suffix string
	Width  int
}

// Store persists complaints. Implementations write each call atomically:
// record, number, timeline, audit entry, search index and idempotency key
// commit together or not at all.
type Store interface {
	// Create inserts c, filling ID, Number and timestamps. With an
	// idempotency key seen before for the same actor it returns the first
	// complaint and created=false.
	Create(ctx context.Context, c *Complaint, opts CreateOptions) (created bool, err error)
	Get(ctx context.Context, id int64) (*Complaint, error)
	GetByNumber(ctx context.Context, number string) (*Complaint, error)
	List(ctx context.Context, f Filter) (*Page, error)
	// Changes to a registered complaint — its fields, timeline entries,
	// attachments — are case writes: they go through casework.Service.
	Timeline(ctx context.Context, complaintID int64, publicOnly bool) ([]Event, error)
	Attachments(ctx context.Context, complaintID int64) ([]Attachment, error)
	Attachment(ctx context.Context, id int64) (*Attachment, error)
	Categories(ctx context.Context) ([]Category, error)
}
