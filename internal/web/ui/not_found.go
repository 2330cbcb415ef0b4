package ui

import (
	"net/http"
	"strings"

	"kesu/internal/web"
)

// notFound answers a path no page has: a page in the site's layout that
// says so and offers the way back.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	if h.mux != nil {
		if allow := web.OtherMethods(h.mux, r, "/"); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			h.fail(w, r, web.NotAllowed(r.Method, allow))
			return
		}
	}
	p := h.newPage(r, "desk.not_found")
	p.D = strings.TrimSpace(r.URL.Path)
	layout := "public"
	if p.User != nil {
		layout = "staff"
	}
	h.render(w, http.StatusNotFound, layout, "not_found", p)
}

// favicon is the site's icon; browsers ask for it at this path.
func (h *handler) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}
