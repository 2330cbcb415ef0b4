package casework

import (
	"context"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
)

// MaxNote bounds a note or a reply, in characters.
const MaxNote = 5000

// Edit writes changed fields of the complaint's own record (triage:
// category, severity, safety, department; complainant; product …). c is
// the complaint as it should be, validated by the caller, at the version
// the actor read; changes lists what differs. Moving the case to another
// department needs case.assign. A finished case changes only as an
// administrator's correction (case.correct) with a reason, which the
// timeline marks as such.
func (s *Service) Edit(ctx context.Context, c *complaint.Complaint, changes []complaint.Change, reason string, actor Actor) (*Record, error) {
	r, err := s.Store.Load(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	correction := s.final(r)
	if correction && !actor.Public && auth.ScopeOf(actor.User.Role, auth.CaseCorrect) == auth.ScopeNone {
		// An ordinary editor learns what blocks them: the case is finished.
		if err := s.authorize(ctx, actor, r, auth.ComplaintEdit); err != nil {
			return nil, err
		}
		return nil, s.mayWrite(actor, r, false)
	}
	perm := auth.ComplaintEdit
	if correction {
		perm = auth.CaseCorrect
	}
	if err := s.authorize(ctx, actor, r, perm); err != nil {
		return nil, err
	}
	if err := s.mayWrite(actor, r, correction); err != nil {
		return nil, err
	}
	if err := staleCheck(r, c.Version); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var v apperr.Validation
	if correction && v.Required("correction_reason", reason) {
		v.Text("correction_reason", reason, 2000)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Moving the case to another department, or naming another first
	// receiver (whose case it then is, 首问负责), is assignment.
	if (!samePtr(r.DepartmentID, c.DepartmentID) || !samePtr(r.FirstReceiverID, c.FirstReceiverID)) && !correction {
		if err := s.authorize(ctx, actor, r, auth.CaseAssign); err != nil {
			return nil, err
		}
	}
	if len(changes) == 0 {
		return r, nil
	}
	before := cloneRecord(r)
	r.Category, r.Severity, r.Safety, r.DepartmentID = c.Category, c.Severity, c.Safety, c.DepartmentID
	c.Status = r.Status
	w := Write{Action: "complaint.update", Complaint: c, Changes: changes,
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: complaint.EventChanged, Data: map[string]any{"changes": changes}}}
	if correction {
		w.Action = "complaint.correct"
		w.Event.Kind = EventCorrection
		w.Event.Data["reason"] = reason
	}
	return r, s.commit(ctx, before, r, &w, actor)
}

// EventCorrection marks a timeline entry that changed a finished case.
const EventCorrection = "correction"

// Note adds an internal note, or, public, a reply the complainant sees on
// the tracking page.
func (s *Service) Note(ctx context.Context, complaintID int64, body string, public bool, actor Actor) (*complaint.Event, error) {
	return s.note(ctx, complaintID, body, public, false, actor)
}

// NoteSent adds a public note and sends its text to the complainant by
// their channel (email, or SMS to a complainant who gave only a phone
// number), queued with the note.
func (s *Service) NoteSent(ctx context.Context, complaintID int64, body string, actor Actor) (*complaint.Event, error) {
	return s.note(ctx, complaintID, body, true, true, actor)
}

func (s *Service) note(ctx context.Context, complaintID int64, body string, public, send bool, actor Actor) (*complaint.Event, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	var v apperr.Validation
	if v.Required("body", body) {
		v.Text("body", body, MaxNote)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	kind := complaint.EventNote
	if public {
		kind = complaint.EventReply
		if s.OutgoingGuard != nil {
			if err := s.OutgoingGuard(ctx, body); err != nil {
				return nil, err
			}
		}
	}
	before := cloneRecord(r)
	w := Write{Action: "complaint.event." + kind, Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: kind,
		Public: public, Body: body}}
	if send && s.ReplyJob != nil {
		j, err := s.ReplyJob(ctx, r, "note", body)
		if err != nil {
			return nil, err
		}
		if j != nil {
			w.Jobs = append(w.Jobs, j)
			w.Event.Data = map[string]any{"sent_by": j.Kind, "channel": "customer"}
		}
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return &w.Event, nil
}

// Attach stores a file on the case. Files the complainant adds, or staff
// mark public, show on the tracking page. Whoever registered a complaint
// may attach the files that came with it while it is still registered.
func (s *Service) Attach(ctx context.Context, a *complaint.Attachment, actor Actor) error {
	r, err := s.beginWith(ctx, a.ComplaintID, 0, actor, func(r *Record) auth.Permission {
		if !actor.Public && r.FirstReceiverID != nil && *r.FirstReceiverID == actor.User.ID && r.Status == s.Definition(r).Initial {
			return auth.ComplaintCreate
		}
		return auth.ComplaintUpdate
	}, false)
	if err != nil {
		return err
	}
	if actor.Public {
		a.Public = true
	}
	before := cloneRecord(r)
	w := Write{Action: "complaint.attachment", Attachment: a,
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: complaint.EventAttachment, Public: a.Public,
			Data: map[string]any{"name": a.Name, "size": a.Size, "sha256": a.SHA256}}}
	return s.commit(ctx, before, r, &w, actor)
}

// CustomerReply records the complainant's message from the tracking page
// on the public timeline. A finished case takes no more messages there.
func (s *Service) CustomerReply(ctx context.Context, complaintID int64, body string, actor Actor) error {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	var v apperr.Validation
	if v.Required("body", body) {
		v.Text("body", body, MaxNote)
	}
	if err := v.Err(); err != nil {
		return err
	}
	before := cloneRecord(r)
	w := Write{Action: "complaint.event.reply", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(),
		Kind: complaint.EventReply, Public: true, Body: body, Data: map[string]any{"from": "complainant"}}}
	return s.commit(ctx, before, r, &w, actor)
}

