package ui

import (
	"errors"
	"net/http"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/web"
)

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.login")
	p.F.Set("next", localPath(r.URL.Query().Get("next"), "/complaints"))
	h.render(w, http.StatusOK, "public", "login", p)
}

// login signs a user in with a session cookie. There is no session yet, so
// the cross-origin check stands in for the CSRF token.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if err := web.CrossOrigin.Check(r); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Forbidden, err, "cross-origin login"))
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.login")
	username := r.PostFormValue("username")
	p.F.Set("username", username)
	p.F.Set("next", localPath(r.PostFormValue("next"), "/complaints"))
	sess, tok, user, err := h.d.Auth.Login(r.Context(), username, r.PostFormValue("password"), web.ClientIP(r))
	if err != nil {
		status := web.Status(apperr.CodeOf(err))
		var ae *apperr.Error
		switch {
		case apperr.Is(err, apperr.TooMany) && errors.As(err, &ae) && len(ae.Fields) > 0 && ae.Fields[0].Rule == auth.RuleThrottled:
			p.Error = web.T(p.L, "sec.login_throttled")
		case apperr.Is(err, apperr.TooMany) && errors.As(err, &ae) && len(ae.Fields) > 0:
			p.Error = web.T(p.L, "ui.login_locked")
		case apperr.Is(err, apperr.Unauthorized):
			p.Error = web.T(p.L, "ui.login_failed")
		default:
			h.fail(w, r, err)
			return
		}
		h.render(w, status, "public", "login", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: tok, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.d.SecureCookies})
	if _, err := r.Cookie(web.LangCookie); err != nil && (user.Lang == "en" || user.Lang == "zh") {
		http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: user.Lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.d.SecureCookies})
	}
	http.Redirect(w, r, p.F.Get("next"), http.StatusSeeOther)
}
