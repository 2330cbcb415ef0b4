package ui

import (
	"net/http"

	"kesu/internal/complaint"
	"kesu/internal/letter"
)

// publicReceipt confirms a filed complaint with its number and tracking
// code. It needs both, so a number alone shows nothing.
func (h *handler) publicReceipt(w http.ResponseWriter, r *http.Request) {
	c, err := h.lookup(r, r.URL.Query().Get("n"), r.URL.Query().Get("c"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.receipt")
	p.D = struct {
		C        *complaint.Complaint
		TrackURL string
	}{c, letter.TrackURL(h.d.BaseURL, c.Number, c.TrackingCode)}
	h.render(w, http.StatusOK, "public", "public_receipt", p)
}
