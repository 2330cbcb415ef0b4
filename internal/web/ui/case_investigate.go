package ui

import (
	"net/http"
)

// caseInvestigate records a fact found while investigating (WF-2) on the
// internal timeline.
func (h *handler) caseInvestigate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.sameVersion(r, id); err != nil {
		h.refused(w, r, id, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	if _, err := h.d.Cases.Investigate(r.Context(), id, d.str("kind"), d.str("body"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "investigation")
}
