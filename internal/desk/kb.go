package desk

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/textsearch"
)

// Entry is a standard answer of the knowledge base 问题分类解答作业指导书
// (004 §6.3) in its current version. An internal entry holds confidential
// technical data (004 §6.1): staff read it, customers never get it.
type Entry struct {
	ID        int64     `json:"id"`
	Category  string    `json:"category"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Keywords  string    `json:"keywords,omitempty"`
	Internal  bool      `json:"internal"`
	Version   int       `json:"version"`
	Uses      int64     `json:"uses"` // times inserted as a canned reply
	UpdatedBy int64     `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	CreatedAt time.Time `json:"created_at"`
}

// EntryVersion is one saved version of an entry; versions are never
// changed.
type EntryVersion struct {
	EntryID  int64     `json:"entry_id"`
	Version  int       `json:"version"`
	Category string    `json:"category"`
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	Keywords string    `json:"keywords,omitempty"`
	Internal bool      `json:"internal"`
	ByUserID int64     `json:"by_user_id,omitempty"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at"`
}

// KBQuery selects entries: Text is searched as a substring of title, body
// and keywords (Chinese included); empty Text lists by category.
type KBQuery struct {
	Text     string
	Category string
	// PublicOnly leaves internal entries out (canned replies).
	PublicOnly bool
	Limit      int
}

// IndexQuery is a search as the store runs it: entries whose folded text
// contains every string of Contains (the exact check), filtered, most
// used first; Tokens are the bigrams every match holds, for the index to
// narrow by.
type IndexQuery struct {
	Tokens []string
	// Prefix, for a query of one character, finds the entries holding a
	// token that starts with it (a bigram it begins, or the closing token
	// of a run it ends).
	Prefix     string
	Contains   []string
	Category   string
	PublicOnly bool
	Limit      int
}

// KBStore persists the knowledge base.
type KBStore interface {
	// CreateEntry stores e as version 1 with its search tokens.
	CreateEntry(ctx context.Context, e *Entry, tokens []string, actor audit.Actor) error
	// UpdateEntry stores e as the next version when the current one is
	// e.Version-1; otherwise a conflict.
	UpdateEntry(ctx context.Context, e *Entry, note string, tokens []string, actor audit.Actor) error
	Entry(ctx context.Context, id int64) (*Entry, error)
	EntryVersions(ctx context.Context, id int64) ([]EntryVersion, error)
	// SearchEntries runs q, most used first, then newest.
	SearchEntries(ctx context.Context, q IndexQuery) ([]Entry, error)
	// UseEntry counts a use of the entry as a canned reply, on complaintID
	// or contactID when given.
	UseEntry(ctx context.Context, id int64, complaintID, contactID *int64, byUser int64, at time.Time) error
	// InternalEntries lists every internal entry.
	InternalEntries(ctx context.Context) ([]Entry, error)
	// Categories lists the categories in use with their entry counts.
	Categories(ctx context.Context) ([]CategoryCount, error)
}

// CategoryCount is a knowledge-base category and how many entries it has.
type CategoryCount struct {
	Category string `json:"category"`
	Entries  int    `json:"entries"`
}

// SearchText is what an entry is found by, folded as textsearch folds.
func SearchText(e *Entry) string {
	return textsearch.Normalize(e.Title + "\n" + e.Keywords + "\n" + e.Body)
}

func validEntry(e *Entry) error {
	e.Category, e.Title, e.Body, e.Keywords = strings.TrimSpace(e.Category), strings.TrimSpace(e.Title), strings.TrimSpace(e.Body), strings.TrimSpace(e.Keywords)
	var v apperr.Validation
	if v.Required("category", e.Category) {
		v.Text("category", e.Category, 64)
	}
	if v.Required("title", e.Title) {
		v.Text("title", e.Title, 200)
	}
	if v.Required("body", e.Body) {
		v.MaxLen("body", e.Body, 10000)
	}
	v.Text("keywords", e.Keywords, 500)
	return v.Err()
}

// CreateEntry adds a standard answer; writing the knowledge base is the
// desk managers'.
func (s *Service) CreateEntry(ctx context.Context, e *Entry, actor Actor) error {
	if !manages(actor) {
		return forbidden("desk_manage", "only a desk manager writes the knowledge base")
	}
	if err := validEntry(e); err != nil {
		return err
	}
	now := s.now()
	e.Version, e.CreatedAt, e.UpdatedAt, e.UpdatedBy = 1, now, now, userID(actor)
	return s.Store.CreateEntry(ctx, e, textsearch.Tokens(SearchText(e)), actor.Audit)
}

