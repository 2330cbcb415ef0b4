package api

import (
	"context"
	"net/http"
	"slices"

	"kesu/internal/apperr"
	"kesu/internal/jobs"
	"kesu/internal/web"
)

// maxJobs bounds the job list.
const maxJobs = 500

// jobList is jobs of one status, newest first.
type jobList struct {
	Items []jobs.Job `json:"items"`
}

var jobStatuses = []string{jobs.Pending, jobs.Running, jobs.Done, jobs.Dead}

func (a *api) listJobs(w http.ResponseWriter, r *http.Request) {
	q := query{r: r}
	status := q.str("status")
	if status == "" {
		status = jobs.Dead
	}
	q.v.OneOf("status", status, jobStatuses)
	if err := q.v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if a.d.Jobs == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no job table"))
		return
	}
	items, err := a.d.Jobs.List(r.Context(), jobs.Filter{Status: status, Kind: q.str("kind"), Limit: maxJobs})
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if items == nil {
		items = []jobs.Job{}
	}
	web.WriteJSON(w, http.StatusOK, jobList{Items: items})
}

// retryDead puts dead job id back in the queue; a job that is not dead is
// not found.
func retryDead(ctx context.Context, s jobs.Store, id int64) error {
	dead, err := s.List(ctx, jobs.Filter{Status: jobs.Dead, Limit: maxJobs})
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(dead, func(j jobs.Job) bool { return j.ID == id }) {
		return apperr.New(apperr.NotFound, "no dead job %d", id)
	}
	return s.Retry(ctx, id)
}

func (a *api) retryJob(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if a.d.Jobs == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no job table"))
		return
	}
	if err := retryDead(r.Context(), a.d.Jobs, id); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
