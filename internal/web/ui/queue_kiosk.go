package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// queueKiosk is the touch screen where customers take a ticket: one large
// button per service type with the documents it needs.
func (h *handler) queueKiosk(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadQueueBranch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.kiosk")
	p.Title = branchName(d.Branch, p.L) + " · " + p.Title
	p.D = d
	h.render(w, http.StatusOK, "screen", "queue_kiosk", p)
}

// queueIssue takes a ticket from the kiosk or the online form and shows
// the printable ticket.
func (h *handler) queueIssue(w http.ResponseWriter, r *http.Request) {
	if err := web.CrossOrigin.Check(r); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Forbidden, err, "cross-origin form post"))
		return
	}
	if !h.tickets.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "ticket rate limit"))
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := r.PostForm
	typ, _ := strconv.ParseInt(f.Get("type_id"), 10, 64)
	remind, _ := strconv.Atoi(strings.TrimSpace(f.Get("remind_ahead")))
	channel := "online"
	if f.Get("channel") == "kiosk" {
		channel = "kiosk"
	}
	iss, err := h.d.Queue.Issue(r.Context(), queue.IssueRequest{BranchID: id, TypeID: typ, Channel: channel, Lang: web.Lang(r),
		Phone: f.Get("phone"), RemindAhead: remind})
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			d, lerr := h.loadQueueBranch(r)
			if lerr != nil {
				h.fail(w, r, lerr)
				return
			}
			p := h.newPage(r, "queue.live")
			p.F = f
			formErrors(p, err)
			p.D = d
			h.render(w, http.StatusUnprocessableEntity, "queue", "queue_live", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	q := url.Values{"t": {iss.Token}}
	if channel == "kiosk" {
		q.Set("print", "1")
	}
	http.Redirect(w, r, "/queue/tickets/"+strconv.FormatInt(iss.Ticket.ID, 10)+"?"+q.Encode(), http.StatusSeeOther)
}
