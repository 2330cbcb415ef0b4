package ui

import (
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/web"
)

// contactsView is the contacts page (OPS-5): enquiries and price or
// market questions that are not complaints, this month's counts beside
// the complaint statistics, and the form to log one.
type contactsView struct {
	Kind, Status string
	Items        []desk.Contact
	Stats        *desk.ContactStats
	Kinds        []string
	Channels     []string
	Work         bool
}

// contactView is one contact with its history and the answers the
// knowledge base offers.
type contactView struct {
	C               *desk.Contact
	History         []desk.ContactEvent
	ComplaintNumber string
	Department      string
	Query           string
	Suggestions     []desk.Entry
	Work, Convert   bool
}

func (h *handler) contactList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.contacts")
	h.showContacts(w, r, p, http.StatusOK)
}

func (h *handler) showContacts(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ctx, q := r.Context(), r.URL.Query()
	v := &contactsView{Kind: q.Get("kind"), Status: q.Get("status"), Kinds: desk.ContactKinds, Channels: complaint.Channels.Codes()}
	if p.User != nil {
		v.Work = canDo(p.User.Role, "desk.work")
	}
	var err error
	if v.Items, err = h.d.Desk.Contacts(ctx, desk.ContactFilter{Kind: v.Kind, Status: v.Status}); err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.d.Desk.Clock().In(h.d.Desk.Location())
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	if v.Stats, err = h.d.Desk.ContactStats(ctx, first, first.AddDate(0, 1, 0)); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav, p.D = "contacts", v
	h.render(w, status, "staff", "contacts", p)
}

// contactCreate logs a contact; it is routed by its kind.
func (h *handler) contactCreate(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	c := &desk.Contact{Kind: f.Get("kind"), Channel: f.Get("channel"), Name: f.Get("name"), Phone: f.Get("phone"), Email: f.Get("email"),
		Company: f.Get("company"), Subject: f.Get("subject"), Question: f.Get("question")}
	if err := h.d.Desk.LogContact(r.Context(), h.d.DeskContacts, c, caseActor(r)); err != nil {
		p := h.newPage(r, "ui.contacts")
		p.F = f
		deskError(p, err)
		h.showContacts(w, r, p, web.Status(apperr.CodeOf(err)))
		return
	}
	http.Redirect(w, r, "/contacts/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

func (h *handler) contactShow(w http.ResponseWriter, r *http.Request) {
	h.showContact(w, r, h.newPage(r, "ui.contacts"), http.StatusOK)
}

func (h *handler) showContact(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.d.Desk.Contact(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &contactView{C: c, Query: r.URL.Query().Get("kb")}
	if p.User != nil {
		v.Work = canDo(p.User.Role, "desk.work")
		v.Convert = canDo(p.User.Role, "complaint.create")
	}
	if v.History, err = h.d.Desk.ContactEvents(ctx, id); err != nil {
		h.fail(w, r, err)
		return
	}
	// A routing names the department by its code: say its name.
	depts, err := h.d.Org.ListDepartments(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i, ev := range v.History {
		for _, d := range depts {
			if ev.Kind == "routed" && ev.Body == d.Code {
				v.History[i].Body = d.Name
				if p.L == "en" && d.NameEN != "" {
					v.History[i].Body = d.NameEN
				}
			}
		}
	}
	if c.ComplaintID != nil {
		if cm, err := h.d.ComplaintStore.Get(ctx, *c.ComplaintID); err == nil {
			v.ComplaintNumber = cm.Number
		}
	}
	if c.DepartmentID != nil {
		if d, err := h.d.Org.GetDepartment(ctx, *c.DepartmentID); err == nil {
			v.Department = d.Name
			if p.L == "en" && d.NameEN != "" {
				v.Department = d.NameEN
			}
		}
	}
	q := v.Query
	if q == "" {
		q = c.Subject
	}
	// Canned answers: internal entries are never offered.
	if v.Suggestions, err = h.d.Desk.Search(ctx, desk.KBQuery{Text: q, PublicOnly: true, Limit: 5}); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav, p.Title, p.D = "contacts", c.Subject, v
	h.render(w, status, "staff", "contact_show", p)
}

// contactStep answers, closes or converts a contact.
func (h *handler) contactStep(w http.ResponseWriter, r *http.Request) {
	ctx, actor, f := r.Context(), caseActor(r), r.PostForm
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch r.PathValue("form") {
	case "answer":
		entry, _ := strconv.ParseInt(f.Get("entry_id"), 10, 64)
		_, err = h.d.Desk.AnswerContact(ctx, h.d.DeskContacts, id, f.Get("answer"), entry, actor)
	case "close":
		_, err = h.d.Desk.CloseContact(ctx, id, f.Get("note"), actor)
	case "convert":
		if actor.User == nil || !canDo(actor.User.Role, "complaint.create") {
			err = apperr.New(apperr.Forbidden, "registering complaints is not allowed")
			break
		}
		var cm *complaint.Complaint
		if _, cm, err = h.d.Desk.ConvertContact(ctx, h.d.DeskContacts, id, actor); err == nil {
			if h.d.Registered != nil {
				h.d.Registered(ctx, cm)
			}
			http.Redirect(w, r, "/complaints/"+strconv.FormatInt(cm.ID, 10), http.StatusSeeOther)
			return
		}
	default:
		h.fail(w, r, apperr.New(apperr.NotFound, "no form"))
		return
	}
	if err != nil {
		p := h.newPage(r, "ui.contacts")
		p.F = f
		deskError(p, err)
		h.showContact(w, r, p, web.Status(apperr.CodeOf(err)))
		return
	}
	http.Redirect(w, r, "/contacts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
