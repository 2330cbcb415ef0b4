package ui

import (
	"net/http"
	"net/url"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// ticketData is the ticket page: the ticket, its place in line and the
// documents to prepare.
type ticketData struct {
	*queue.TicketView
	Token     string
	Print     bool
	Documents []string
	Waited    int // minutes since the ticket was taken
}

func (h *handler) loadTicket(r *http.Request) (*ticketData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	tok := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		tok = r.PostForm.Get("t")
	}
	v, err := h.d.Queue.View(r.Context(), id, tok)
	if err != nil {
		return nil, err
	}
	d := &ticketData{TicketView: v, Token: tok, Print: r.URL.Query().Get("print") == "1", Documents: typeDocuments(v.Type, web.Lang(r))}
	end := h.d.Now()
	if v.Ticket.CalledAt != nil {
		end = *v.Ticket.CalledAt
	}
	d.Waited = int(end.Sub(v.Ticket.IssuedAt).Minutes())
	return d, nil
}

// queueTicket is the customer's ticket: number, type, people ahead and
// estimated wait, printable, with a complaint form for a waiting customer.
func (h *handler) queueTicket(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadTicket(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.ticket")
	p.Title = d.Ticket.Number + " · " + p.Title
	w.Header().Set("Referrer-Policy", "no-referrer") // the address carries the token
	if r.URL.Query().Get("filed") != "" {
		p.Flash = web.T(p.L, "queue.complaint_filed", r.URL.Query().Get("filed"))
	}
	p.D = d
	h.render(w, http.StatusOK, "queue", "queue_ticket", p)
}

// queueComplaint files a complaint from the ticket page through the
// complaint intake, linked to the visit: branch, service type, ticket and
// minutes waited. It runs the bank lifecycle.
func (h *handler) queueComplaint(w http.ResponseWriter, r *http.Request) {
	if err := web.CrossOrigin.Check(r); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Forbidden, err, "cross-origin form post"))
		return
	}
	if !h.public.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "public form rate limit"))
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	if r.PostForm.Get(honeypot) != "" {
		h.fail(w, r, &apperr.Error{Code: web.BadRequest, Message: "honeypot filled"})
		return
	}
	d, err := h.loadTicket(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.ticket")
	w.Header().Set("Referrer-Policy", "no-referrer")
	p.F = r.PostForm
	p.D = d
	if d.Ticket.ComplaintID != nil {
		h.fail(w, r, apperr.New(apperr.Conflict, "a complaint was filed from this ticket already"))
		return
	}
	f := r.PostForm
	c := queue.VisitComplaint(*d.TicketView, d.Waited, web.Lang(r))
	c.Description = strings.TrimSpace(f.Get("description")) + "\n\n" + c.Description
	c.Complainant = complaint.Complainant{Name: strings.TrimSpace(f.Get("complainant.name")), Phone: strings.TrimSpace(f.Get("complainant.phone"))}
	if c.Complainant.Phone == "" {
		c.Complainant.Phone = d.Ticket.Phone
	}
	var v apperr.Validation
	v.Required("complainant.name", c.Complainant.Name)
	v.Required("complainant.phone", c.Complainant.Phone)
	v.Required("description", f.Get("description"))
	if err := v.Err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "queue", "queue_ticket", p)
		return
	}
	if _, err := h.d.Complaints.Create(r.Context(), c, complaint.CreateOptions{Actor: web.Actor(r), Profile: queue.ComplaintProfile}); err != nil {
		if formErrors(p, err) {
			h.render(w, http.StatusUnprocessableEntity, "queue", "queue_ticket", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	// The complaint is registered: the customer gets its receipt and
	// acknowledgement whatever happens to the link. A ticket links one
	// complaint; a second filed from it at the same moment stays unlinked,
	// its description naming the visit.
	if err := h.d.Queue.LinkComplaint(r.Context(), d.Ticket.ID, d.Token, c.ID); err != nil && h.d.Log != nil {
		h.d.Log.Warn("complaint from a ticket not linked", "ticket", d.Ticket.ID, "complaint", c.Number, "err", err)
	}
	if h.d.Registered != nil {
		h.d.Registered(r.Context(), c)
	}
	http.Redirect(w, r, "/complaint/receipt?"+url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode(), http.StatusSeeOther)
}
