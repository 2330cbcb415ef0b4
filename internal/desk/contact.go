package desk

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// Contact kinds: a customer's contact that is not a complaint (004
// §6.1–6.2).
const (
	ContactEnquiry = "enquiry" // product use or technical data (6.1)
	ContactPrice   = "price"   // price or market question (6.2): the sales department's
	ContactOther   = "other"
)

// ContactKinds are the kinds of contacts.
var ContactKinds = []string{ContactEnquiry, ContactPrice, ContactOther}

// Contact states.
const (
	ContactOpen      = "open"
	ContactAnswered  = "answered"
	ContactConverted = "converted" // became a complaint
	ContactClosed    = "closed"
)

// Contact is an enquiry or a price or market question logged at the desk.
type Contact struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Channel      string     `json:"channel"`
	Status       string     `json:"status"`
	Name         string     `json:"name"`
	Phone        string     `json:"phone,omitempty"`
	Email        string     `json:"email,omitempty"`
	Company      string     `json:"company,omitempty"`
	Subject      string     `json:"subject"`
	Question     string     `json:"question"`
	Answer       string     `json:"answer,omitempty"`
	DepartmentID *int64     `json:"department_id,omitempty"` // routed to
	ComplaintID  *int64     `json:"complaint_id,omitempty"`  // after conversion
	CreatedBy    int64      `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
}

// ContactEvent is a line of a contact's history.
type ContactEvent struct {
	ContactID int64     `json:"contact_id"`
	Kind      string    `json:"kind"` // created, routed, answered, converted, closed
	Body      string    `json:"body,omitempty"`
	ByUserID  int64     `json:"by_user_id,omitempty"`
	ByName    string    `json:"by_name,omitempty"`
	At        time.Time `json:"at"`
}

// ContactFilter selects contacts.
type ContactFilter struct {
	Kind, Status string
	DepartmentID int64
	From, To     *time.Time
	Limit        int
}

// ContactStats counts contacts by kind and state over a period, beside
// the complaint statistics.
type ContactStats struct {
	Total     int            `json:"total"`
	ByKind    map[string]int `json:"by_kind"`
	ByStatus  map[string]int `json:"by_status"`
	Converted int            `json:"converted"`
}

// ContactStore persists contacts and their history.
type ContactStore interface {
	// CreateContact stores c with its first history events.
	CreateContact(ctx context.Context, c *Contact, events []ContactEvent, actor audit.Actor) error
	Contact(ctx context.Context, id int64) (*Contact, error)
	Contacts(ctx context.Context, f ContactFilter) ([]Contact, error)
	ContactEvents(ctx context.Context, id int64) ([]ContactEvent, error)
	// UpdateContact saves c's state and answer with an event.
	UpdateContact(ctx context.Context, c *Contact, ev ContactEvent, actor audit.Actor) error
	ContactStats(ctx context.Context, from, to time.Time) (*ContactStats, error)
}

// ContactDeps are the outside services contacts use.
type ContactDeps struct {
	// Department resolves a department code to its id (routing).
	Department func(ctx context.Context, code string) (int64, error)
	// Intake registers a complaint through the complaint intake service.
	Intake func(ctx context.Context, c *complaint.Complaint, actor audit.Actor) error
	// Guard checks text that goes to a customer (CheckOutgoing).
	Guard func(ctx context.Context, text string) error
}

// routeOf is the department a kind goes to: price and market questions to
// sales (004 §6.2), the rest stay with customer service.
func routeOf(kind string) string {
	if kind == ContactPrice {
		return "sales"
	}
	return "cs"
}

// LogContact records a contact and routes it.
func (s *Service) LogContact(ctx context.Context, deps ContactDeps, c *Contact, actor Actor) error {
	c.Name, c.Phone, c.Email, c.Company = strings.TrimSpace(c.Name), strings.TrimSpace(c.Phone), strings.TrimSpace(c.Email), strings.TrimSpace(c.Company)
	c.Subject, c.Question, c.Channel = strings.TrimSpace(c.Subject), strings.TrimSpace(c.Question), strings.TrimSpace(c.Channel)
	var v apperr.Validation
	if v.Required("kind", c.Kind) {
		v.OneOf("kind", c.Kind, ContactKinds)
	}
	if v.Required("channel", c.Channel) {
		v.OneOf("channel", c.Channel, complaint.Channels.Codes())
	}
	if v.Required("name", c.Name) {
		v.Text("name", c.Name, complaint.MaxName)
	}
	v.Phone("phone", c.Phone)
	v.Email("email", c.Email)
	v.Text("company", c.Company, complaint.MaxShort)
	if v.Required("subject", c.Subject) {
		v.Text("subject", c.Subject, complaint.MaxSubject)
	}
	if v.Required("question", c.Question) {
		v.Text("question", c.Question, complaint.MaxDescription)
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	c.Status, c.CreatedBy, c.CreatedAt, c.Answer, c.ComplaintID, c.AnsweredAt = ContactOpen, userID(actor), now, "", nil, nil
	events := []ContactEvent{{Kind: "created", Body: c.Question, ByUserID: c.CreatedBy, ByName: actor.Audit.Name, At: now}}
	if deps.Department != nil {
		code := routeOf(c.Kind)
		id, err := deps.Department(ctx, code)
		if err == nil {
			c.DepartmentID = &id
			events = append(events, ContactEvent{Kind: "routed", Body: code, ByUserID: c.CreatedBy, ByName: actor.Audit.Name, At: now})
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
	}
	return s.Store.CreateContact(ctx, c, events, actor.Audit)
}

// Contact returns a contact.
func (s *Service) Contact(ctx context.Context, id int64) (*Contact, error) {
	return s.Store.Contact(ctx, id)
}

// Contacts lists contacts, newest first.
func (s *Service) Contacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.Store.Contacts(ctx, f)
}

// ContactEvents returns a contact's history, oldest first.
func (s *Service) ContactEvents(ctx context.Context, id int64) ([]ContactEvent, error) {
	return s.Store.ContactEvents(ctx, id)
}

// ContactStats counts the contacts received in [from, to).
func (s *Service) ContactStats(ctx context.Context, from, to time.Time) (*ContactStats, error) {
	return s.Store.ContactStats(ctx, from, to)
}

func (s *Service) openContact(ctx context.Context, id int64) (*Contact, error) {
	c, err := s.Store.Contact(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == ContactConverted || c.Status == ContactClosed {
		return nil, refuse("status", "contact_finished", c.Status, "the contact is "+c.Status)
	}
	return c, nil
}

// AnswerContact records the answer given to the customer, typed or taken
// from the knowledge base (entryID, counted as a use). An internal entry
// or text quoting one is refused: it never reaches a customer.
func (s *Service) AnswerContact(ctx context.Context, deps ContactDeps, id int64, answer string, entryID int64, actor Actor) (*Contact, error) {
	c, err := s.openContact(ctx, id)
	if err != nil {
		return nil, err
	}
	answer = strings.TrimSpace(answer)
	if entryID > 0 {
		e, err := s.UseEntry(ctx, entryID, nil, &c.ID, actor)
		if err != nil {
			return nil, err
		}
		if answer == "" {
			answer = e.Body
		}
	}
	var v apperr.Validation
	if v.Required("answer", answer) {
		v.Text("answer", answer, complaint.MaxDescription)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	guard := deps.Guard
	if guard == nil {
		guard = s.CheckOutgoing
	}
	if err := guard(ctx, answer); err != nil {
		return nil, err
	}
	now := s.now()
	c.Answer, c.Status, c.AnsweredAt = answer, ContactAnswered, &now
	if err := s.Store.UpdateContact(ctx, c, ContactEvent{Kind: "answered", Body: answer, ByUserID: userID(actor), ByName: actor.Audit.Name, At: now}, actor.Audit); err != nil {
		return nil, err
	}
	return c, nil
}

// CloseContact closes a contact without answer or conversion.
func (s *Service) CloseContact(ctx context.Context, id int64, note string, actor Actor) (*Contact, error) {
	c, err := s.openContact(ctx, id)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	var v apperr.Validation
	v.Text("note", note, 500)
	if err := v.Err(); err != nil {
		return nil, err
	}
	c.Status = ContactClosed
	if err := s.Store.UpdateContact(ctx, c, ContactEvent{Kind: "closed", Body: note, ByUserID: userID(actor), ByName: actor.Audit.Name, At: s.now()}, actor.Audit); err != nil {
		return nil, err
	}
	return c, nil
}

// ConvertContact turns a contact into a complaint through the intake
// service. The complaint's description carries the contact's history, and
// the contact keeps a link to the complaint.
func (s *Service) ConvertContact(ctx context.Context, deps ContactDeps, id int64, actor Actor) (*Contact, *complaint.Complaint, error) {
	c, err := s.openContact(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if deps.Intake == nil {
		return nil, nil, apperr.New(apperr.Unavailable, "complaint intake is not available")
	}
	evs, err := s.Store.ContactEvents(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	b.WriteString(c.Question)
	b.WriteString("\n\n—— 来电记录 / contact history ——\n")
	for _, e := range evs {
		b.WriteString(e.At.In(s.loc()).Format("2006-01-02 15:04"))
		b.WriteString(" ")
		b.WriteString(e.Kind)
		if e.ByName != "" {
			b.WriteString(" (" + e.ByName + ")")
		}
		if e.Body != "" && e.Kind != "created" {
			b.WriteString(": " + e.Body)
		}
		b.WriteString("\n")
	}
	desc := b.String()
	if r := []rune(desc); len(r) > complaint.MaxDescription {
		desc = string(r[:complaint.MaxDescription])
	}
	cm := &complaint.Complaint{Channel: c.Channel, ReceivedAt: c.CreatedAt, Subject: c.Subject, Description: desc,
		Complainant: complaint.Complainant{Name: c.Name, Phone: c.Phone, Email: c.Email, Company: c.Company}}
	if err := deps.Intake(ctx, cm, actor.Audit); err != nil {
		return nil, nil, err
	}
	cid := cm.ID
	c.ComplaintID, c.Status = &cid, ContactConverted
	if err := s.Store.UpdateContact(ctx, c, ContactEvent{Kind: "converted", Body: cm.Number, ByUserID: userID(actor), ByName: actor.Audit.Name, At: s.now()}, actor.Audit); err != nil {
		return nil, nil, err
	}
	return c, cm, nil
}
