package ui

import "net/http"

// publicLetter shows the acknowledgement letter to the complainant, given
// the number and the tracking code.
func (h *handler) publicLetter(w http.ResponseWriter, r *http.Request) {
	c, err := h.lookup(r, r.URL.Query().Get("n"), r.URL.Query().Get("c"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderLetter(w, r, c)
}
