package privacy

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// Erased replaces a name and any personal value found in free text.
const Erased = "***"

// Erasure is what erasing one complaint's personal data did.
type Erasure struct {
	ComplaintID int64  `json:"complaint_id"`
	Number      string `json:"number"`
	// Files are the SHA-256 names of the attachments removed from the case;
	// the service deletes each file no other attachment uses.
	Files []string `json:"-"`
	// Attachments is how many attachments were removed.
	Attachments int `json:"attachments"`
}

// Result answers an erasure request.
type Result struct {
	Complaints []Erasure `json:"complaints"`
	CustomerID int64     `json:"customer_id,omitempty"`
	// Already lists complaints erased before (a request repeated, or the
	// retention job was first).
	Already []string `json:"already_erased"`
}

// Subject is a complaint as erasure sees it.
type Subject struct {
	ID     int64
	Number string
	Closed bool // closed_at is set: the case is finished
	Erased bool
}

// Store is what erasure needs from storage. EraseComplaint anonymises one
// closed, not yet erased complaint in one transaction — its complainant's
// contact data, the personal values in its free text and timeline (with
// redact), its attachments, its search index — and records a timeline
// entry and the audit entry; it answers ok=false when the complaint was
// already erased or is not closed (another server was first).
type Store interface {
	ErasureSubject(ctx context.Context, number string) (Subject, error)
	CustomerSubjects(ctx context.Context, customerID int64) ([]Subject, error)
	// DueForErasure lists closed complaints closed before t and not erased.
	DueForErasure(ctx context.Context, before time.Time, limit int) ([]Subject, error)
	EraseComplaint(ctx context.Context, id int64, redact func(text string, known []string) string, actor audit.Actor,
		detail map[string]any) (e Erasure, ok bool, err error)
	// EraseCustomer clears the customer record's name and contact data
	// and records the audit entry.
	EraseCustomer(ctx context.Context, customerID int64, actor audit.Actor, detail map[string]any) error
	// FileInUse tells whether an attachment still uses the file sum.
	FileInUse(ctx context.Context, sum string) (bool, error)
}

// Files removes stored attachment files.
type Files interface {
	Remove(sum string) error
}

// Service erases personal data on request and after the retention period
// (SPEC SEC-2). Statistics stay intact: counts, categories, times, money,
// products and decisions are kept; names, phones, e-mails, addresses and
// the free text naming them are replaced, attachments deleted.
type Service struct {
	Store Store
	Files Files
	Now   func() time.Time
	// RetentionDays is how long after closing a complaint keeps its
	// personal data; 0 keeps it until erased on request.
	RetentionDays int
	Log           *slog.Logger
}

// Request is an erasure request: one complaint (by number) or one
// customer's complaints and record, with the reason recorded.
type Request struct {
	Number     string `json:"number,omitempty"`
	CustomerID int64  `json:"customer_id,omitempty"`
	Reason     string `json:"reason"`
}

// Erase carries out a request. Every complaint concerned must be closed:
// erasing the contact data of an open case would leave nobody to answer.
func (s *Service) Erase(ctx context.Context, r Request, actor audit.Actor) (*Result, error) {
	var v apperr.Validation
	r.Number, r.Reason = strings.TrimSpace(r.Number), strings.TrimSpace(r.Reason)
	switch {
	case r.Number == "" && r.CustomerID == 0:
		v.Add("number", "required", "")
	case r.Number != "" && r.CustomerID != 0:
		v.Add("customer_id", "one_of", "number")
	case r.CustomerID < 0:
		v.Add("customer_id", "invalid_value", "")
	}
	if r.Reason == "" {
		v.Add("reason", "required", "")
	} else if len([]rune(r.Reason)) > 500 {
		v.Add("reason", "too_long", "500")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var subjects []Subject
	if r.Number != "" {
		sub, err := s.Store.ErasureSubject(ctx, r.Number)
		if err != nil {
			return nil, err
		}
		subjects = []Subject{sub}
		if !sub.Closed {
			return nil, &apperr.Error{Code: apperr.Conflict, Message: "complaint is open",
				Fields: []apperr.FieldError{{Field: "number", Rule: "still_open", Param: sub.Number}}}
		}
	} else {
		subs, err := s.Store.CustomerSubjects(ctx, r.CustomerID)
		if err != nil {
			return nil, err
		}
		var open []string
		for _, sub := range subs {
			if !sub.Closed {
				open = append(open, sub.Number)
			}
		}
		if len(open) > 0 {
			return nil, &apperr.Error{Code: apperr.Conflict, Message: "customer has open complaints",
				Fields: []apperr.FieldError{{Field: "customer_id", Rule: "still_open", Param: strings.Join(open, ",")}}}
		}
		subjects = subs
	}
	res := &Result{CustomerID: r.CustomerID, Complaints: []Erasure{}, Already: []string{}}
	detail := map[string]any{"reason": r.Reason, "by": "request"}
	if r.CustomerID != 0 {
		detail["customer_id"] = r.CustomerID
	}
	for _, sub := range subjects {
		if sub.Erased {
			res.Already = append(res.Already, sub.Number)
			continue
		}
		e, ok, err := s.eraseOne(ctx, sub.ID, actor, detail)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Already = append(res.Already, sub.Number)
			continue
		}
		res.Complaints = append(res.Complaints, e)
	}
	if r.CustomerID != 0 {
		if err := s.Store.EraseCustomer(ctx, r.CustomerID, actor, detail); err != nil {
			return res, err
		}
	}
	return res, nil
}

