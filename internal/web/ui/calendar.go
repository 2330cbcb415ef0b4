package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// calendarDate is one listed date of the year shown.
type calendarDate struct {
	Date    sla.Date
	Weekday string
	Kind    string // sla.DayOff or sla.DayWork
	Name    string
}

// calendarPage is what the business calendar page shows.
type calendarPage struct {
	Years    []sla.YearInfo
	Year     sla.YearInfo // the year shown in detail
	Dates    []calendarDate
	Holidays []string // names of the shown year's holidays, for the add form
	Poll     int      // seconds another server takes to pick a change up
}

// calendarYear is the year the page shows: ?year=, else the current one.
func (h *handler) calendarYear(r *http.Request) int {
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil {
		return y
	}
	if y, err := strconv.Atoi(r.PostForm.Get("year")); err == nil {
		return y
	}
	return h.now().In(h.loc).Year()
}

func (h *handler) now() time.Time {
	if h.d.Now != nil {
		return h.d.Now()
	}
	return time.Now()
}

// calendars returns the business calendar, or not found when time limits
// are off.
func (h *handler) calendars() (*sla.Calendars, error) {
	if h.d.Calendars == nil || h.d.Calendars.Current() == nil {
		return nil, apperr.New(apperr.NotFound, "no business calendar")
	}
	return h.d.Calendars, nil
}

// calendar shows the years of the business calendar, one of them in
// detail, with the forms that change it.
func (h *handler) calendar(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.calendar")
	switch q := r.URL.Query(); {
	case q.Has("imported"):
		p.Flash = web.T(p.L, "ui.calendar.imported", q.Get("imported"))
	case q.Has("changed"):
		p.Flash = web.T(p.L, "ui.calendar.changed", q.Get("changed"))
	case q.Has("reverted"):
		p.Flash = web.T(p.L, "ui.calendar.reverted", q.Get("reverted"))
	}
	h.renderCalendar(w, r, p, http.StatusOK)
}

func (h *handler) renderCalendar(w http.ResponseWriter, r *http.Request, p *page, status int) {
	cs, err := h.calendars()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav = "calendar"
	e := cs.Current()
	d := calendarPage{Years: e.List(h.now()), Poll: int(sla.CalendarPoll / time.Second)}
	year := h.calendarYear(r)
	if d.Year, err = e.Info(year); err != nil {
		d.Year, _ = e.Info(h.now().In(h.loc).Year())
	}
	for _, hol := range d.Year.Year.Holidays {
		d.Holidays = append(d.Holidays, hol.Name)
		for _, dt := range hol.Off {
			d.Dates = append(d.Dates, calendarDate{Date: dt, Kind: sla.DayOff, Name: hol.Name})
		}
		for _, dt := range hol.Work {
			d.Dates = append(d.Dates, calendarDate{Date: dt, Kind: sla.DayWork, Name: hol.Name})
		}
	}
	slices.SortFunc(d.Dates, func(a, b calendarDate) int { return cmpDate(a.Date, b.Date) })
	for i := range d.Dates {
		d.Dates[i].Weekday = weekdayLabel(p.L, d.Dates[i].Date.Weekday())
	}
	if p.F.Get("year") == "" {
		p.F.Set("year", strconv.Itoa(d.Year.Year.Year))
	}
	p.D = d
	h.render(w, status, "staff", "calendar", p)
}

func cmpDate(a, b sla.Date) int {
	return time.Date(a.Year, a.Month, a.Day, 0, 0, 0, 0, time.UTC).Compare(time.Date(b.Year, b.Month, b.Day, 0, 0, 0, 0, time.UTC))
}

func weekdayLabel(lang string, wd time.Weekday) string {
	if lang == "en" {
		return wd.String()[:3]
	}
	return "周" + weekdaysZH[wd]
}

// calendarRefused shows the page again with the problems of err, or an
// error page when err is not about the form.
func (h *handler) calendarRefused(w http.ResponseWriter, r *http.Request, err error) {
	p := h.newPage(r, "ui.calendar")
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
	h.renderCalendar(w, r, p, web.Status(apperr.CodeOf(err)))
}

// calendarImport stores an uploaded holiday file as its year. A file with
// any problem writes nothing; the page lists the problems by field.
func (h *handler) calendarImport(w http.ResponseWriter, r *http.Request) {
	cs, err := h.calendars()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var y sla.Year
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		err = requiredFile()
	} else {
		f, ferr := r.MultipartForm.File["file"][0].Open()
		if ferr != nil {
			h.fail(w, r, ferr)
			return
		}
		y, err = sla.ParseYear(f)
		f.Close()
	}
	if err == nil {
		_, err = cs.Import(r.Context(), y, r.PostForm.Get("note"), web.Actor(r))
	}
	if err != nil {
		h.calendarRefused(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/calendar?year=%d&imported=%d", y.Year, y.Year), http.StatusSeeOther)
}

// calendarDayAdd declares a day off or a make-up working day.
func (h *handler) calendarDayAdd(w http.ResponseWriter, r *http.Request) {
	h.calendarDayChange(w, r, true)
}

// calendarDayRemove takes a date out of the calendar.
func (h *handler) calendarDayRemove(w http.ResponseWriter, r *http.Request) {
	h.calendarDayChange(w, r, false)
}

func (h *handler) calendarDayChange(w http.ResponseWriter, r *http.Request, add bool) {
	cs, err := h.calendars()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := r.PostForm
	e := sla.DayEdit{Kind: f.Get("kind"), Name: f.Get("name"), Reason: f.Get("reason")}
	if e.Date, err = sla.ParseDate(f.Get("date")); err != nil {
		var v apperr.Validation
		v.Add("date", "invalid_date", "")
		err = v.Err()
	} else if add {
		_, err = cs.AddDay(r.Context(), e, web.Actor(r))
	} else {
		_, err = cs.RemoveDay(r.Context(), e, web.Actor(r))
	}
	if err != nil {
		h.calendarRefused(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/calendar?year=%d&changed=%s", e.Date.Year, url.QueryEscape(e.Date.String())), http.StatusSeeOther)
}

// calendarRevert drops the administrators' data of a year.
func (h *handler) calendarRevert(w http.ResponseWriter, r *http.Request) {
	cs, err := h.calendars()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "bad year %q", r.PathValue("year")))
		return
	}
	if _, err := cs.Revert(r.Context(), year, r.PostForm.Get("reason"), web.Actor(r)); err != nil {
		h.calendarRefused(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/calendar?year=%d&reverted=%d", year, year), http.StatusSeeOther)
}

// calendarExport downloads a year in the holiday file format, ready to be
// imported elsewhere.
func (h *handler) calendarExport(w http.ResponseWriter, r *http.Request) {
	cs, err := h.calendars()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	var info sla.YearInfo
	if err == nil {
		info, err = cs.Current().Info(year)
	}
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no calendar data for %q", r.PathValue("year")))
		return
	}
	b, err := info.Year.MarshalIndent()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%d.json"`, year))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
