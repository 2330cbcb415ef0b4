// Package report is the read side of kesu: the complaint statistics table
// 客诉案件统计表 (RPT-1), staff and department KPIs (RPT-3) and the live
// dashboard (RPT-5). One query layer feeds the pages, the API and the
// exports, so the same period and filter give the same numbers everywhere.
//
// Statistics count the complaints received in a period. Stage times,
// satisfaction and on-time rates describe those same complaints, whatever
// happened to them later; a report for a past month therefore changes as
// its cases are closed, which is what a monthly meeting expects to see.
package report

import (
	"context"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/enum"
)

// Query selects the complaints a report covers: received in [From, To)
// and matching Filter. Filter.From, To, Sort, Limit and After are ignored.
type Query struct {
	From, To time.Time
	Filter   complaint.Filter
}

// Fact is one complaint as the statistics see it.
type Fact struct {
	CategoryTop, Category, Severity, Channel string
	Class, Region, Status                    string
	Validity, Responsibility, RootCause      string
	Established                              *bool
	Safety                                   bool
	DepartmentID, ProductID, HolderID        int64 // 0: none
	BatchNo                                  string
	ReceivedAt                               time.Time
	AcceptedAt, RepliedAt, ExecutedAt        *time.Time
	ClosedAt                                 *time.Time
	Satisfaction                             int // last follow-up score 1–5, 0 when none
	Reopens                                  int
	Overdue                                  bool // open with a time limit past due
	// Outcomes are the complaint's time-limit clocks, "policy:o" pairs
	// joined by commas, o being m (met), b (breached), n (not applicable)
	// or r (counting), followed by x when the clock was extended.
	Outcomes string
}

// Extended reports whether a time limit of the fact was extended with the
// customer's consent.
func (f *Fact) Extended() bool {
	rest := f.Outcomes
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, ",")
		if i := strings.LastIndexByte(pair, ':'); i > 0 && len(pair) == i+3 && pair[i+2] == 'x' {
			return true
		}
	}
	return false
}

// EachOutcome calls fn with every clock of the fact: its policy and its
// outcome letter.
func (f *Fact) EachOutcome(fn func(policy string, outcome byte)) {
	rest := f.Outcomes
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, ",")
		if i := strings.LastIndexByte(pair, ':'); i > 0 && i+1 < len(pair) {
			fn(pair[:i], pair[i+1])
		}
	}
}

// KeyCount is a count under an integer key (a department, a user).
type KeyCount struct {
	Key   int64
	Count int
}

// Store is what reports read.
type Store interface {
	// Facts calls fn for every complaint the query selects.
	Facts(ctx context.Context, q Query, fn func(*Fact) error) error
	// Responsible counts the selected complaints per responsible
	// department (WF-9); a complaint with two departments counts in both.
	Responsible(ctx context.Context, q Query) ([]KeyCount, error)
	// Repeats counts the selected complaints recorded as a repeat of an
	// earlier one.
	Repeats(ctx context.Context, q Query) (int, error)
	// Count counts the selected complaints.
	Count(ctx context.Context, q Query) (int, error)
	// Live counts open complaints (status in open) by holder and by
	// department, and how many of them are overdue at now.
	// scope, when set, keeps what one reader may see.
	Live(ctx context.Context, open []string, now time.Time, scope *complaint.Scope) ([]LiveCount, error)
	// DueBetween lists running clocks falling due in [from, to), soonest
	// first, at most limit, and how many there are in all.
	DueBetween(ctx context.Context, from, to time.Time, limit int, scope *complaint.Scope) (items []DueItem, total int, err error)
	// Proposals lists the CAPA actions verified effective in [from, to)
	// and flagged to update the standard, oldest first.
	Proposals(ctx context.Context, from, to time.Time) ([]Proposal, error)
	// Losses lists the cases closed in [from, to) with an amount, one line
	// per responsible party (one line with no party when none is set).
	Losses(ctx context.Context, from, to time.Time, scope *complaint.Scope) ([]LossLine, error)
	// Names resolves the labels of departments, users and products.
	Names(ctx context.Context) (*Names, error)
}

// LiveCount is one holder and department pair's open work.
type LiveCount struct {
	HolderID, DepartmentID int64
	Open, Overdue          int
}

// DueItem is one running clock that falls due soon.
type DueItem struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Subject     string    `json:"subject"`
	Policy      string    `json:"policy"`
	PolicyLabel string    `json:"policy_label"`
	DueAt       time.Time `json:"due_at"`
	HolderID    int64     `json:"holder_id,omitempty"`
	Holder      string    `json:"holder,omitempty"`
}

// Names are the labels reports show for registers and codes.
type Names struct {
	Departments map[int64]Label
	Users       map[int64]string
	Products    map[int64]string
	Categories  map[string]Label
}

// Label is a code's name in Chinese and English.
type Label struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// DefaultLabels returns the enumerations of the statistics dimensions;
// statuses are the workflow states, which depend on the profiles in use.
func DefaultLabels(statuses enum.Set) map[string]enum.Set {
	return map[string]enum.Set{
		"channel":        complaint.Channels,
		"severity":       complaint.Severities,
		"class":          customer.Classes,
		"region":         customer.Regions,
		"status":         statuses,
		"validity":       casework.Validities,
		"responsibility": casework.Responsibilities,
	}
}
