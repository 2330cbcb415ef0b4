package ui

import (
	"mime"
	"net/http"
	"strconv"
)

// attachmentDownload streams an attachment to signed-in staff. It is
// always sent as a download so a file never renders inside kesu's origin.
// Files may hold personal data, so a download is audited before any of it
// is sent (SPEC SEC-3).
func (h *handler) attachmentDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.d.ComplaintStore.Attachment(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := h.d.Files.Open(a.SHA256)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	if r.Method != http.MethodHead {
		detail := map[string]any{"attachment_id": a.ID, "name": a.Name, "sha256": a.SHA256}
		if err := h.audit(r, "attachment.download", "complaint:"+strconv.FormatInt(a.ComplaintID, 10), detail); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", a.CreatedAt, f)
}
