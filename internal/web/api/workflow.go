package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/enum"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// workflowResponse is one version of a definition with the enumerations
// its forms use.
type workflowResponse struct {
	*workflow.Definition
	Version            int      `json:"version"`
	Default            bool     `json:"default"`
	Resolutions        enum.Set `json:"resolutions"`
	Validities         enum.Set `json:"validities"`
	Responsibilities   enum.Set `json:"responsibilities"`
	CAPAKinds          enum.Set `json:"capa_kinds"`
	InvestigationKinds []string `json:"investigation_kinds"`
	Roles              enum.Set `json:"roles"`
}

// getWorkflow answers the newest version of the default profile, or of the
// one named by ?profile=, or the version named by ?version=.
func (a *api) getWorkflow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := strings.TrimSpace(q.Get("profile"))
	if name == "" {
		name = a.d.Cases.Default
	}
	defs := a.d.Cases.Definitions
	v, ok := defs.Latest(name)
	if !ok {
		var val apperr.Validation
		val.Add("profile", "invalid_value", "")
		web.WriteError(w, r, val.Err())
		return
	}
	if s := strings.TrimSpace(q.Get("version")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			var val apperr.Validation
			val.Add("version", "invalid_value", "")
			web.WriteError(w, r, val.Err())
			return
		}
		if v, ok = defs.Get(name, n); !ok {
			web.WriteError(w, r, apperr.New(apperr.NotFound, "workflow profile %s has no version %d", name, n))
			return
		}
	}
	web.WriteJSON(w, http.StatusOK, workflowResponse{Definition: v.Definition, Version: v.Version, Default: name == a.d.Cases.Default,
		Resolutions: casework.Resolutions, Validities: casework.Validities, Responsibilities: casework.Responsibilities,
		CAPAKinds: casework.CAPAKinds, InvestigationKinds: casework.InvestigationKinds, Roles: workflow.Roles})
}

// workflowVersion describes one version of a profile's definition.
type workflowVersion struct {
	Profile string `json:"profile"`
	Version int    `json:"version"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
	Shipped bool   `json:"shipped"`
	// Newest: complaints of the profile registered from now on take it.
	Newest bool `json:"newest"`
	// Default: the profile new complaints run unless routing picks another.
	Default   bool       `json:"default"`
	Hash      string     `json:"hash"`
	Note      string     `json:"note,omitempty"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

func (a *api) workflowVersionOf(v *casework.DefinitionVersion) workflowVersion {
	out := workflowVersion{Profile: v.Profile, Version: v.Version, ZH: v.Definition.ZH, EN: v.Definition.EN, Shipped: v.Shipped(),
		Default: v.Profile == a.d.Cases.Default, Hash: v.Hash, Note: v.Note, CreatedBy: v.By.Name}
	if newest, ok := a.d.Cases.Definitions.Latest(v.Profile); ok {
		out.Newest = newest.Version == v.Version
	}
	if !v.At.IsZero() {
		at := v.At
		out.CreatedAt = &at
	}
	return out
}

// workflowVersionList is every version of every profile.
type workflowVersionList struct {
	Items   []workflowVersion `json:"items"`
	Default string            `json:"default"`
}

// listWorkflowVersions lists every version of every profile, by profile,
// oldest version first.
func (a *api) listWorkflowVersions(w http.ResponseWriter, r *http.Request) {
	defs := a.d.Cases.Definitions
	list := workflowVersionList{Items: []workflowVersion{}, Default: a.d.Cases.Default}
	for _, p := range defs.Profiles() {
		for _, v := range defs.Versions(p) {
			list.Items = append(list.Items, a.workflowVersionOf(v))
		}
	}
	web.WriteJSON(w, http.StatusOK, list)
}

// workflowImported is the answer to an upload: the new version, or the
// newest one when the file was the same.
type workflowImported struct {
	workflowVersion
	Created bool `json:"created"`
}

// importWorkflow stores the body, a definition file, as the next version of
// its profile; ?note= is an optional remark. The same file as the newest
// version stores nothing (200 instead of 201).
func (a *api) importWorkflow(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = apperr.Wrap(apperr.TooLarge, err, "request body too large")
		} else {
			err = apperr.Wrap(web.BadRequest, err, "read body")
		}
		web.WriteError(w, r, err)
		return
	}
	v, created, err := a.d.Cases.Definitions.Import(r.Context(), body, r.URL.Query().Get("note"), actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.WriteJSON(w, status, workflowImported{workflowVersion: a.workflowVersionOf(v), Created: created})
}
