package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/sla"
)

const calendarUsage = `Usage:
  kesu calendar add [--from 2026-09-18T10:00] (--working-days N | --working-hours N | --hours N | --days N) [settings]
  kesu calendar holidays YEAR [settings]
  kesu calendar import FILE [--note TEXT] [settings]
  kesu calendar export YEAR [settings]

The commands read the business calendar the server uses: the shipped
holiday years, replaced by those an administrator imported or edited in the
database (the data folder's SQLite file, or --db). Without a database yet
they read the shipped years.

"add" prints the due instant in RFC 3339 in the organisation's time zone;
--from defaults to now and without an offset is read in that zone. Negative
amounts count back. "holidays" lists the days off and make-up working days
of a year, whether it is published or provisional, and who imported or
edited it. "import" checks a holiday file (the format of the shipped files,
typed from the State Council notice) and stores it as its year; a file with
any problem stores nothing. "export" prints a year in that format.
`

// calendarSource opens the business calendar the commands work on; done
// releases what it holds. write asks for a database to store changes in,
// created if need be; otherwise a data folder without a database gives the
// shipped calendar.
type calendarSource func(ctx context.Context, c app.Config, stderr io.Writer, write bool) (cals *sla.Calendars, done func(), err error)

// databaseCalendar is the calendar the server uses: the shipped years and
// the administrators' years stored in the configured database.
func databaseCalendar(ctx context.Context, c app.Config, stderr io.Writer, write bool) (*sla.Calendars, func(), error) {
	if c.DB == "" && !write {
		if _, err := os.Stat(c.SQLiteFile()); errors.Is(err, fs.ErrNotExist) {
			cals, err := app.NewCalendars(ctx, c, nil)
			return cals, func() {}, err
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := app.OpenDB(ctx, c, time.Now, log)
	if err != nil {
		return nil, nil, err
	}
	cals, err := app.NewCalendars(ctx, c, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return cals, func() { db.Close() }, nil
}

// calendarCmd runs "kesu calendar …".
func calendarCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return runCalendar(ctx, args, stdout, stderr, getenv, databaseCalendar, time.Now)
}

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource, now func() time.Time) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, calendarUsage)
		return errors.New("calendar: add, holidays, import or export expected")
	}
	switch args[0] {
	case "add":
		return calendarAdd(ctx, args[1:], stdout, stderr, getenv, source, now)
	case "holidays":
		return calendarHolidays(ctx, args[1:], stdout, stderr, getenv, source)
	case "import":
		return calendarImport(ctx, args[1:], stdout, stderr, getenv, source)
	case "export":
		return calendarExport(ctx, args[1:], stdout, stderr, getenv, source)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, calendarUsage)
		return nil
	}
	fmt.Fprint(stderr, calendarUsage)
	return fmt.Errorf("calendar: unknown command %q", args[0])
}

// loadCalendar reads the shared settings (--data, --db, --timezone, …)
// plus extra flags and returns the calendar, the positional arguments and
// the function that releases the calendar's database.
func loadCalendar(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string,
	source calendarSource, write bool, extra func(fs *flag.FlagSet)) (*sla.Calendars, []string, func(), error) {
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
		return nil, nil, nil, err
	}
	cals, done, err := source(ctx, c, stderr, write)
	if err != nil {
		return nil, nil, nil, err
	}
	return cals, append(lead, fs.Args()...), done, nil
}

// yearArg reads the one YEAR argument of a command.
func yearArg(cmd string, rest []string) (int, error) {
	if len(rest) != 1 {
		return 0, fmt.Errorf("usage: kesu calendar %s YEAR", cmd)
	}
	year, err := strconv.Atoi(rest[0])
	if err != nil {
		return 0, fmt.Errorf("calendar %s: %q is not a year", cmd, rest[0])
	}
	return year, nil
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
	cals, rest, done, err := loadCalendar(ctx, "kesu calendar add", args, stderr, getenv, source, false, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "start instant, e.g. 2026-09-18T10:00 (default now)")
		amount(fs, "working-days", "add N working days (same time of day)")
		amount(fs, "working-hours", "add N hours of working time")
		amount(fs, "hours", "add N calendar hours")
		amount(fs, "days", "add N calendar days")
	})
	if err != nil {
		return err
	}
	defer done()
	cal := cals.Current().Calendar
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
	cals, rest, done, err := loadCalendar(ctx, "kesu calendar holidays", args, stderr, getenv, source, false, nil)
	if err != nil {
		return err
	}
	defer done()
	year, err := yearArg("holidays", rest)
	if err != nil {
		return err
	}
	info, err := cals.Current().Info(year)
	if err != nil {
		return err
	}
	y := info.Year
	switch y.Status {
	case sla.Provisional:
		fmt.Fprintf(stdout, "%d provisional: %s\n", y.Year, y.Source)
	default:
		fmt.Fprintf(stdout, "%d %s: %s (%s)\n", y.Year, y.Status, y.Source, y.SourceDate)
	}
	if s := info.Stored; s != nil {
		fmt.Fprintf(stdout, "%s by %s at %s", s.Origin, s.By.Name, s.At.In(cals.Current().Calendar.Location()).Format("2006-01-02 15:04"))
		if s.Note != "" {
			fmt.Fprintf(stdout, ": %s", s.Note)
		}
		fmt.Fprintln(stdout)
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

// calendarImport stores a holiday file as its year, for new deadlines of
// every server (running servers pick it up within sla.CalendarPoll).
func calendarImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource) error {
	var note string
	cals, rest, done, err := loadCalendar(ctx, "kesu calendar import", args, stderr, getenv, source, true, func(fs *flag.FlagSet) {
		fs.StringVar(&note, "note", "", "a remark for the audit log, e.g. the notice's number")
	})
	if err != nil {
		return err
	}
	defer done()
	if len(rest) != 1 {
		return errors.New("usage: kesu calendar import FILE")
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("calendar import: %w", err)
	}
	y, err := sla.ParseYear(f)
	f.Close()
	if err == nil {
		before, _ := cals.Current().Info(y.Year)
		if _, err = cals.Import(ctx, y, note, audit.Actor{Name: "cli"}); err == nil {
			was := string(before.Origin)
			if before.Year.Status == sla.Provisional {
				was += " provisional"
			}
			fmt.Fprintf(stdout, "%d imported (%s, %d days off, %d make-up working days), replacing the %s year\n",
				y.Year, y.Status, len(y.Off()), len(y.Work()), was)
			return nil
		}
	}
	return fmt.Errorf("calendar import %s: nothing stored: %w", rest[0], describe(err))
}

// calendarExport prints a year in the holiday file format.
func calendarExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string,
	source calendarSource) error {
	cals, rest, done, err := loadCalendar(ctx, "kesu calendar export", args, stderr, getenv, source, false, nil)
	if err != nil {
		return err
	}
	defer done()
	year, err := yearArg("export", rest)
	if err != nil {
		return err
	}
	info, err := cals.Current().Info(year)
	if err != nil {
		return err
	}
	b, err := info.Year.MarshalIndent()
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
