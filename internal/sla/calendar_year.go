package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"kesu/internal/apperr"
)

// Date is a civil date without a time of day or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekdayOf(d.days()) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// MarshalText writes d as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d Date) days() int { return daysFromCivil(d.Year, d.Month, d.Day) }

// Status tells where a year's data comes from.
type Status string

const (
	// Published: typed from the State Council notice (国务院办公厅关于…部分节假日安排的通知).
	Published Status = "published"
	// Provisional: the statutory days only, computed before the notice is out.
	Provisional Status = "provisional"
)

// Holiday is one named holiday of a year: the dates off and the make-up
// working days (调休上班) that belong to it.
type Holiday struct {
	Name string `json:"name"`
	Off  []Date `json:"off"`
	Work []Date `json:"work,omitempty"`
}

// Year is the holiday arrangement of one calendar year, as shipped in
// holidays/YYYY.json or imported by an administrator.
type Year struct {
	Year       int       `json:"year"`
	Status     Status    `json:"status"`
	Source     string    `json:"source,omitempty"`     // the notice, e.g. 国办发明电〔2024〕12号
	SourceDate Date      `json:"source_date,omitzero"` // the date of the notice
	Holidays   []Holiday `json:"holidays"`
}

// Off returns every date off in the year, sorted.
func (y Year) Off() []Date { return y.collect(func(h Holiday) []Date { return h.Off }) }

// Work returns every make-up working day in the year, sorted.
func (y Year) Work() []Date { return y.collect(func(h Holiday) []Date { return h.Work }) }

func (y Year) collect(f func(Holiday) []Date) []Date {
	var out []Date
	for _, h := range y.Holidays {
		out = append(out, f(h)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].days() < out[j].days() })
	return out
}

// Years a file may describe; wide enough for history and planning.
const (
	minDataYear = 1950
	maxDataYear = 2199
)

// ParseYear reads one year in the JSON format of holidays/README.md and
// validates it. Errors are apperr Invalid errors with one field error per
// problem (a date that is not YYYY-MM-DD, a date outside the year…) and a
// message naming them all; JSON that cannot be read is a field error of
// "file".
func ParseYear(r io.Reader) (Year, error) {
	var raw struct {
		Year       int    `json:"year"`
		Status     Status `json:"status"`
		Source     string `json:"source"`
		SourceDate string `json:"source_date"`
		Holidays   []struct {
			Name string   `json:"name"`
			Off  []string `json:"off"`
			Work []string `json:"work"`
		} `json:"holidays"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(&raw)
	if err == nil {
		if _, err2 := dec.Token(); !errors.Is(err2, io.EOF) {
			err = errors.New("data after the year object")
		}
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		fe := apperr.FieldError{Field: "file", Rule: "invalid_json", Param: err.Error()}
		if errors.As(err, &te) && te.Field != "" {
			fe = apperr.FieldError{Field: te.Field, Rule: "wrong_type", Param: te.Type.String()}
		} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			fe = apperr.FieldError{Field: strings.Trim(f, `"`), Rule: "unknown_field"}
		}
		return Year{}, &apperr.Error{Code: apperr.Invalid, Message: "holiday file: " + err.Error(), Fields: []apperr.FieldError{fe}}
	}
	var probs []apperr.FieldError
	date := func(field, s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			probs = append(probs, apperr.FieldError{Field: field, Rule: "invalid_date", Param: s})
		}
		return d
	}
	y := Year{Year: raw.Year, Status: raw.Status, Source: raw.Source}
	if raw.SourceDate != "" {
		y.SourceDate = date("source_date", raw.SourceDate)
	}
	for i, h := range raw.Holidays {
		hol := Holiday{Name: h.Name}
		for j, s := range h.Off {
			hol.Off = append(hol.Off, date(fmt.Sprintf("holidays[%d].off[%d]", i, j), s))
		}
		for j, s := range h.Work {
			hol.Work = append(hol.Work, date(fmt.Sprintf("holidays[%d].work[%d]", i, j), s))
		}
		y.Holidays = append(y.Holidays, hol)
	}
	if len(probs) > 0 {
		return Year{}, invalidYear(y.Year, probs)
	}
	return y, y.Validate()
}

// Validate checks that the dates lie within the year, that no date is both
// off and a make-up working day or listed twice, that make-up days fall on
// a Saturday or Sunday, and that a published year names its notice.
func (y Year) Validate() error {
	var probs []apperr.FieldError
	add := func(field, rule, param string) {
		probs = append(probs, apperr.FieldError{Field: field, Rule: rule, Param: param})
	}
	if y.Year < minDataYear || y.Year > maxDataYear {
		add("year", "out_of_range", fmt.Sprintf("%d-%d", minDataYear, maxDataYear))
	}
	switch y.Status {
	case Published:
		if strings.TrimSpace(y.Source) == "" {
			add("source", "required", "")
		}
		if y.SourceDate.IsZero() {
			add("source_date", "required", "")
		}
	case Provisional:
	default:
		add("status", "one_of", "published,provisional")
	}
	if utf8.RuneCountInString(y.Source) > 200 {
		add("source", "too_long", "200")
	}
	if len(y.Holidays) == 0 {
		add("holidays", "required", "")
	}
	seen := map[Date]string{}
	for i, h := range y.Holidays {
		f := fmt.Sprintf("holidays[%d]", i)
		if n := utf8.RuneCountInString(strings.TrimSpace(h.Name)); n == 0 {
			add(f+".name", "required", "")
		} else if n > 20 {
			add(f+".name", "too_long", "20")
		}
		if len(h.Off) == 0 {
			add(f+".off", "required", "")
		}
		check := func(kind string, j int, d Date) {
			field := fmt.Sprintf("%s.%s[%d]", f, kind, j)
			if d.Year != y.Year {
				add(field, "outside_year", d.String())
				return
			}
			if kind == "work" {
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					add(field, "make_up_not_weekend", d.String()+" "+wd.String())
				}
			}
			if prev, ok := seen[d]; ok {
				rule := "duplicate"
				if prev != kind {
					rule = "both_off_and_work"
				}
				add(field, rule, d.String())
				return
			}
			seen[d] = kind
		}
		for j, d := range h.Off {
			check("off", j, d)
		}
		for j, d := range h.Work {
			check("work", j, d)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return invalidYear(y.Year, probs)
}

// invalidYear is the error for the problems of year's data.
func invalidYear(year int, probs []apperr.FieldError) error {
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Field + ": " + p.Rule
		if p.Param != "" {
			msgs[i] += " (" + p.Param + ")"
		}
	}
	return &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("holidays %d: %s", year, strings.Join(msgs, "; ")), Fields: probs}
}

// MarshalIndent renders y in the file format of holidays/README.md.
func (y Year) MarshalIndent() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(y); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
