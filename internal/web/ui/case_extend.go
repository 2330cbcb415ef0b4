package ui

import (
	"net/http"

	"kesu/internal/casework"
	"kesu/internal/sla"
)

// caseExtend moves a time limit's due time with the customer's recorded
// consent (000 §4.5.2) through the case service, which refuses it without
// who, when and how.
func (h *handler) caseExtend(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	e := casework.Extension{Policy: r.PathValue("policy"), Reason: d.str("reason"),
		Consent: sla.Consent{By: d.str("consent.by"), How: d.str("consent.how")}}
	if t := d.datetime("due_at"); t != nil {
		e.DueAt = *t
	}
	if t := d.datetime("consent.at"); t != nil {
		e.Consent.At = *t
	}
	if err := d.err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if err := h.d.Cases.Extend(r.Context(), id, e, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "clocks")
}
