package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/export"
	"kesu/internal/org"
	"kesu/internal/web"
)

// exportRequest asks for an export file. Filter takes the parameters of
// GET /complaints (status, channel, from, to, q…) as strings.
type exportRequest struct {
	Kind   string            `json:"kind"`
	Format string            `json:"format"`
	Filter map[string]string `json:"filter"`
}

// exportResponse is an export with the address of its file once done.
type exportResponse struct {
	*export.Export
	FileURL string `json:"file_url,omitempty"`
}

func exportView(e *export.Export) exportResponse {
	resp := exportResponse{Export: e}
	if e.Status == export.Done && e.File != "" {
		resp.FileURL = Prefix + "/exports/" + strconv.FormatInt(e.ID, 10) + "/file"
	}
	return resp
}

// createExport queues an export and answers 202 at once; the job worker
// makes the file, and GET /exports/{id} shows its progress. Personal
// columns are unmasked only for holders of export.personal.
func (a *api) createExport(w http.ResponseWriter, r *http.Request) {
	var in exportRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	vals := url.Values{}
	for k, v := range in.Filter {
		if k == "after" || k == "limit" {
			continue
		}
		vals.Set(k, v)
	}
	f, err := a.complaintFilter(r.Context(), &query{r: r, vals: vals})
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	raw, _ := json.Marshal(f)
	pr := web.PrincipalOf(r)
	e := &export.Export{Kind: in.Kind, Format: in.Format, Filter: raw, Personal: can(r, auth.ExportPersonal),
		Lang: web.Lang(r), RequestedBy: pr.User.ID, RequestedName: pr.User.Name}
	if err := a.d.Exports.Request(r.Context(), e, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/exports/"+strconv.FormatInt(e.ID, 10))
	web.WriteJSON(w, http.StatusAccepted, exportView(e))
}

// listExports answers the signed-in user's exports, newest first.
func (a *api) listExports(w http.ResponseWriter, r *http.Request) {
	es, err := a.d.Exports.Store.List(r.Context(), web.PrincipalOf(r).User.ID, 50)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := listResponse[exportResponse]{Items: make([]exportResponse, len(es))}
	for i := range es {
		out.Items[i] = exportView(&es[i])
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// ownExport loads the export in the path; only its requester and
// administrators may see it.
func (a *api) ownExport(r *http.Request) (*export.Export, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	e, err := a.d.Exports.Store.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if u := web.PrincipalOf(r).User; e.RequestedBy != u.ID && u.Role != org.RoleAdmin {
		return nil, apperr.New(apperr.Forbidden, "export %d belongs to another user", id)
	}
	return e, nil
}

// getExport answers an export's status and progress.
func (a *api) getExport(w http.ResponseWriter, r *http.Request) {
	e, err := a.ownExport(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, exportView(e))
}

// downloadExport sends a finished export's file; the download is audited.
func (a *api) downloadExport(w http.ResponseWriter, r *http.Request) {
	e, err := a.ownExport(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.ServeExport(w, r, a.d, e)
}
