package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/app"
	"kesu/internal/sla"
)

const calendarUsage = `Usage:
  kesu calendar add [--from 2026-09-18T10:00] (--working-days N | --working-hours N | --hours N | --days N) [settings]
  kesu calendar holidays YEAR [settings]

"add" prints the due instant in RFC 3339 in the organisation's time zone;
--from defaults to now and without an offset is read in that zone. Negative
amounts count back. "holidays" lists the days off and make-up working days
of a year and whether it is published or provisional.
`

// calendarSource returns the business calendar commands work on. The
// shipped data is one source; the administrator's edits in the database
// will be another, chosen in calendarCmd.
type calendarSource func(ctx context.Context, c app.Config) (*sla.Calendar, error)

// shippedCalendar is the calendar of the embedded holiday files in the
// configured time zone.
func shippedCalendar(_ context.Context, c app.Config) (*sla.Calendar, error) {
	years, err := sla.Shipped()
	if err != nil {
		return nil, err
	}
	return sla.New(sla.Config{Location: c.Loc, Years: years})
}

// calendarCmd runs "kesu calendar …".
func calendarCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return runCalendar(ctx, args, stdout, stderr, getenv, shippedCalendar, time.Now)
}

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource, now func() time.Time) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, calendarUsage)
		return errors.New("calendar: add or holidays expected")
	}
	switch args[0] {
	case "add":
		return calendarAdd(ctx, args[1:], stdout, stderr, getenv, source, now)
	case "holidays":
		return calendarHolidays(ctx, args[1:], stdout, stderr, getenv, source)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, calendarUsage)
		return nil
	}
	fmt.Fprint(stderr, calendarUsage)
	return fmt.Errorf("calendar: unknown command %q", args[0])
}

// loadCalendar reads the shared settings (--data, --db, --timezone, …)
// plus extra flags and returns the calendar and the positional arguments.
func loadCalendar(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string,
	source calendarSource, extra func(fs *flag.FlagSet)) (*sla.Calendar, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	// Allow "holidays 2026 --data DIR" as well as "holidays --data DIR 2026".
	var lead []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		lead, args = append(lead, args[0]), args[1:]
	}
	c, err := app.Load(fs, args, getenv)
	if err != nil {
		return nil, nil, err
	}
	cal, err := source(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return cal, append(lead, fs.Args()...), nil
}

func calendarAdd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource, now func() time.Time) error {
	var from string
	var amounts []string // "flag=value" in the order given
	amount := func(fs *flag.FlagSet, name, usage string) {
		fs.Func(name, usage, func(s string) error {
			amounts = append(amounts, name+"="+s)
			return nil
		})
	}
	cal, rest, err := loadCalendar(ctx, "kesu calendar add", args, stderr, getenv, source, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "start instant, e.g. 2026-09-18T10:00 (default now)")
		amount(fs, "working-days", "add N working days (same time of day)")
		amount(fs, "working-hours", "add N hours of working time")
		amount(fs, "hours", "add N calendar hours")
		amount(fs, "days", "add N calendar days")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("calendar add: unexpected argument %q", rest[0])
	}
	if len(amounts) != 1 {
		return errors.New("calendar add: give exactly one of --working-days, --working-hours, --hours, --days")
	}
	start := now().In(cal.Location())
	if from != "" {
		if start, err = parseInstant(from, cal.Location()); err != nil {
			return err
		}
	}
	name, value, _ := strings.Cut(amounts[0], "=")
	var due time.Time
	switch name {
	case "working-days", "days":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("calendar add: --%s must be a whole number, got %q", name, value)
		}
		if name == "days" {
			due = cal.AddCalendarDays(start, n)
		} else if due, err = cal.AddWorkingDays(start, n); err != nil {
			return err
		}
	default:
		h, err := strconv.ParseFloat(value, 64)
		if err != nil || !(h >= -1e6 && h <= 1e6) { // also refuses NaN
			return fmt.Errorf("calendar add: --%s must be a number of hours, got %q", name, value)
		}
		d := time.Duration(h * float64(time.Hour))
		if name == "hours" {
			due = cal.AddCalendarHours(start, d)
		} else if due, err = cal.AddWorkingHours(start, d); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, due.Format(time.RFC3339))
	for y := min(start.Year(), due.Year()); y <= max(start.Year(), due.Year()); y++ {
		if yr, err := cal.Year(y); err == nil && yr.Status == sla.Provisional {
			fmt.Fprintf(stderr, "note: %d is provisional (statutory days only, no make-up working days) until its State Council notice is imported\n", y)
		}
	}
	return nil
}

// parseInstant reads an RFC 3339 instant, or a date and time without an
// offset in loc.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("calendar add: --from %q: want e.g. 2026-09-18T10:00 or 2026-09-18T10:00:00+08:00", s)
}

func calendarHolidays(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource) error {
	cal, rest, err := loadCalendar(ctx, "kesu calendar holidays", args, stderr, getenv, source, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: kesu calendar holidays YEAR")
	}
	year, err := strconv.Atoi(rest[0])
	if err != nil {
		return fmt.Errorf("calendar holidays: %q is not a year", rest[0])
	}
	y, err := cal.Year(year)
	if err != nil {
		return err
	}
	switch y.Status {
	case sla.Provisional:
		fmt.Fprintf(stdout, "%d provisional: %s\n", y.Year, y.Source)
	default:
		fmt.Fprintf(stdout, "%d %s: %s (%s)\n", y.Year, y.Status, y.Source, y.SourceDate)
	}
	type line struct {
		d          sla.Date
		kind, name string
	}
	var lines []line
	for _, h := range y.Holidays {
		for _, d := range h.Off {
			lines = append(lines, line{d, "off", h.Name})
		}
		for _, d := range h.Work {
			lines = append(lines, line{d, "work", h.Name + " 调休上班"})
		}
	}
	// Dates are unique within a year, so ordering by date is total.
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(a.d.String(), b.d.String()) })
	for _, l := range lines {
		fmt.Fprintf(stdout, "%s %s  %-4s  %s\n", l.d, l.d.Weekday().String()[:3], l.kind, l.name)
	}
	return nil
}
