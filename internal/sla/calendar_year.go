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
// problem and a message naming them all.
func ParseYear(r io.Reader) (Year, error) {
	var y Year
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&y); err != nil {
		return Year{}, apperr.Wrap(apperr.Invalid, err, "holiday file is not valid JSON of the expected shape")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Year{}, apperr.New(apperr.Invalid, "holiday file has data after the year object")
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
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Field + ": " + p.Rule
		if p.Param != "" {
			msgs[i] += " (" + p.Param + ")"
		}
	}
	return &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("holidays %d: %s", y.Year, strings.Join(msgs, "; ")), Fields: probs}
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
