package web

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"kesu/internal/audit"
	"kesu/internal/export"
)

// ServeExport writes the file of e as a download after auditing it, for
// the API and the staff pages.
func ServeExport(w http.ResponseWriter, r *http.Request, d *Deps, e *export.Export) {
	f, err := d.Exports.Open(e)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	defer f.Close()
	detail, _ := json.Marshal(map[string]any{"rows": e.Rows, "format": e.Format, "personal": e.Personal})
	entry := &audit.Entry{Actor: Actor(r), Action: "export.download", Object: "export:" + strconv.FormatInt(e.ID, 10), Detail: detail}
	if err := d.Audit.Append(r.Context(), entry); err != nil {
		WriteError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType())
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName()}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	w.WriteHeader(http.StatusOK)
	io.Copy(w, f)
}
