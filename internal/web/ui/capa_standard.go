package ui

import (
	"net/http"

	"kesu/internal/casework"
)

// capaStandardUpdates lists effective CAPA actions flagged to go into the
// standard, for the quality manager (000 §4.6.2).
func (h *handler) capaStandardUpdates(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := h.newPage(r, "ui.standard_updates")
	p.Nav = "standard"
	list, err := h.d.Cases.Store.StandardUpdates(ctx, 500)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, who, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type row struct {
		casework.CAPAAction
		Number, Subject, Verifier string
	}
	rows := make([]row, 0, len(list))
	for _, a := range list {
		c, err := h.d.ComplaintStore.Get(ctx, a.ComplaintID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		rows = append(rows, row{a, c.Number, c.Subject, who.of(a.VerifiedBy)})
	}
	p.D = rows
	h.render(w, http.StatusOK, "staff", "capa_standard", p)
}
