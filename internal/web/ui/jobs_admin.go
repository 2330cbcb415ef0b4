package ui

import (
	"net/http"
	"slices"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/jobs"
	"kesu/internal/web"
)

// jobsAdmin lists the dead letters: durable jobs that failed every attempt.
func (h *handler) jobsAdmin(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.jobs")
	p.Nav = "jobs"
	if h.d.Jobs == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no job table"))
		return
	}
	items, err := h.d.Jobs.List(r.Context(), jobs.Filter{Status: jobs.Dead, Limit: 500})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if id := r.URL.Query().Get("retried"); id != "" {
		p.Flash = web.T(p.L, "ui.jobs.retried", id)
	}
	p.D = struct {
		Items    []jobs.Job
		CanRetry bool
	}{items, auth.Can(p.User.Role, auth.OrgWrite)}
	h.render(w, http.StatusOK, "staff", "jobs_admin", p)
}

// jobRetry puts a dead job back in the queue.
func (h *handler) jobRetry(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.d.Jobs == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no job table"))
		return
	}
	dead, err := h.d.Jobs.List(r.Context(), jobs.Filter{Status: jobs.Dead, Limit: 500})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(dead, func(j jobs.Job) bool { return j.ID == id }) {
		h.fail(w, r, apperr.New(apperr.NotFound, "no dead job %d", id))
		return
	}
	if err := h.d.Jobs.Retry(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/jobs?retried="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
