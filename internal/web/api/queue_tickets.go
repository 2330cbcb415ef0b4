package api

import (
	"net/http"

	"kesu/internal/apperr"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// issueTicket takes a ticket online or at a kiosk (QUE-2), public. The
// answer carries the ticket's token: the holder's key to its page.
func (a *api) issueTicket(w http.ResponseWriter, r *http.Request) {
	if !a.ticketRate.Allow(web.ClientIP(r)) {
		web.WriteError(w, r, apperr.New(apperr.TooMany, "too many tickets from this address"))
		return
	}
	var in queue.IssueRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.Lang == "" {
		in.Lang = web.Lang(r)
	}
	iss, err := a.d.Queue.Issue(r.Context(), in)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, iss)
}

// getTicket shows a ticket to the holder of its token: status, people
// ahead, estimated wait, the counter that called it.
func (a *api) getTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	v, err := a.d.Queue.View(r.Context(), id, r.URL.Query().Get("token"))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, v)
}
