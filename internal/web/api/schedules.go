package api

import (
	"net/http"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// scheduleList is the named fixed-date jobs (SLA-R) with their next and
// last runs.
type scheduleList struct {
	Items []sla.ScheduleStatus `json:"items"`
}

func (a *api) listSchedules(w http.ResponseWriter, r *http.Request) {
	if a.d.Schedules == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no schedules"))
		return
	}
	items, err := a.d.Schedules.List(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, scheduleList{Items: items})
}

// scheduleRun is the answer to a manual run: it is enqueued for now.
type scheduleRun struct {
	Name   string    `json:"name"`
	Queued time.Time `json:"queued"`
}

func (a *api) runSchedule(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if a.d.Schedules == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no schedules"))
		return
	}
	if _, ok := a.d.Schedules.Get(name); !ok {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no schedule %q", name))
		return
	}
	if err := a.d.Schedules.RunNow(r.Context(), name); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusAccepted, scheduleRun{Name: name, Queued: a.d.Schedules.Now()})
}

// MaxDryRun is the longest span a dry run covers.
const MaxDryRun = 366 * 24 * time.Hour

// ParseSpan reads a dry run's from and to: RFC 3339, or a local date and
// time (2006-01-02T15:04 or 2006-01-02) in loc; to must follow from by at
// most MaxDryRun.
func ParseSpan(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	var v apperr.Validation
	parse := func(field, s string) time.Time {
		if s == "" {
			v.Add(field, "required", "")
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t
			}
		}
		v.Add(field, "invalid_time", "")
		return time.Time{}
	}
	f, t := parse("from", from), parse("to", to)
	if !v.Has("from") && !v.Has("to") && (!t.After(f) || t.Sub(f) > MaxDryRun) {
		v.Add("to", "dry_run_span", "")
	}
	return f, t, v.Err()
}

// dryRunAnswer is what would fire in (from, to].
type dryRunAnswer struct {
	From  time.Time    `json:"from"`
	To    time.Time    `json:"to"`
	Items []sla.Firing `json:"items"`
}

func (a *api) slaDryRun(w http.ResponseWriter, r *http.Request) {
	if a.d.DryRun == nil || a.d.Schedules == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no dry run"))
		return
	}
	q := r.URL.Query()
	from, to, err := ParseSpan(q.Get("from"), q.Get("to"), a.d.Schedules.Loc)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	items, err := a.d.DryRun(r.Context(), from, to)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if items == nil {
		items = []sla.Firing{}
	}
	web.WriteJSON(w, http.StatusOK, dryRunAnswer{From: from, To: to, Items: items})
}
