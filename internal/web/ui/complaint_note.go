package ui

import (
	"context"
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/complaint"
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
	body, public, send := d.str("body"), d.bool("public"), d.bool("send")
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
	note := h.d.Cases.Note
	if send {
		// Sent to the complainant: a public note.
		note = func(ctx context.Context, id int64, body string, _ bool, actor casework.Actor) (*complaint.Event, error) {
			return h.d.Cases.NoteSent(ctx, id, body, actor)
		}
	}
	if _, err := note(r.Context(), c.ID, body, public, caseActor(r)); err != nil {
		h.refused(w, r, c.ID, err)
		return
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10)+"#timeline", http.StatusSeeOther)
}
