package sla

import (
	"slices"
	"strings"
	"time"

	"kesu/internal/apperr"
)

// Kinds of listed date.
const (
	DayOff  = "off"  // a holiday
	DayWork = "work" // a make-up working day (调休上班)
)

// DayEdit is an administrator's change of one date: declaring it a day off
// or a make-up working day of the named holiday, or taking it out again.
type DayEdit struct {
	Date   Date
	Kind   string // DayOff or DayWork; ignored when removing
	Name   string // the holiday, e.g. 春节 or 公司年假; ignored when removing
	Reason string // required, kept in the audit log
}

// check validates the parts of an edit that do not depend on the year.
func (e DayEdit) check(adding bool) error {
	var v apperr.Validation
	if e.Date.IsZero() {
		v.Add("date", "required", "")
	}
	if adding {
		if v.Required("kind", e.Kind) {
			v.OneOf("kind", e.Kind, []string{DayOff, DayWork})
		}
		if v.Required("name", e.Name) {
			v.Text("name", e.Name, 20)
		}
		if e.Kind == DayWork && !e.Date.IsZero() {
			if wd := e.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				v.Add("date", "make_up_not_weekend", e.Date.String())
			}
		}
	}
	if v.Required("reason", e.Reason) {
		v.Text("reason", e.Reason, 200)
	}
	return v.Err()
}

// find returns the holiday and kind that list d, or -1.
func (y Year) find(d Date) (int, string) {
	for i, h := range y.Holidays {
		if slices.Contains(h.Off, d) {
			return i, DayOff
		}
		if slices.Contains(h.Work, d) {
			return i, DayWork
		}
	}
	return -1, ""
}

// clone copies y deeply enough to edit its holidays.
func (y Year) clone() Year {
	n := y
	n.Holidays = make([]Holiday, len(y.Holidays))
	for i, h := range y.Holidays {
		n.Holidays[i] = Holiday{Name: h.Name, Off: slices.Clone(h.Off), Work: slices.Clone(h.Work)}
	}
	return n
}

func sortDates(ds []Date) {
	slices.SortFunc(ds, func(a, b Date) int { return a.days() - b.days() })
}

// WithDay returns y with e.Date listed as e.Kind under the holiday e.Name.
// A new name makes a new holiday (a company holiday, say); a make-up day
// must belong to an existing holiday. A date already listed is refused:
// take it out first.
func (y Year) WithDay(e DayEdit) (Year, error) {
	e.Name = strings.TrimSpace(e.Name)
	if err := e.check(true); err != nil {
		return Year{}, err
	}
	var v apperr.Validation
	if e.Date.Year != y.Year {
		v.Add("date", "outside_year", e.Date.String())
	} else if i, _ := y.find(e.Date); i >= 0 {
		v.Add("date", "already_listed", y.Holidays[i].Name)
	}
	i := slices.IndexFunc(y.Holidays, func(h Holiday) bool { return h.Name == e.Name })
	if i < 0 && e.Kind == DayWork {
		v.Add("name", "unknown_holiday", e.Name)
	}
	if err := v.Err(); err != nil {
		return Year{}, err
	}
	n := y.clone()
	if i < 0 {
		n.Holidays = append(n.Holidays, Holiday{Name: e.Name})
		i = len(n.Holidays) - 1
	}
	h := &n.Holidays[i]
	if e.Kind == DayOff {
		h.Off = append(h.Off, e.Date)
		sortDates(h.Off)
	} else {
		h.Work = append(h.Work, e.Date)
		sortDates(h.Work)
	}
	return n, n.Validate()
}

// WithoutDay returns y without e.Date, and the kind and holiday that
// listed it. A holiday left without days off is dropped; one that still
// has make-up days is refused (take those out first).
func (y Year) WithoutDay(e DayEdit) (Year, string, string, error) {
	if err := e.check(false); err != nil {
		return Year{}, "", "", err
	}
	i, kind := y.find(e.Date)
	if i < 0 {
		var v apperr.Validation
		v.Add("date", "not_listed", e.Date.String())
		return Year{}, "", "", v.Err()
	}
	n := y.clone()
	h := &n.Holidays[i]
	name := h.Name
	if kind == DayOff {
		h.Off = slices.DeleteFunc(h.Off, func(d Date) bool { return d == e.Date })
	} else {
		h.Work = slices.DeleteFunc(h.Work, func(d Date) bool { return d == e.Date })
	}
	if len(h.Off) == 0 {
		if len(h.Work) > 0 {
			var v apperr.Validation
			v.Add("date", "last_day_off", name)
			return Year{}, "", "", v.Err()
		}
		n.Holidays = slices.Delete(n.Holidays, i, i+1)
	}
	return n, kind, name, n.Validate()
}
