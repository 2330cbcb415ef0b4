package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// CalendarYear is one year of the business calendar in force, with where
// it comes from: shipped with kesu, imported or edited by an
// administrator, or computed provisionally from the statutory days.
type CalendarYear struct {
	Year        int        `json:"year"`
	Origin      sla.Origin `json:"origin"`
	Status      sla.Status `json:"status"`
	Provisional bool       `json:"provisional"`
	Shipped     bool       `json:"shipped"`
	Source      string     `json:"source"`
	SourceDate  string     `json:"source_date,omitempty"`
	OffDays     int        `json:"off_days"`
	WorkDays    int        `json:"work_days"`
	Note        string     `json:"note,omitempty"`
	UpdatedBy   string     `json:"updated_by,omitempty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	// Data is the year in the holiday file format; single-year answers only.
	Data *sla.Year `json:"data,omitempty"`
}

// CalendarYearOf describes info; with data it carries the holidays too.
func CalendarYearOf(info sla.YearInfo, data bool) CalendarYear {
	y := info.Year
	v := CalendarYear{Year: y.Year, Origin: info.Origin, Status: y.Status, Provisional: y.Status == sla.Provisional,
		Shipped: info.Shipped, Source: y.Source, OffDays: len(y.Off()), WorkDays: len(y.Work())}
	if !y.SourceDate.IsZero() {
		v.SourceDate = y.SourceDate.String()
	}
	if s := info.Stored; s != nil {
		at := s.At
		v.Note, v.UpdatedBy, v.UpdatedAt = s.Note, s.By.Name, &at
	}
	if data {
		v.Data = &y
	}
	return v
}

// calendarYearList is the years of the business calendar.
type calendarYearList struct {
	Items   []CalendarYear `json:"items"`
	Version int64          `json:"version"`
}

// calendars returns the business calendar, or not found when time limits
// are off.
func (a *api) calendars() (*sla.Calendars, error) {
	if a.d.Calendars == nil || a.d.Calendars.Current() == nil {
		return nil, apperr.New(apperr.NotFound, "no business calendar")
	}
	return a.d.Calendars, nil
}

func (a *api) now() time.Time {
	if a.d.Now != nil {
		return a.d.Now()
	}
	return time.Now()
}

func (a *api) listCalendarYears(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	e := cs.Current()
	list := calendarYearList{Items: []CalendarYear{}, Version: e.Version}
	for _, info := range e.List(a.now()) {
		list.Items = append(list.Items, CalendarYearOf(info, false))
	}
	web.WriteJSON(w, http.StatusOK, list)
}

// pathYear reads {year}; anything but a year is not found.
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 1 || y > 9999 {
		return 0, apperr.New(apperr.NotFound, "bad year %q", r.PathValue("year"))
	}
	return y, nil
}

// writeYear answers with year of e.
func writeYear(w http.ResponseWriter, r *http.Request, e *sla.Effective, year int) {
	info, err := e.Info(year)
	if errors.Is(err, sla.ErrNoYear) {
		err = apperr.New(apperr.NotFound, "no calendar data for %d", year)
	}
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, CalendarYearOf(info, true))
}

func (a *api) getCalendarYear(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err == nil {
		var year int
		if year, err = pathYear(r); err == nil {
			writeYear(w, r, cs.Current(), year)
			return
		}
	}
	web.WriteError(w, r, err)
}

// putCalendarYear imports a year: the body is a holiday file (the format
// of the shipped files), ?note= an optional remark for the audit log.
func (a *api) putCalendarYear(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	year, err := pathYear(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	y, err := sla.ParseYear(http.MaxBytesReader(w, r.Body, web.MaxJSONBody))
	if err == nil && y.Year != year {
		var v apperr.Validation
		v.Add("year", "year_mismatch", strconv.Itoa(year))
		err = v.Err()
	}
	var e *sla.Effective
	if err == nil {
		e, err = cs.Import(r.Context(), y, r.URL.Query().Get("note"), actor(r))
	}
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	writeYear(w, r, e, year)
}

// deleteCalendarYear drops the administrators' data of a year, so that the
// shipped or provisional year applies again; ?reason= is required.
func (a *api) deleteCalendarYear(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	year, err := pathYear(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	e, err := cs.Revert(r.Context(), year, r.URL.Query().Get("reason"), actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	writeYear(w, r, e, year)
}

// calendarDay is a date to declare a day off or a make-up working day.
type calendarDay struct {
	Date   string `json:"date"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// parseDay reads the date field of a request.
func parseDay(s string) (sla.Date, error) {
	var v apperr.Validation
	if s == "" {
		v.Add("date", "required", "")
		return sla.Date{}, v.Err()
	}
	d, err := sla.ParseDate(s)
	if err != nil {
		v.Add("date", "invalid_date", "")
		return sla.Date{}, v.Err()
	}
	return d, nil
}

func (a *api) addCalendarDay(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in calendarDay
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	d, err := parseDay(in.Date)
	var e *sla.Effective
	if err == nil {
		e, err = cs.AddDay(r.Context(), sla.DayEdit{Date: d, Kind: in.Kind, Name: in.Name, Reason: in.Reason}, actor(r))
	}
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	writeYear(w, r, e, d.Year)
}

// removeCalendarDay takes a date out of its year; ?reason= is required.
func (a *api) removeCalendarDay(w http.ResponseWriter, r *http.Request) {
	cs, err := a.calendars()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	d, err := sla.ParseDate(r.PathValue("date"))
	if err != nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "bad date %q", r.PathValue("date")))
		return
	}
	e, err := cs.RemoveDay(r.Context(), sla.DayEdit{Date: d, Reason: r.URL.Query().Get("reason")}, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	writeYear(w, r, e, d.Year)
}
