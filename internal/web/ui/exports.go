package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/export"
	"kesu/internal/org"
	"kesu/internal/web"
)

// exportFields are the list filter fields the export button carries.
var exportFields = []string{"q", "status", "channel", "category", "severity", "class", "from", "to", "due", "sort",
	"state", "region", "department_id", "holder_id", "product_id", "batch", "customer_id", "responsibility", "validity", "established", "safety"}

// exportList shows the user's exports with their progress; the page
// reloads itself while one is still being made.
func (h *handler) exportList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.exports")
	p.Nav = "exports"
	es, err := h.d.Exports.Store.List(r.Context(), p.User.ID, 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type row struct {
		export.Export
		Percent int
	}
	rows := make([]row, len(es))
	for i, e := range es {
		rows[i] = row{Export: e}
		if e.Total > 0 {
			rows[i].Percent = int(e.Rows * 100 / e.Total)
		}
		if e.Status == export.Queued || e.Status == export.Running {
			p.Refresh = 2
		}
		if e.Status == export.Done && !h.d.Now().Before(e.ExpiresAt) {
			rows[i].Status = "expired"
		}
	}
	if r.URL.Query().Get("queued") != "" {
		p.Flash = web.T(p.L, "ui.exports.queued")
	}
	p.D = rows
	h.render(w, http.StatusOK, "staff", "exports", p)
}

// exportCreate queues an export of the complaint list under the filter
// fields the list page sent, then shows the exports page.
func (h *handler) exportCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.Wrap(web.BadRequest, err, "bad form"))
		return
	}
	q := url.Values{}
	for _, k := range exportFields {
		if v := r.PostForm.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	d, f := h.listFilter(r, q)
	if err := d.err(); err != nil {
		h.fail(w, r, err)
		return
	}
	raw, _ := json.Marshal(f)
	pr := web.PrincipalOf(r)
	e := &export.Export{Kind: export.KindComplaints, Format: r.PostForm.Get("format"), Filter: raw,
		Personal: auth.Can(pr.User.Role, auth.ExportPersonal), Lang: web.Lang(r), RequestedBy: pr.User.ID}
	if !slices.Contains(export.Formats, e.Format) {
		h.fail(w, r, apperr.New(apperr.Invalid, "bad export format %q", e.Format))
		return
	}
	if err := h.d.Exports.Request(r.Context(), e, web.Actor(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/exports?queued="+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}

// exportDownload sends a finished export to its requester or an
// administrator.
func (h *handler) exportDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.d.Exports.Store.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u := web.PrincipalOf(r).User; e.RequestedBy != u.ID && u.Role != org.RoleAdmin {
		h.fail(w, r, apperr.New(apperr.Forbidden, "export %d belongs to another user", id))
		return
	}
	// Refusals answer as a page here, not as the API's JSON.
	f, err := h.d.Exports.Open(e)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f.Close()
	web.ServeExport(w, r, h.d, e)
}
