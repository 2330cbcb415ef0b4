package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// scheduleView is one fixed-date job as the page shows it.
type scheduleView struct {
	sla.ScheduleStatus
	Label, When string
}

var weekdaysZH = []string{"日", "一", "二", "三", "四", "五", "六"}

// schedules lists the fixed-date jobs with their last and next runs, and
// answers the dry-run form (?from=&to=): what would fire in between.
func (h *handler) schedules(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.schedules")
	p.Nav = "schedules"
	s := h.d.Schedules
	if s == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no schedules"))
		return
	}
	list, err := s.List(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]scheduleView, 0, len(list))
	for _, st := range list {
		v := scheduleView{ScheduleStatus: st, Label: st.ZH}
		if p.L == "en" {
			v.Label = st.EN
		}
		if st.Day > 0 {
			v.When = web.T(p.L, "ui.schedules.monthly", strconv.Itoa(st.Day), strconv.Itoa(st.Clock))
		} else if p.L == "en" {
			v.When = web.T(p.L, "ui.schedules.weekly", st.Weekday.String(), strconv.Itoa(st.Clock))
		} else {
			v.When = web.T(p.L, "ui.schedules.weekly", weekdaysZH[st.Weekday], strconv.Itoa(st.Clock))
		}
		views = append(views, v)
	}
	if name := r.URL.Query().Get("queued"); name != "" {
		if sc, ok := s.Get(name); ok {
			label := sc.ZH
			if p.L == "en" {
				label = sc.EN
			}
			p.Flash = web.T(p.L, "ui.schedules.queued", label)
		}
	}
	// The dry run: the form's values, or from now to a week on.
	q := r.URL.Query()
	now := h.d.Now
	if now == nil {
		now = time.Now
	}
	t0 := now().In(s.Loc)
	p.F = url.Values{"from": {q.Get("from")}, "to": {q.Get("to")}}
	if p.F.Get("from") == "" && p.F.Get("to") == "" {
		p.F.Set("from", t0.Format("2006-01-02T15:04"))
		p.F.Set("to", t0.AddDate(0, 0, 7).Format("2006-01-02T15:04"))
	}
	var firings []sla.Firing
	ran := false
	if q.Has("from") && h.d.DryRun != nil {
		from, to, err := parseSpan(q.Get("from"), q.Get("to"), s.Loc)
		if err == nil {
			firings, err = h.d.DryRun(r.Context(), from, to)
			ran = err == nil
		}
		if err != nil && !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if len(p.Errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p.D = struct {
		Items   []scheduleView
		CanRun  bool
		Ran     bool
		Firings []sla.Firing
		Names   map[string]string
	}{views, auth.Can(p.User.Role, auth.OrgWrite), ran, firings, scheduleNames(s, p.L)}
	h.render(w, status, "staff", "schedules", p)
}

func scheduleNames(s *sla.Scheduler, lang string) map[string]string {
	m := map[string]string{}
	for _, sc := range s.Schedules {
		m[sc.Name] = sc.ZH
		if lang == "en" {
			m[sc.Name] = sc.EN
		}
	}
	return m
}

// parseSpan reads the dry run's from and to: a local date and time
// (2006-01-02T15:04, as the datetime-local input sends it) or RFC 3339;
// to follows from by at most 366 days.
func parseSpan(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	var v apperr.Validation
	parse := func(field, s string) time.Time {
		if s == "" {
			v.Add(field, "required", "")
			return time.Time{}
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t
			}
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
		v.Add(field, "invalid_time", "")
		return time.Time{}
	}
	f, t := parse("from", from), parse("to", to)
	if !v.Has("from") && !v.Has("to") && (!t.After(f) || t.Sub(f) > 366*24*time.Hour) {
		v.Add("to", "dry_run_span", "")
	}
	return f, t, v.Err()
}

// scheduleRun enqueues a manual run of one schedule.
func (h *handler) scheduleRun(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s := h.d.Schedules
	if s == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no schedules"))
		return
	}
	if _, ok := s.Get(name); !ok {
		h.fail(w, r, apperr.New(apperr.NotFound, "no schedule %q", name))
		return
	}
	if err := s.RunNow(r.Context(), name); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/schedules?queued="+url.QueryEscape(name), http.StatusSeeOther)
}
