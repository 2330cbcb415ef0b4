package mailin

import (
	"context"
	"time"
)

// Statuses of a received mail.
const (
	StatusReceived  = "received"  // claimed, being taken in (or interrupted: taken again after the claim expires)
	StatusComplaint = "complaint" // registered a new complaint
	StatusThreaded  = "threaded"  // added to the case it answers
	StatusIgnored   = "ignored"   // an auto-reply, a bounce, kesu's own mail
	StatusUnparsed  = "unparsed"  // not readable as MIME: kept for an administrator
	StatusFailed    = "failed"    // readable, but refused by the intake (e.g. no usable sender)
)

// Attention are the statuses an administrator looks at.
var Attention = []string{StatusUnparsed, StatusFailed}

// Statuses lists every status, for filters.
var Statuses = []string{StatusReceived, StatusComplaint, StatusThreaded, StatusIgnored, StatusUnparsed, StatusFailed}

// Record is one received mail as stored.
type Record struct {
	ID          int64     `json:"id"`
	Key         string    `json:"message_id"` // Message-ID, or sha256:… for a mail without one
	Source      string    `json:"source"`     // smtp or imap:<mailbox>
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Sender      string    `json:"sender,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	ComplaintID *int64    `json:"complaint_id,omitempty"`
	Number      string    `json:"number,omitempty"`
	Size        int64     `json:"size"`
	ReceivedAt  time.Time `json:"received_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Raw         []byte    `json:"-"`
}

// Mailbox is where the IMAP poller of one mailbox stands.
type Mailbox struct {
	Name        string    `json:"name"` // user@host:port/mailbox
	UIDValidity uint32    `json:"uid_validity"`
	LastUID     uint32    `json:"last_uid"`
	PolledAt    time.Time `json:"polled_at"`
	LastError   string    `json:"last_error,omitempty"`
}

// Filter selects received mail for a list, newest first.
type Filter struct {
	Status []string
	Before int64 // id; 0 for the newest
	Limit  int
}

// Store keeps received mail and the pollers' positions.
type Store interface {
	// Claim stores rec (Key, Source, Sender, Subject, Raw) as received
	// unless its key is known, and returns the stored row. claimed is true
	// when the caller takes the mail in now: it is new, or an earlier
	// taking-in was interrupted and its claim expired (claims last lease).
	Claim(ctx context.Context, rec *Record, lease time.Duration) (stored *Record, claimed bool, err error)
	// Finish records the outcome of a claimed mail.
	Finish(ctx context.Context, id int64, status, reason string, complaintID *int64) error
	// Reopen puts an unparsed or failed mail back to be taken in again, and
	// claims it for the caller.
	Reopen(ctx context.Context, id int64, lease time.Duration) (*Record, error)
	// Get returns one mail with its raw bytes.
	Get(ctx context.Context, id int64) (*Record, error)
	List(ctx context.Context, f Filter) ([]Record, error)
	// Counts returns the number of mails per status.
	Counts(ctx context.Context) (map[string]int, error)
	// Thread returns the Message-IDs of the mails taken into a case,
	// oldest first.
	Thread(ctx context.Context, complaintID int64) ([]string, error)
	// ComplaintOf returns the case a mail with one of keys was taken
	// into (0 for none).
	ComplaintOf(ctx context.Context, keys []string) (int64, error)
	// Mailbox returns a poller's position (zero for a new mailbox).
	Mailbox(ctx context.Context, name string) (*Mailbox, error)
	// SaveMailbox stores a poller's position; last_uid never moves back
	// for the same UIDVALIDITY.
	SaveMailbox(ctx context.Context, m *Mailbox) error
	Mailboxes(ctx context.Context) ([]Mailbox, error)
}

// Status is the administrator's view of the mail intake: the SMTP
// receiver and IMAP pollers of this server, every mailbox's place, and
// how many mails ended in each status.
type Status struct {
	Receiver  *ReceiverStatus `json:"receiver,omitempty"` // nil when mail-listen is off
	Pollers   []PollerStatus  `json:"pollers"`
	Mailboxes []Mailbox       `json:"mailboxes"`
	Counts    map[string]int  `json:"counts"`
}
