package ui

import (
	"net/http"

	"kesu/internal/apperr"
	"kesu/internal/web"
)

// inbox lists the signed-in user's in-app notifications, newest first;
// ?unread=1 shows only the unread ones.
func (h *handler) inbox(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.inbox")
	p.Nav = "inbox"
	if h.d.Inbox == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no inbox"))
		return
	}
	unread := r.URL.Query().Get("unread") != ""
	items, err := h.d.Inbox.Notifications(r.Context(), p.User.ID, unread, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := h.noticeNames()
	for i := range items {
		items[i].Title = noticeText(items[i].Title, p.L, names)
		items[i].Body = noticeText(items[i].Body, p.L, names)
	}
	p.D = struct {
		Items      any
		UnreadOnly bool
	}{items, unread}
	h.render(w, http.StatusOK, "staff", "inbox", p)
}

// inboxRead marks one notification read and goes back to the inbox.
func (h *handler) inboxRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.d.Inbox == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no inbox"))
		return
	}
	if err := h.d.Inbox.MarkRead(r.Context(), web.PrincipalOf(r).User.ID, id); err != nil {
		h.fail(w, r, err)
		return
	}
	back := "/inbox"
	if r.FormValue("unread") != "" {
		back += "?unread=1"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
