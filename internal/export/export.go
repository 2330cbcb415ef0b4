package export

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"time"

	"kesu/internal/audit"
)

// Status of an export.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Formats and kinds an export may have.
var (
	Formats = []string{"xlsx", "csv"}
	Kinds   = []string{KindComplaints}
)

// KindComplaints is the complaint register under a list filter.
const KindComplaints = "complaints"

// JobKind is the durable job that makes an export's file.
const JobKind = "export.run"

// Export is one requested export file, made in the background.
type Export struct {
	ID     int64           `json:"id"`
	Kind   string          `json:"kind"`
	Format string          `json:"format"`
	Filter json.RawMessage `json:"-"` // a complaint.Filter as JSON
	// Personal is whether personal columns are exported unmasked: the
	// requester held ExportPersonal when asking.
	Personal      bool       `json:"personal"`
	Lang          string     `json:"lang"`
	Status        string     `json:"status"`
	Rows          int64      `json:"rows"`  // written so far
	Total         int64      `json:"total"` // to write, known once running
	File          string     `json:"-"`     // SHA-256 of the stored file
	Size          int64      `json:"size"`
	Error         string     `json:"error,omitempty"`
	RequestedBy   int64      `json:"requested_by"`
	RequestedName string     `json:"requested_by_name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
}

// FileName is the name the download is offered under.
func (e *Export) FileName() string {
	return e.Kind + "-" + e.CreatedAt.Format("20060102-150405") + "." + e.Format
}

// ContentType is the download's media type.
func (e *Export) ContentType() string {
	if e.Format == "csv" {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// Store persists exports. Create, Finish and Fail write the audit log in
// the same transaction.
type Store interface {
	// Create inserts e and enqueues the job that makes its file (retried
	// only when a server stops mid-export: failures are recorded on e).
	Create(ctx context.Context, e *Export, actor audit.Actor) error
	Get(ctx context.Context, id int64) (*Export, error)
	// List returns a user's exports, newest first.
	List(ctx context.Context, userID int64, limit int) ([]Export, error)
	// Start marks an export running with the number of rows to write.
	Start(ctx context.Context, id, total int64) error
	Progress(ctx context.Context, id, rows int64) error
	Finish(ctx context.Context, id int64, file string, size, rows int64) error
	Fail(ctx context.Context, id int64, msg string) error
	// Expired returns exports whose files expired before now and are
	// still kept. Forget clears an export's file reference and tells
	// whether another kept export still has the same file.
	Expired(ctx context.Context, now time.Time) ([]Export, error)
	Forget(ctx context.Context, id int64) (shared bool, err error)
}

// Files keeps export files by their SHA-256.
type Files interface {
	// Put stores r and returns its checksum and size.
	Put(r io.Reader) (sum string, size int64, err error)
	Open(sum string) (*os.File, error)
	Remove(sum string) error
}
