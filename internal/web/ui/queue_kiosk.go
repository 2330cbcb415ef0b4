package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// How long the kiosk's "take your ticket" screen stays before the service
// buttons come back by themselves, in seconds. A kiosk's address may set
// it (?return=N) within the bounds: long enough to take the ticket, short
// enough that the next customer finds the buttons.
const (
	kioskReturnDefault = 12
	kioskReturnMin     = 2
	kioskReturnMax     = 60
)

// kioskReturn reads a kiosk's return time; "" or a non-number is the
// default, and a number outside the bounds is brought within them.
func kioskReturn(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return kioskReturnDefault
	}
	return min(max(n, kioskReturnMin), kioskReturnMax)
}

// kioskReturnParam is the return time a kiosk's address or form gave,
// within the bounds, or "" when none was given.
func kioskReturnParam(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return strconv.Itoa(kioskReturn(s))
}

// kioskData is the kiosk: the branch's services, and the return time its
// address set ("" for the default), which its ticket forms pass on.
type kioskData struct {
	*queueData
	ReturnAfter string
}

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
	p.D = &kioskData{queueData: d, ReturnAfter: kioskReturnParam(r.URL.Query().Get("return"))}
	h.render(w, http.StatusOK, "screen", "queue_kiosk", p)
}

// kioskTicketData is the screen a kiosk shows once a ticket is taken: the
// ticket to print, with its holder's page as a QR code and as text on the
// paper only, and the way back to the service buttons.
type kioskTicketData struct {
	*queue.Issued
	Documents []string
	URL       string       // the holder's ticket page, token included
	QR        template.URL // URL as a QR code (PNG data URL)
	Back      string       // the kiosk's service buttons
	After     int          // seconds before the screen goes back by itself
}

// queueIssue takes a ticket from the kiosk or the online form. Online, it
// shows the customer's ticket page; at a kiosk, a screen that prints the
// ticket and goes back to the service buttons.
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
			if channel == "kiosk" {
				p := h.newPage(r, "queue.kiosk")
				ret := kioskReturnParam(f.Get("return"))
				p.Path = kioskPath(id, "", ret)
				formErrors(p, err)
				p.D = &kioskData{queueData: d, ReturnAfter: ret}
				h.render(w, http.StatusUnprocessableEntity, "screen", "queue_kiosk", p)
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
	if channel == "kiosk" {
		h.kioskTicket(w, r, iss)
		return
	}
	q := url.Values{"t": {iss.Token}}
	http.Redirect(w, r, "/queue/tickets/"+strconv.FormatInt(iss.Ticket.ID, 10)+"?"+q.Encode(), http.StatusSeeOther)
}

// kioskTicket answers a ticket taken at a kiosk. The kiosk is shared, so
// the holder's page and its token leave it only on the printed ticket: the
// screen shows the number and the way back, no link and no complaint form,
// and the response is not a redirect, so the token is in no address the
// kiosk keeps in its history or sends as a referrer.
func (h *handler) kioskTicket(w http.ResponseWriter, r *http.Request, iss *queue.Issued) {
	lang := web.Lang(r)
	d := &kioskTicketData{Issued: iss, Documents: typeDocuments(iss.Type, lang),
		URL:   ticketURL(h.d.BaseURL, iss.Ticket.ID, iss.Token),
		After: kioskReturn(r.PostForm.Get("return"))}
	ret := kioskReturnParam(r.PostForm.Get("return"))
	d.Back = kioskPath(iss.Branch.ID, lang, ret)
	qr, err := qrDataURL(d.URL)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.QR = qr
	p := h.newPage(r, "queue.kiosk_take")
	p.Title = iss.Ticket.Number + " · " + p.Title
	// The language switch leads to the kiosk, not to this answer to a post.
	p.Path = kioskPath(iss.Branch.ID, "", ret)
	p.Return, p.ReturnAfter = d.Back, d.After
	p.D = d
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.render(w, http.StatusOK, "screen", "queue_kiosk_ticket", p)
}

// kioskPath is the kiosk of branch id in lang ("": the visitor's) with its
// return time ("": the default).
func kioskPath(id int64, lang, ret string) string {
	q := url.Values{}
	if lang != "" {
		q.Set("lang", lang)
	}
	if ret != "" {
		q.Set("return", ret)
	}
	p := "/queue/branches/" + strconv.FormatInt(id, 10) + "/kiosk"
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// ticketURL is the holder's ticket page at the server's public address,
// token included: what the printed ticket carries.
func ticketURL(base string, id int64, token string) string {
	return strings.TrimRight(base, "/") + "/queue/tickets/" + strconv.FormatInt(id, 10) + "?" + url.Values{"t": {token}}.Encode()
}