// UpdateEntry saves a new version of an entry; e.Version is the version
// the editor started from, so an edit over someone else's is refused.
func (s *Service) UpdateEntry(ctx context.Context, e *Entry, note string, actor Actor) error {
	if !manages(actor) {
		return forbidden("desk_manage", "only a desk manager writes the knowledge base")
	}
	if err := validEntry(e); err != nil {
		return err
	}
	var v apperr.Validation
	v.Text("note", strings.TrimSpace(note), 500)
	if e.Version < 1 {
		v.Add("version", "required", "")
	}
	if err := v.Err(); err != nil {
		return err
	}
	e.Version++
	e.UpdatedAt, e.UpdatedBy = s.now(), userID(actor)
	return s.Store.UpdateEntry(ctx, e, strings.TrimSpace(note), textsearch.Tokens(SearchText(e)), actor.Audit)
}

// Entry returns an entry.
func (s *Service) Entry(ctx context.Context, id int64) (*Entry, error) { return s.Store.Entry(ctx, id) }

// EntryVersions returns an entry's versions, oldest first.
func (s *Service) EntryVersions(ctx context.Context, id int64) ([]EntryVersion, error) {
	return s.Store.EntryVersions(ctx, id)
}

// Categories lists the categories in use.
func (s *Service) Categories(ctx context.Context) ([]CategoryCount, error) {
	return s.Store.Categories(ctx)
}

// Search finds entries whose title, keywords or body contain q.Text as a
// substring after width and case folding, the way complaint search does:
// the index of bigrams (textsearch tokens) narrows to the entries holding
// the query's rarest one, and the folded text is then checked for each
// word of it, in the same query; most used first, then newest.
func (s *Service) Search(ctx context.Context, q KBQuery) ([]Entry, error) {
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	iq := IndexQuery{Category: q.Category, PublicOnly: q.PublicOnly, Limit: limit}
	if text := strings.TrimSpace(q.Text); text != "" {
		if _, ok := textsearch.ParseQuery(text); !ok {
			return []Entry{}, nil
		}
		iq.Tokens, iq.Contains = bigrams(text), strings.Fields(textsearch.Normalize(text))
		if len(iq.Tokens) == 0 && len(iq.Contains) == 1 && utf8.RuneCountInString(iq.Contains[0]) == 1 {
			iq.Prefix = iq.Contains[0]
		}
	}
	return s.Store.SearchEntries(ctx, iq)
}

// bigrams are the query's two-character tokens, each once: every entry
// containing the query holds all of them. A query of single characters
// has none: one character is found by token prefix, several by the
// folded text alone.
func bigrams(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range textsearch.Tokens(q) {
		if utf8.RuneCountInString(t) == 2 && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// UseEntry returns an entry for insertion as a canned reply and counts the
// use. An internal entry is refused: it never goes to a customer.
func (s *Service) UseEntry(ctx context.Context, id int64, complaintID, contactID *int64, actor Actor) (*Entry, error) {
	e, err := s.Store.Entry(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Internal {
		return nil, internalRefusal(e)
	}
	if err := s.Store.UseEntry(ctx, id, complaintID, contactID, userID(actor), s.now()); err != nil {
		return nil, err
	}
	e.Uses++
	return e, nil
}

// RuleInternal is the field rule of a message to a customer that carries
// an internal knowledge-base entry.
const RuleInternal = "kb_internal"

func internalRefusal(e *Entry) error {
	return &apperr.Error{Code: apperr.Forbidden,
		Message: "knowledge-base entry " + strconv.FormatInt(e.ID, 10) + " is internal (confidential technical data) and is never sent to a customer",
		Fields:  []apperr.FieldError{{Field: "body", Rule: RuleInternal, Param: e.Title}}}
}

// minPassage is the shortest passage of an internal entry that counts as
// quoting it: shorter ones are common phrases.
const minPassage = 8

// passages splits an internal entry's body into its clauses (between
// sentence ends, commas and colons), normalised.
func passages(body string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(textsearch.Normalize(body), func(r rune) bool {
		return strings.ContainsRune("。！？；;!?\n\r，,：:", r)
	}) {
		p = strings.TrimSpace(strings.Trim(p, "、 \t"))
		if utf8.RuneCountInString(p) >= minPassage {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		if b := strings.TrimSpace(textsearch.Normalize(body)); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// CheckOutgoing refuses a message to a customer that quotes an internal
// entry: its whole body or any of its clauses of eight characters or
// more. The reply path and public notes call it before anything leaves
// kesu (004 §6.1: no internal technical data to customers).
func (s *Service) CheckOutgoing(ctx context.Context, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	es, err := s.Store.InternalEntries(ctx)
	if err != nil {
		return err
	}
	hay := textsearch.Normalize(text)
	for i := range es {
		for _, p := range passages(es[i].Body) {
			if strings.Contains(hay, p) {
				return internalRefusal(&es[i])
			}
		}
	}
	return nil
}
