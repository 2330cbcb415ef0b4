package api

import (
	"net/http"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// maxNotifications bounds one inbox page.
const maxNotifications = 200

// notificationList is the signed-in user's in-app notifications, newest
// first, with how many are unread.
type notificationList struct {
	Items  []sla.Notice `json:"items"`
	Unread int          `json:"unread"`
}

func (a *api) myNotifications(w http.ResponseWriter, r *http.Request) {
	if a.d.Inbox == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no inbox"))
		return
	}
	uid := web.PrincipalOf(r).User.ID
	q := &query{r: r}
	unread := q.boolean("unread")
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	items, err := a.d.Inbox.Notifications(r.Context(), uid, unread != nil && *unread, maxNotifications)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	n, err := a.d.Inbox.UnreadCount(r.Context(), uid)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if items == nil {
		items = []sla.Notice{}
	}
	web.WriteJSON(w, http.StatusOK, notificationList{Items: items, Unread: n})
}

func (a *api) readNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if a.d.Inbox == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no inbox"))
		return
	}
	if err := a.d.Inbox.MarkRead(r.Context(), web.PrincipalOf(r).User.ID, id); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
