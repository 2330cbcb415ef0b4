package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/web"
)

// complaintUpload attaches files to a complaint; "public" makes them
// visible on the tracking page.
func (h *handler) complaintUpload(w http.ResponseWriter, r *http.Request) {
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
	if err := h.d.Cases.CheckWork(r.Context(), c.ID, caseActor(r)); err != nil {
		h.refused(w, r, c.ID, err)
		return
	}
	ups, err := h.saveUploads(r, "file")
	if err == nil && len(ups) == 0 {
		err = requiredFile()
	}
	if err != nil {
		p := h.newPage(r, "ui.complaint")
		if formErrors(p, err) {
			h.showComplaint(w, r, c, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm}
	if err := h.attach(r.Context(), c.ID, ups, d.bool("public"), caseActor(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10)+"#attachments", http.StatusSeeOther)
}
