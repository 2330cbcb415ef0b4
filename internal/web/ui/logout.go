package ui

import (
	"net/http"

	"kesu/internal/auth"
	"kesu/internal/web"
)

// logout ends the session and clears its cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
		if err := h.d.AuthStore.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.d.SecureCookies})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
