package incident

import (
	"context"
	"slices"
	"strconv"
	"time"

	"kesu/internal/apperr"
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
	// Links returns the links from or to a complaint, oldest first.
	Links(ctx context.Context, complaintID int64) ([]Link, error)
}

// CaseDoer takes workflow actions on cases and links them: the case
// service, through which every change of a case goes (casework.Service).
type CaseDoer interface {
	Do(ctx context.Context, complaintID int64, version int, action string, in workflow.Input, actor casework.Actor) (*casework.Record, error)
	Link(ctx context.Context, fromID, toID int64, kind string, actor casework.Actor) error
	CanRead(ctx context.Context, complaintID int64, actor casework.Actor) error
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

// SuggestFor is Suggest keeping the complaints actor may read.
func (l *Links) SuggestFor(ctx context.Context, complaintID int64, actor casework.Actor) ([]Suggestion, error) {
	sugs, err := l.Suggest(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	out := sugs[:0]
	for _, s := range sugs {
		ok, err := l.readable(ctx, s.ID, actor)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// LinksFor returns the links of a complaint whose other end actor may read,
// and the number of repeat links in all.
func (l *Links) LinksFor(ctx context.Context, complaintID int64, actor casework.Actor) ([]Link, int, error) {
	ls, err := l.Store.Links(ctx, complaintID)
	if err != nil {
		return nil, 0, err
	}
	repeats := RepeatCount(ls)
	out := ls[:0]
	for _, k := range ls {
		other := k.ToID
		if other == complaintID {
			other = k.FromID
		}
		ok, err := l.readable(ctx, other, actor)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			out = append(out, k)
		}
	}
	return out, repeats, nil
}

// readable reports whether actor may read complaint id.
func (l *Links) readable(ctx context.Context, id int64, actor casework.Actor) (bool, error) {
	err := l.Cases.CanRead(ctx, id, actor)
	switch {
	case err == nil:
		return true, nil
	case apperr.Is(err, apperr.Forbidden), apperr.Is(err, apperr.NotFound):
		return false, nil
	}
	return false, err
}

// Link records that from is a duplicate or repeat of to.
func (l *Links) Link(ctx context.Context, fromID, toID int64, kind string, actor casework.Actor) (*Link, error) {
	if err := l.Cases.Link(ctx, fromID, toID, kind, actor); err != nil {
		return nil, err
	}
	return &Link{FromID: fromID, ToID: toID, Kind: kind, ByUserID: &actor.User.ID, At: l.Now()}, nil
}

// Merge closes duplicate as merged into survivor through the workflow's
// merge action (version is the duplicate's version the actor saw), which
// links them in the same transaction; both timelines are kept.
func (l *Links) Merge(ctx context.Context, duplicateID, survivorID int64, version int, actor casework.Actor) (*casework.Record, error) {
	if duplicateID == survivorID {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "merge into itself",
			Fields: []apperr.FieldError{{Field: "merge_into", Rule: "self_reference"}}}
	}
	if err := l.Cases.CanRead(ctx, survivorID, actor); err != nil {
		return nil, err
	}
	surv, err := l.Store.Subject(ctx, survivorID)
	if err != nil {
		return nil, err
	}
	if surv.MergedInto != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "the survivor was itself merged",
			Fields: []apperr.FieldError{{Field: "merge_into", Rule: "merged"}}}
	}
	return l.Cases.Do(ctx, duplicateID, version, "merge", workflow.Input{"merge_into": strconv.FormatInt(survivorID, 10)}, actor)
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
