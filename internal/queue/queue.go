// Package queue is the bank-branch queue 叫号 (SPEC §10, QUE-1…QUE-6):
// branches, their service types and counters, tickets numbered per branch,
// type prefix and day, the call-next policies (dedicated lines, one pooled
// line, pooled in a priority order), the N-ahead reminder, the live
// waiting figures, the Erlang C counter planner and a day simulator that
// compares counter splits and policies. It is pure logic: the Store
// contract is implemented in internal/storage.
package queue

import (
	"context"
	"regexp"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// Branch is a bank branch (网点) with its own counters and ticket numbers.
type Branch struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	NameEN  string `json:"name_en"`
	Address string `json:"address"`
	Policy  Policy `json:"policy"`
	// Opens and Closes are the opening hours ("08:30", "17:00"); tickets
	// are issued only between them, and only on working days of the
	// business calendar unless EveryDay is set.
	Opens    string `json:"opens"`
	Closes   string `json:"closes"`
	EveryDay bool   `json:"every_day"`
	// DepartmentID is the department the branch belongs to: queue
	// permissions held at department scope reach it from that department
	// and those above it (access.go). Nil: only company-wide ones do.
	DepartmentID *int64 `json:"department_id"`
}

// ServiceType is a kind of business a ticket is taken for (简单业务,
// 复杂业务 or finer), with the documents and forms the customer needs.
type ServiceType struct {
	ID       int64  `json:"id"`
	BranchID int64  `json:"branch_id"`
	Prefix   string `json:"prefix"` // the letter of its ticket numbers: A, B…
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	// Documents lists what to bring and which forms to fill in, one per
	// line, shown when the ticket is taken.
	Documents   string `json:"documents"`
	DocumentsEN string `json:"documents_en"`
	Priority    int    `json:"priority"` // lower is called first under the priority policy
	// HandleMinutes is the expected handle time, for waiting estimates
	// until history says otherwise.
	HandleMinutes float64 `json:"handle_minutes"`
}

// Counter is a service window and the types it serves (its profile).
type Counter struct {
	ID       int64   `json:"id"`
	BranchID int64   `json:"branch_id"`
	Name     string  `json:"name"`
	Types    []int64 `json:"types"`
	Open     bool    `json:"open"`
}

// Profile returns the counter's types as a set.
func (c Counter) Profile() Profile {
	p := Profile{}
	for _, t := range c.Types {
		p[t] = true
	}
	return p
}

// Ticket statuses.
const (
	StatusWaiting = "waiting"
	StatusCalled  = "called"  // called to a counter, not yet there
	StatusServing = "serving" // at the counter
	StatusDone    = "done"
	StatusNoShow  = "no_show" // called and did not come (abandonment)
)

// Ticket is one customer's place in a branch's line.
type Ticket struct {
	ID       int64  `json:"id"`
	BranchID int64  `json:"branch_id"`
	TypeID   int64  `json:"type_id"`
	Day      string `json:"day"`    // YYYY-MM-DD in the organisation's time zone
	Number   string `json:"number"` // A001
	Seq      int64  `json:"seq"`    // issue order in the branch's day
	Status   string `json:"status"`
	Channel  string `json:"channel"` // kiosk or online
	Lang     string `json:"lang"`
	Phone    string `json:"phone,omitempty"`
	// RemindAhead is N of "remind me when I am N-th in line"; 0 for none.
	RemindAhead int        `json:"remind_ahead"`
	RemindedAt  *time.Time `json:"reminded_at,omitempty"`
	// Token lets the holder open their ticket page without signing in.
	Token      string     `json:"-"`
	IssuedAt   time.Time  `json:"issued_at"`
	CalledAt   *time.Time `json:"called_at,omitempty"`
	ServedAt   *time.Time `json:"served_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	CounterID  *int64     `json:"counter_id,omitempty"`
	Calls      int        `json:"calls"` // 1 + recalls
	// ComplaintID links a complaint filed from the ticket page.
	ComplaintID *int64 `json:"complaint_id,omitempty"`
}

// Counter actions on a called ticket.
const (
	ActRecall   = "recall"
	ActNoShow   = "no_show"
	ActTransfer = "transfer"
	ActServe    = "serve"
	ActFinish   = "finish"
)

// Actions lists the counter actions.
var Actions = []string{ActRecall, ActNoShow, ActTransfer, ActServe, ActFinish}

// Event is one timestamped step of a ticket.
type Event struct {
	TicketID  int64     `json:"ticket_id"`
	At        time.Time `json:"at"`
	Action    string    `json:"action"` // issued, called, recall, no_show, transfer, serve, finish, reminded
	CounterID *int64    `json:"counter_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	By        string    `json:"by,omitempty"`
}

// Guard checks a configuration write against the branch as stored, in
// the write's transaction; nil allows every write (the system's own).
type Guard func(current *Branch) error

