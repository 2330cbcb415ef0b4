package ui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/web"
)

// workflowProfile is one profile on the workflow page, its versions
// newest first.
type workflowProfile struct {
	Name     string
	Default  bool // new complaints run it unless a routing rule picks another
	Versions []*casework.DefinitionVersion
}

// workflowPage is what the workflow definitions page shows.
type workflowPage struct {
	Profiles []workflowProfile
	Newest   map[string]int // newest version by profile: new complaints take it
	Poll     int            // seconds another server takes to pick an upload up
}

// workflow lists every version of every lifecycle profile, with the form
// that uploads a new one.
func (h *handler) workflow(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.workflow")
	switch q := r.URL.Query(); {
	case q.Has("imported"):
		p.Flash = web.T(p.L, "ui.workflow.imported", q.Get("imported"))
	case q.Has("unchanged"):
		p.Flash = web.T(p.L, "ui.workflow.unchanged", q.Get("unchanged"))
	}
	h.renderWorkflow(w, p, http.StatusOK)
}

func (h *handler) renderWorkflow(w http.ResponseWriter, p *page, status int) {
	p.Nav = "workflow"
	defs := h.d.Cases.Definitions
	d := workflowPage{Newest: map[string]int{}, Poll: int(casework.DefinitionPoll / time.Second)}
	for _, name := range defs.Profiles() {
		vs := defs.Versions(name)
		d.Newest[name] = vs[len(vs)-1].Version
		slices.Reverse(vs)
		d.Profiles = append(d.Profiles, workflowProfile{Name: name, Default: name == h.d.Cases.Default, Versions: vs})
	}
	p.D = d
	h.render(w, status, "staff", "workflow", p)
}

// workflowImport stores an uploaded definition file as the next version of
// its profile. A file with any problem stores nothing; the page lists the
// problems by their place in the file.
func (h *handler) workflowImport(w http.ResponseWriter, r *http.Request) {
	var body []byte
	var err error
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		err = requiredFile()
	} else {
		f, ferr := r.MultipartForm.File["file"][0].Open()
		if ferr != nil {
			h.fail(w, r, ferr)
			return
		}
		body, err = io.ReadAll(f)
		f.Close()
	}
	var v *casework.DefinitionVersion
	created := false
	if err == nil {
		v, created, err = h.d.Cases.Definitions.Import(r.Context(), body, r.PostForm.Get("note"), web.Actor(r))
	}
	if err != nil {
		p := h.newPage(r, "ui.workflow")
		p.F = r.PostForm
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for _, f := range ae.Fields {
				p.Problems = append(p.Problems, web.FieldText(p.L, f))
			}
		}
		h.renderWorkflow(w, p, web.Status(apperr.CodeOf(err)))
		return
	}
	outcome := "unchanged"
	if created {
		outcome = "imported"
	}
	http.Redirect(w, r, "/admin/workflow?"+outcome+"="+url.QueryEscape(fmt.Sprintf("%s v%d", v.Profile, v.Version))+
		"#p-"+v.Profile, http.StatusSeeOther)
}

// workflowExport downloads one version as the file it was uploaded as,
// ready to be edited and uploaded again.
func (h *handler) workflowExport(w http.ResponseWriter, r *http.Request) {
	profile := r.PathValue("profile")
	n, err := strconv.Atoi(r.PathValue("version"))
	v, ok := h.d.Cases.Definitions.Get(profile, n)
	if err != nil || !ok {
		h.fail(w, r, apperr.New(apperr.NotFound, "no version %q of workflow profile %q", r.PathValue("version"), profile))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-v%d.json"`, v.Profile, v.Version))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(v.Body)
}