// Link kinds.
const (
	LinkDuplicate = "duplicate"
	LinkRepeat    = "repeat"
	LinkMerged    = "merged"
)

// Link records that a case is a duplicate or repeat of another complaint
// the actor may read; the other complaint is not changed. Linking the
// same pair twice changes nothing.
func (s *Service) Link(ctx context.Context, fromID, toID int64, kind string, actor Actor) error {
	var v apperr.Validation
	v.OneOf("kind", kind, []string{LinkDuplicate, LinkRepeat})
	if fromID == toID {
		v.Add("to_id", "self_reference", "")
	}
	if err := v.Err(); err != nil {
		return err
	}
	r, err := s.begin(ctx, fromID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return err
	}
	if _, err := s.Read(ctx, toID, actor); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			v.Add("to_id", "not_found", "")
			return v.Err()
		}
		return err
	}
	if ok, err := s.Store.Linked(ctx, fromID, toID, kind); err != nil || ok {
		return err
	}
	before := cloneRecord(r)
	w := Write{Action: "complaint.link", Link: &Link{ToID: toID, Kind: kind},
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "linked", Data: map[string]any{"kind": kind, "to_id": toID}}}
	return s.commit(ctx, before, r, &w, actor)
}

// SystemEvents records facts kesu's own jobs brought about (letters sent)
// on their cases' timelines in one write. A fact changes nothing of a case,
// so it is recorded whatever the case's state and moves no version.
func (s *Service) SystemEvents(ctx context.Context, evs []complaint.Event) error {
	now := s.Now()
	for i := range evs {
		if evs[i].At.IsZero() {
			evs[i].At = now
		}
	}
	return s.Store.RecordFacts(ctx, evs, audit.System)
}

// SystemEvent records a fact kesu's own jobs brought about (the
// acknowledgement letter sent) on the case's timeline. It records what
// happened, so it is written whatever the case's state, retried on a
// concurrent change rather than lost.
func (s *Service) SystemEvent(ctx context.Context, complaintID int64, e complaint.Event) error {
	actor := Actor{User: &org.User{Username: "system"}, Audit: audit.System}
	for attempt := 0; ; attempt++ {
		r, err := s.Store.Load(ctx, complaintID)
		if err != nil {
			return err
		}
		before := cloneRecord(r)
		e.ComplaintID, e.At = complaintID, s.Now()
		w := Write{Action: "complaint.event." + e.Kind, Event: e}
		err = s.commit(ctx, before, r, &w, actor)
		if err == nil || !apperr.Is(err, apperr.Conflict) || attempt == 4 {
			return err
		}
	}
}