// eraseOne erases a complaint and then deletes its files no other
// attachment uses. A file left behind by a failure here is only
// unreachable: the rows that named it are gone.
func (s *Service) eraseOne(ctx context.Context, id int64, actor audit.Actor, detail map[string]any) (Erasure, bool, error) {
	e, ok, err := s.Store.EraseComplaint(ctx, id, Redact, actor, detail)
	if err != nil || !ok {
		return e, ok, err
	}
	for _, sum := range e.Files {
		used, err := s.Store.FileInUse(ctx, sum)
		if err != nil {
			return e, true, err
		}
		if !used {
			if err := s.Files.Remove(sum); err != nil && s.Log != nil {
				s.Log.Warn("erasure: attachment file not removed", "file", sum, "err", err)
			}
		}
	}
	return e, true, nil
}

// RunRetention erases the personal data of complaints closed longer ago
// than the retention period, up to limit of them, and returns how many it
// erased. With RetentionDays 0 it does nothing.
func (s *Service) RunRetention(ctx context.Context, limit int) (int, error) {
	if s.RetentionDays <= 0 {
		return 0, nil
	}
	before := s.Now().AddDate(0, 0, -s.RetentionDays)
	subs, err := s.Store.DueForErasure(ctx, before, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	detail := map[string]any{"by": "retention", "retention_days": s.RetentionDays}
	for _, sub := range subs {
		_, ok, err := s.eraseOne(ctx, sub.ID, audit.System, detail)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// Run runs the retention job every interval until ctx ends, in batches of
// 200 so that one pass never holds the writer long.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if s.RetentionDays <= 0 {
		return
	}
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := s.RunRetention(ctx, 200)
			if err != nil {
				if s.Log != nil && ctx.Err() == nil {
					s.Log.Error("retention: erasure failed", "err", err)
				}
				break
			}
			if n > 0 && s.Log != nil {
				s.Log.Info("retention: personal data erased", "complaints", n, "retention_days", s.RetentionDays)
			}
			if n < 200 {
				break
			}
		}
		t.Reset(interval)
	}
}

var (
	// Mainland mobile numbers, landlines with an area code, and e-mail
	// addresses, wherever they stand in a text.
	phoneRe = regexp.MustCompile(`(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}|0\d{2,3}-?\d{7,8}`)
	emailRe = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.[\p{L}]{2,}`)
)

// Redact replaces in text the known personal values (a name, a phone
// number, an address…) and anything shaped like a phone number or an
// e-mail address with Erased. Values shorter than two characters are not
// searched for: a one-character "name" would blank out the text.
func Redact(text string, known []string) string {
	if text == "" {
		return text
	}
	vals := slices.Clone(known)
	// Longest first, so an address goes before the city it contains.
	slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
	for _, v := range vals {
		if v = strings.TrimSpace(v); len([]rune(v)) >= 2 && v != Erased {
			text = strings.ReplaceAll(text, v, Erased)
		}
	}
	text = emailRe.ReplaceAllString(text, Erased)
	return phoneRe.ReplaceAllString(text, Erased)
}
