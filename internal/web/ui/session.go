package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/web"
)

func canDo(role, perm string) bool { return auth.Can(role, auth.Permission(perm)) }

// maxForm bounds a form body: the files it may carry plus the text.
func (h *handler) maxForm() int64 { return MaxFiles*h.d.MaxUpload + 1<<20 }

// staff wraps a page for signed-in staff with perm. Unlike web.Require it
// answers in HTML: to the sign-in page when nobody is signed in, an error
// page otherwise. State-changing requests must carry the session's CSRF
// token.
func (h *handler) staff(perm auth.Permission, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalOf(r)
		if p == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, apperr.New(apperr.Unauthorized, "sign-in required"))
			return
		}
		if web.MustChangePassword(r) {
			// A generated password signs in only to be changed.
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/account", http.StatusSeeOther)
				return
			}
			h.fail(w, r, web.ErrChangePassword)
			return
		}
		if perm != "" && !auth.Can(p.User.Role, perm) {
			h.fail(w, r, apperr.New(apperr.Forbidden, "role %s may not %s", p.User.Role, perm))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := h.parseForm(w, r); err != nil {
				h.fail(w, r, err)
				return
			}
			if p.Session != nil && !web.CSRFValid(r, p.Session) {
				h.fail(w, r, apperr.New(apperr.Forbidden, "missing or wrong CSRF token"))
				return
			}
		}
		fn(w, r)
	}
}

// parseForm reads a URL-encoded or multipart body within the size bound.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, h.maxForm())
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(4 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apperr.Error{Code: apperr.TooLarge, Message: "form too large", Err: err}
	}
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return &apperr.Error{Code: web.BadRequest, Message: "malformed form", Err: err}
	}
	return web.CheckForm(r)
}

// setLanguage remembers the chosen language in a cookie and goes back.
func (h *handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if lang != "en" {
		lang = "zh"
	}
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.d.SecureCookies})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/complaints"), http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, else def: a
// redirect parameter must not send people elsewhere.
func localPath(next, def string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return def
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	// The lang parameter is in the cookie now; drop it so the link stays
	// switchable.
	u, _ := url.Parse(next)
	q := u.Query()
	if q.Has("lang") {
		q.Del("lang")
		u.RawQuery = q.Encode()
	}
	return u.RequestURI()
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "bad id %q", r.PathValue(name))
	}
	return id, nil
}
