package casework

import (
	"context"
	"strings"
	"unicode/utf8"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
)

// Mail is what the complainant sent by e-mail to their case: the text (of
// a reply; empty for the first mail, whose text is the description) and
// the files, with the mail's Message-ID.
type Mail struct {
	MessageID string
	From      string
	Body      string
	Files     []*complaint.Attachment
}

// EventMail marks the files of the mail that registered a complaint.
const EventMail = "mail_files"

// MailIn records a complainant's mail on their own case (actor is the
// complainant, PublicActor): a reply's text as the complainant's message
// on the public timeline, and the files, in one write. A finished case
// records it too — what the complainant wrote is a fact staff must see,
// and whether it reopens the case is theirs to decide.
func (s *Service) MailIn(ctx context.Context, complaintID int64, m Mail, actor Actor) (*complaint.Event, error) {
	if !actor.Public {
		return nil, forbidden("actor", RuleNotComplainant, "", "mail is recorded as the complainant's")
	}
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, true)
	if err != nil {
		return nil, err
	}
	body := strings.TrimSpace(m.Body)
	if utf8.RuneCountInString(body) > MaxNote {
		body = string([]rune(body)[:MaxNote-1]) + "…"
	}
	if body == "" && len(m.Files) == 0 {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "empty mail",
			Fields: []apperr.FieldError{{Field: "body", Rule: "required"}}}
	}
	names := make([]string, 0, len(m.Files))
	for _, f := range m.Files {
		f.ComplaintID, f.Public = r.ComplaintID, true
		names = append(names, f.Name)
	}
	data := map[string]any{"from": "complainant", "channel": "email", "message_id": m.MessageID, "sender": m.From}
	if len(names) > 0 {
		data["files"] = names
	}
	kind := complaint.EventReply
	if body == "" {
		kind = EventMail
	}
	before := cloneRecord(r)
	w := Write{Action: "complaint.event.mail", Files: m.Files,
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: kind, Public: true, Body: body, Data: data}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return &w.Event, nil
}
