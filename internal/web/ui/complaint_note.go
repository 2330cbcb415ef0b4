package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
)

// MaxNote is the longest note or reply, in characters.
const MaxNote = 5000

// complaintNote adds an internal note, or a reply the complainant sees on
// the tracking page when "public" is ticked.
func (h *handler) complaintNote(w http.ResponseWriter, r *http.Request) {
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
	d := &decoder{f: r.PostForm, loc: h.loc}
	body, public := d.str("body"), d.bool("public")
	var v apperr.Validation
	if v.Required("body", body) {
		v.Text("body", body, MaxNote)
	}
	if err := v.Err(); err != nil {
		p := h.newPage(r, "ui.complaint")
		p.F = r.PostForm
		formErrors(p, err)
		h.showComplaint(w, r, c, p, http.StatusUnprocessableEntity)
		return
	}
	if _, err := h.d.Cases.Note(r.Context(), c.ID, body, public, caseActor(r)); err != nil {
		h.refused(w, r, c.ID, err)
		return
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10)+"#timeline", http.StatusSeeOther)
}
