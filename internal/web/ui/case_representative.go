package ui

import (
	"net/http"
)

// caseRepresentative flags a representative quality problem (004 §6.4):
// QA, R&D, production and the GM are told.
func (h *handler) caseRepresentative(w http.ResponseWriter, r *http.Request) {
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
	if _, _, err := h.d.Cases.FlagRepresentative(r.Context(), id, d.str("note"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "investigation")
}
