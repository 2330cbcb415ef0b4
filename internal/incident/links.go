package incident

import (
	"context"
	"slices"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/workflow"
)

// Link kinds: From is a duplicate or a repeat of To, or was merged into it.
const (
	LinkDuplicate = "duplicate"
	LinkRepeat    = "repeat"
	LinkMerged    = "merged"
)

// LinkKinds are the kinds a link may have.
var LinkKinds = []string{LinkDuplicate, LinkRepeat, LinkMerged}

// Link joins two complaints.
type Link struct {
	ID       int64     `json:"id"`
	FromID   int64     `json:"from_id"`
	ToID     int64     `json:"to_id"`
	Kind     string    `json:"kind"`
	ByUserID *int64    `json:"by_user_id,omitempty"`
	At       time.Time `json:"at"`
}

// LinkRule says which earlier complaints are likely duplicates or repeats.
type LinkRule struct {
	DuplicateWindow time.Duration // default 7 days
	RepeatWindow    time.Duration // default 90 days
}

// DefaultLinkRule is 7 days for duplicates and 90 for repeats.
var DefaultLinkRule = LinkRule{DuplicateWindow: 7 * 24 * time.Hour, RepeatWindow: 90 * 24 * time.Hour}

func (r LinkRule) norm() LinkRule {
	if r.DuplicateWindow <= 0 {
		r.DuplicateWindow = DefaultLinkRule.DuplicateWindow
	}
	if r.RepeatWindow <= 0 {
		r.RepeatWindow = DefaultLinkRule.RepeatWindow
	}
	return r
}

// Since is how far back candidates of a complaint received at at are
// looked for.
func (r LinkRule) Since(at time.Time) time.Time {
	r = r.norm()
	return at.Add(-max(r.DuplicateWindow, r.RepeatWindow))
}

func sameID(a, b *int64) bool { return a != nil && b != nil && *a == *b }

// Classify says what other is to s: LinkDuplicate when the same customer
// (or complainant phone) complains about the same product or lot within the
// duplicate window and other is still open; LinkRepeat when the same
// customer or lot comes back within the repeat window; "" otherwise. open
// reports whether a state is open.
func (r LinkRule) Classify(s, other *Subject, open func(status string) bool) string {
	r = r.norm()
	if s.ID == other.ID || other.MergedInto != nil {
		return ""
	}
	gap := s.ReceivedAt.Sub(other.ReceivedAt)
	if gap < 0 {
		gap = -gap
	}
	sameCustomer := sameID(s.CustomerID, other.CustomerID)
	sameBatch := s.BatchNo != "" && s.BatchNo == other.BatchNo
	samePerson := sameCustomer || (s.Phone != "" && s.Phone == other.Phone)
	sameThing := sameBatch || sameID(s.ProductID, other.ProductID)
	if samePerson && sameThing && gap <= r.DuplicateWindow && open(other.Status) {
		return LinkDuplicate
	}
	if (sameCustomer || sameBatch) && gap <= r.RepeatWindow {
		return LinkRepeat
	}
	return ""
}

// Suggestion is an earlier complaint that s likely duplicates or repeats.
type Suggestion struct {
	Subject
	Kind string `json:"kind"`
}

// Suggest classifies candidates, duplicates first, newest first within a
// kind.
func (r LinkRule) Suggest(s *Subject, candidates []Subject, open func(string) bool) []Suggestion {
	out := []Suggestion{}
	for _, c := range candidates {
		if k := r.Classify(s, &c, open); k != "" {
			out = append(out, Suggestion{Subject: c, Kind: k})
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if a.Kind != b.Kind {
			if a.Kind == LinkDuplicate {
				return -1
			}
			return 1
		}
		return b.ReceivedAt.Compare(a.ReceivedAt)
	})
	return out
}

// LinkStore persists links between complaints.
type LinkStore interface {
	Subject(ctx context.Context, complaintID int64) (*Subject, error)
	// Candidates returns complaints other than s received since since with
	// the same customer, complainant phone or lot, newest first.
	Candidates(ctx context.Context, s *Subject, since time.Time, limit int) ([]Subject, error)
	// Link stores l with a timeline entry on both complaints and an audit
	// entry; an existing identical link is left as it is.
	Link(ctx context.Context, l *Link, actor audit.Actor) error
	// Links returns the links from or to a complaint, oldest first.
	Links(ctx context.Context, complaintID int64) ([]Link, error)
}

// CaseDoer takes workflow actions on cases (casework.Service).
type CaseDoer interface {
	Do(ctx context.Context, complaintID int64, version int, action string, in workflow.Input, actor casework.Actor) (*casework.Record, error)
}

// Links suggests, links and merges duplicate and repeat complaints.
type Links struct {
	Store LinkStore
	Cases CaseDoer
	Rule  LinkRule
	// Open reports whether a workflow state is open.
	Open func(status string) bool
	Now  func() time.Time
}

// Suggest lists the likely duplicates and repeats of a complaint, for the
// registration page.
func (l *Links) Suggest(ctx context.Context, complaintID int64) ([]Suggestion, error) {
	s, err := l.Store.Subject(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	cands, err := l.Store.Candidates(ctx, s, l.Rule.Since(s.ReceivedAt), 50)
	if err != nil {
		return nil, err
	}
	return l.Rule.Suggest(s, cands, l.Open), nil
}

// Link records that from is a duplicate or repeat of to.
func (l *Links) Link(ctx context.Context, fromID, toID int64, kind string, actor casework.Actor) (*Link, error) {
	var v apperr.Validation
	v.OneOf("kind", kind, []string{LinkDuplicate, LinkRepeat})
	if fromID == toID {
		v.Add("to_id", "self_reference", "")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	lk := &Link{FromID: fromID, ToID: toID, Kind: kind, ByUserID: &actor.User.ID, At: l.Now()}
	if err := l.Store.Link(ctx, lk, actor.Audit); err != nil {
		return nil, err
	}
	return lk, nil
}

// Merge closes duplicate as merged into survivor through the workflow's
// merge action (version is the duplicate's version the actor saw), then
// links them; both timelines are kept and the survivor's gets an entry.
func (l *Links) Merge(ctx context.Context, duplicateID, survivorID int64, version int, actor casework.Actor) (*casework.Record, error) {
	if duplicateID == survivorID {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "merge into itself",
			Fields: []apperr.FieldError{{Field: "merge_into", Rule: "self_reference"}}}
	}
	surv, err := l.Store.Subject(ctx, survivorID)
	if err != nil {
		return nil, err
	}
	if surv.MergedInto != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "the survivor was itself merged",
			Fields: []apperr.FieldError{{Field: "merge_into", Rule: "merged"}}}
	}
	r, err := l.Cases.Do(ctx, duplicateID, version, "merge", workflow.Input{"merge_into": strconv.FormatInt(survivorID, 10)}, actor)
	if err != nil {
		return nil, err
	}
	// The merge is stored; a failed link can be repeated by hand (Link is
	// idempotent) and loses nothing.
	if err := l.Store.Link(ctx, &Link{FromID: duplicateID, ToID: survivorID, Kind: LinkMerged, ByUserID: &actor.User.ID, At: l.Now()}, actor.Audit); err != nil {
		return r, err
	}
	return r, nil
}

// RepeatCount counts the repeat links into and out of a complaint.
func RepeatCount(links []Link) int {
	n := 0
	for _, l := range links {
		if l.Kind == LinkRepeat {
			n++
		}
	}
	return n
}