// Store persists branches, types, counters and tickets. Call-next and
// every counter action run in one transaction that also marks and queues
// the N-ahead reminders that became due (DueReminders) and the "called"
// text, so two counters never call the same ticket and a reminder goes out
// once, across servers.
//
// The configuration writes take a Guard: called inside the write's
// transaction, under the branch's lock, with the branch as stored (nil for
// a new branch); an error refuses the write. The service's reach check
// runs there, so a branch moved to another department at the same moment
// cannot take a change its new department's staff did not make.
type Store interface {
	SaveBranch(ctx context.Context, b *Branch, actor audit.Actor, guard Guard) error
	Branch(ctx context.Context, id int64) (*Branch, error)
	Branches(ctx context.Context) ([]Branch, error)
	SaveType(ctx context.Context, t *ServiceType, actor audit.Actor, guard Guard) error
	Types(ctx context.Context, branchID int64) ([]ServiceType, error)
	SaveCounter(ctx context.Context, c *Counter, actor audit.Actor, guard Guard) error
	Counters(ctx context.Context, branchID int64) ([]Counter, error)
	// CounterBranch returns the branch of a counter, NotFound without it.
	CounterBranch(ctx context.Context, counterID int64) (int64, error)

	// Issue numbers and stores a new ticket, returning the waiting
	// tickets ahead of it in its line (id, type and issue order).
	Issue(ctx context.Context, t *Ticket) (ahead []Ticket, err error)
	Ticket(ctx context.Context, id int64) (*Ticket, error)
	// CallNext gives the counter the next ticket under its branch's
	// policy, or NotFound when nobody waits for it.
	CallNext(ctx context.Context, counterID int64, day string, at time.Time, by string) (*Ticket, error)
	// Act applies a counter action to a ticket the counter holds; toType
	// is the new type of a transfer.
	Act(ctx context.Context, ticketID, counterID int64, action string, toType int64, at time.Time, by string) (*Ticket, error)
	// Waiting lists the branch's waiting tickets of a day in issue order.
	Waiting(ctx context.Context, branchID int64, day string) ([]Ticket, error)
	// AtCounters lists the branch's called and serving tickets of a day.
	AtCounters(ctx context.Context, branchID int64, day string) ([]Ticket, error)
	// Version is a number that grows whenever the branch's line or
	// configuration changes; Versions gives it for every branch.
	Version(ctx context.Context, branchID int64) (int64, error)
	Versions(ctx context.Context) (map[int64]int64, error)
	// ConfigVersions gives every branch's configuration version, which
	// grows with each change of the branch, its types or its counters.
	ConfigVersions(ctx context.Context) (map[int64]int64, error)
	// Tickets lists the branch's tickets issued on days from..to.
	Tickets(ctx context.Context, branchID int64, from, to string) ([]Ticket, error)
	Events(ctx context.Context, ticketID int64) ([]Event, error)
	// LinkComplaint records the complaint filed from a ticket.
	LinkComplaint(ctx context.Context, ticketID, complaintID int64) error
}

var (
	hhmm     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	prefixRe = regexp.MustCompile(`^[A-Z]$`)
	codeRe   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// Validate checks a branch.
func (b *Branch) Validate() error {
	var v apperr.Validation
	b.Code, b.Name, b.NameEN = strings.TrimSpace(b.Code), strings.TrimSpace(b.Name), strings.TrimSpace(b.NameEN)
	if v.Required("code", b.Code) && !codeRe.MatchString(b.Code) {
		v.Add("code", "invalid_value", "")
	}
	if v.Required("name", b.Name) {
		v.Text("name", b.Name, 100)
	}
	v.Text("name_en", b.NameEN, 100)
	v.Text("address", b.Address, 200)
	if b.Policy == "" {
		b.Policy = Dedicated
	}
	if !b.Policy.Valid() {
		v.Add("policy", "one_of", "dedicated,pooled,priority")
	}
	if b.Opens == "" {
		b.Opens = "09:00"
	}
	if b.Closes == "" {
		b.Closes = "17:00"
	}
	if !hhmm.MatchString(b.Opens) {
		v.Add("opens", "invalid_time", "HH:MM")
	}
	if !hhmm.MatchString(b.Closes) {
		v.Add("closes", "invalid_time", "HH:MM")
	} else if hhmm.MatchString(b.Opens) && b.Closes <= b.Opens {
		v.Add("closes", "after", "opens")
	}
	return v.Err()
}

// Validate checks a service type.
func (t *ServiceType) Validate() error {
	var v apperr.Validation
	t.Prefix, t.Name = strings.ToUpper(strings.TrimSpace(t.Prefix)), strings.TrimSpace(t.Name)
	if t.BranchID <= 0 {
		v.Add("branch_id", "required", "")
	}
	if v.Required("prefix", t.Prefix) && !prefixRe.MatchString(t.Prefix) {
		v.Add("prefix", "invalid_value", "A-Z")
	}
	if v.Required("name", t.Name) {
		v.Text("name", t.Name, 100)
	}
	v.Text("name_en", t.NameEN, 100)
	v.Text("documents", t.Documents, 2000)
	v.Text("documents_en", t.DocumentsEN, 2000)
	if t.Priority < 0 || t.Priority > 99 {
		v.Add("priority", "out_of_range", "0–99")
	}
	if t.HandleMinutes == 0 {
		t.HandleMinutes = 5
	}
	if t.HandleMinutes < 0.1 || t.HandleMinutes > 600 {
		v.Add("handle_minutes", "out_of_range", "0.1–600")
	}
	return v.Err()
}

// Validate checks a counter.
func (c *Counter) Validate() error {
	var v apperr.Validation
	c.Name = strings.TrimSpace(c.Name)
	if c.BranchID <= 0 {
		v.Add("branch_id", "required", "")
	}
	if v.Required("name", c.Name) {
		v.Text("name", c.Name, 50)
	}
	if len(c.Types) == 0 {
		v.Add("types", "required", "")
	}
	return v.Err()
}

// Number renders a ticket number: the type's prefix and a three-digit
// sequence (A001; four digits past 999).
func Number(prefix string, n int64) string {
	s := strings.Repeat("0", 3) + itoa(n)
	if n >= 1000 {
		return prefix + itoa(n)
	}
	return prefix + s[len(s)-3:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
