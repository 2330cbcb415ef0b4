package ui

import (
	"net/http"

	"kesu/internal/complaint"
	"kesu/internal/letter"
	"kesu/internal/privacy"
	"kesu/internal/web"
)

// complaintLetter shows the printable acknowledgement letter to staff, who
// print or fax it for complainants without email.
func (h *handler) complaintLetter(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.readable(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !seesPersonal(r) {
		m := privacy.Complaint(*c)
		c = &m
	} else if err := web.AuditPersonalRead(r, h.d, "complaint.letter.read", "complaint", web.ContactIDs([]complaint.Complaint{*c})); err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderLetter(w, r, c)
}

// renderLetter writes the letter page in the request's language.
func (h *handler) renderLetter(w http.ResponseWriter, r *http.Request, c *complaint.Complaint) {
	p := h.newPage(r, "ui.letter")
	l, err := letter.Render(letter.New(c, h.d.Company, h.d.BaseURL, h.loc), p.L)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Title = l.Subject
	p.D = l
	h.render(w, http.StatusOK, "print", "letter", p)
}
