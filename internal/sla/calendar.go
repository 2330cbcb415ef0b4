// Package sla holds kesu's time limits: the business calendar and the
// deadline arithmetic on it.
//
// # Business calendar
//
// A Calendar has a time zone (default Asia/Shanghai), the working days of
// the week (default Monday to Friday), the working hours of a working day
// (default 08:30–12:00 and 13:30–17:30) and, per year, the PRC holidays and
// make-up working days (调休上班). A date is a working day when it is a
// make-up day, or when it is a working day of the week and not a holiday.
// A year comes from shipped or imported data (Published, typed from the
// State Council notice) or, when there is none, is computed from the
// statutory days of the national holiday regulation (Provisional, see
// StatutoryDays). Outside the years a calendar can describe, every
// operation returns an error wrapping ErrNoYear rather than guessing.
//
// # Working time
//
// Working periods are half-open intervals of wall-clock time [start, end)
// on working days; 08:30 is working time, 12:00 and 17:30 are not. Working
// time is measured on the wall clock of the calendar's zone, so in a zone
// without daylight saving time (Asia/Shanghai, UTC) it is elapsed time.
// Instants in any zone are accepted and converted; results are in the
// calendar's zone.
//
// An instant outside working hours (night, lunch break, weekend, holiday)
// starts counting at the next working instant: a complaint received on
// Saturday counts from Monday 08:30, one received at 12:10 from 13:30.
// Consequently:
//
//   - AddWorkingHours(t, d) for d > 0 consumes d of working time from
//     NextWorkingInstant(t); a result that falls exactly on the end of a
//     period is that end (17:30), not the next morning.
//   - AddWorkingDays(t, n) for n > 0 keeps the time of day of
//     NextWorkingInstant(t) and moves it n working days on, so 2 working
//     days from Friday 10:00 is Tuesday 10:00 after an ordinary weekend,
//     and from Friday 18:00 it is Wednesday 08:30.
//   - EndOfWorkingDay(t) is the end of the last period of the working day
//     of NextWorkingInstant(t): 17:30 the same day for anything before
//     17:30 on a working day (also 07:00 or the lunch break), otherwise
//     17:30 on the next working day.
//   - Negative amounts count backwards from the previous working instant
//     (an instant in (start, end] of a period stays; others move back to
//     the end of the previous period), so that adding then subtracting the
//     same working time returns to a working instant.
//   - Zero returns NextWorkingInstant(t).
//
// Calendar days and hours (AddCalendarDays, AddCalendarHours) ignore the
// calendar: a "15 days" limit is 15 days on the wall clock, whatever they
// hold. Policies that want a working-day result say so.
//
// All methods are pure functions of the calendar's data and their
// arguments; a Calendar is immutable (WithYear returns a new one) and safe
// for concurrent use.
package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
)

// ErrNoYear is wrapped by the errors for a date in a year the calendar has
// neither data for nor can compute.
var ErrNoYear = errors.New("no holiday calendar for the year")

// Interval is a period of working time within a day, as offsets from
// midnight: [Start, End).
type Interval struct {
	Start, End time.Duration
}

func (iv Interval) String() string { return clockString(iv.Start) + "-" + clockString(iv.End) }

func clockString(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// ParseHours reads working hours such as "08:30-12:00,13:30-17:30".
func ParseHours(s string) ([]Interval, error) {
	var out []Interval
	for part := range strings.SplitSeq(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("working hours %q: want HH:MM-HH:MM", part)
		}
		start, err1 := parseClock(a)
		end, err2 := parseClock(b)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("working hours %q: %w", part, err)
		}
		out = append(out, Interval{start, end})
	}
	return out, validateHours(out)
}

func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func validateHours(hs []Interval) error {
	if len(hs) == 0 {
		return errors.New("working hours: at least one period is needed")
	}
	for i, h := range hs {
		if h.Start < 0 || h.End > 24*time.Hour || h.Start >= h.End {
			return fmt.Errorf("working hours: period %s is empty or outside the day", h)
		}
		if i > 0 && h.Start < hs[i-1].End {
			return fmt.Errorf("working hours: period %s overlaps or precedes %s", h, hs[i-1])
		}
	}
	return nil
}

// Config describes a calendar; zero fields take the defaults.
type Config struct {
	Location *time.Location // default Asia/Shanghai
	Weekdays []time.Weekday // default Monday to Friday
	Hours    []Interval     // default 08:30–12:00, 13:30–17:30, sorted
	Years    []Year         // holiday data; other years are provisional
}

// DefaultHours are the working hours of a fresh install.
var DefaultHours = []Interval{
	{8*time.Hour + 30*time.Minute, 12 * time.Hour},
	{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
}

// Shanghai returns the Asia/Shanghai zone, or a fixed UTC+8 zone of the
// same name when the system has no zone database (China has not used
// daylight saving time since 1991, so the two agree for kesu's dates).
func Shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Shanghai", 8*60*60)
}

// Calendar is a business calendar; see the package documentation.
type Calendar struct {
	loc      *time.Location
	weekdays [7]bool
	hours    []Interval
	dayLen   time.Duration // working time of one working day
	data     map[int]Year
	tables   map[int]*yearTable // built from data at New
	computed *sync.Map          // year → *yearTable, provisional years built on first use
}

// yearTable marks the working days of one year, one bit per day.
type yearTable struct {
	first  int // day number of 1 January
	n      int // days in the year
	work   [6]uint64
	status Status
}

// New builds a calendar. Years are validated; two entries for one year are
// an error.
func New(c Config) (*Calendar, error) {
	cal := &Calendar{loc: c.Location, hours: slices.Clone(c.Hours), data: map[int]Year{}, computed: &sync.Map{}}
	if cal.loc == nil {
		cal.loc = Shanghai()
	}
	if len(cal.hours) == 0 {
		cal.hours = slices.Clone(DefaultHours)
	}
	if err := validateHours(cal.hours); err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "calendar")
	}
	for _, h := range cal.hours {
		cal.dayLen += h.End - h.Start
	}
	wd := c.Weekdays
	if wd == nil {
		wd = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	for _, d := range wd {
		if d < time.Sunday || d > time.Saturday {
			return nil, apperr.New(apperr.Invalid, "calendar: weekday %d is not a day of the week", d)
		}
		cal.weekdays[d] = true
	}
	if !slices.Contains(cal.weekdays[:], true) {
		return nil, apperr.New(apperr.Invalid, "calendar: at least one working day of the week is needed")
	}
	for _, y := range c.Years {
		if _, dup := cal.data[y.Year]; dup {
			return nil, apperr.New(apperr.Invalid, "calendar: year %d given twice", y.Year)
		}
		if err := y.Validate(); err != nil {
			return nil, err
		}
		cal.data[y.Year] = y
	}
	cal.buildTables()
	return cal, nil
}

func (c *Calendar) buildTables() {
	c.tables = make(map[int]*yearTable, len(c.data))
	for y, yr := range c.data {
		c.tables[y] = c.build(yr)
	}
}

// WithYear returns a copy of c in which year y's data replaces whatever c
// had for that year (an imported notice replaces the provisional year).
func (c *Calendar) WithYear(y Year) (*Calendar, error) {
	if err := y.Validate(); err != nil {
		return nil, err
	}
	n := *c
	n.data = make(map[int]Year, len(c.data)+1)
	for k, v := range c.data {
		n.data[k] = v
	}
	n.data[y.Year] = y
	n.tables = make(map[int]*yearTable, len(n.data))
	for k, v := range c.tables {
		n.tables[k] = v
	}
	n.tables[y.Year] = c.build(y)
	// Provisional tables depend only on the year and the weekly rules,
	// which WithYear keeps, so the cache can be shared.
	return &n, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the working periods of a working day.
func (c *Calendar) Hours() []Interval { return slices.Clone(c.hours) }

// Year returns the holiday data of year y: the shipped or imported data,
// else the computed provisional year.
func (c *Calendar) Year(y int) (Year, error) {
	if yr, ok := c.data[y]; ok {
		return yr, nil
	}
	if yr, ok := provisionalYear(y); ok {
		return yr, nil
	}
	return Year{}, noYear(y)
}

// Years returns the years with data (not computed), in order.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.data))
	for y := range c.data {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

func noYear(y int) error {
	return apperr.Wrap(apperr.Unavailable, ErrNoYear, "year %d: import the State Council notice for it", y)
}

func (c *Calendar) build(yr Year) *yearTable {
	first := daysFromCivil(yr.Year, time.January, 1)
	t := &yearTable{first: first, n: daysFromCivil(yr.Year+1, time.January, 1) - first, status: yr.Status}
	set := func(i int, on bool) {
		if on {
			t.work[i>>6] |= 1 << (i & 63)
		} else {
			t.work[i>>6] &^= 1 << (i & 63)
		}
	}
	for i := range t.n {
		set(i, c.weekdays[weekdayOf(first+i)])
	}
	for _, h := range yr.Holidays {
		for _, d := range h.Off {
			set(d.days()-first, false)
		}
	}
	for _, h := range yr.Holidays {
		for _, d := range h.Work {
			set(d.days()-first, true)
		}
	}
	return t
}

func (c *Calendar) table(y int) (*yearTable, error) {
	if t, ok := c.tables[y]; ok {
		return t, nil
	}
	if v, ok := c.computed.Load(y); ok {
		return v.(*yearTable), nil
	}
	yr, ok := provisionalYear(y)
	if !ok {
		return nil, noYear(y)
	}
	v, _ := c.computed.LoadOrStore(y, c.build(yr))
	return v.(*yearTable), nil
}

// cursor remembers the year table last used so that walking day by day
// looks a year up once.
type cursor struct {
	c *Calendar
	t *yearTable
}

func (k *cursor) working(dn int) (bool, error) {
	if k.t == nil || dn < k.t.first || dn >= k.t.first+k.t.n {
		y, _, _ := civilFromDays(dn)
		t, err := k.c.table(y)
		if err != nil {
			return false, err
		}
		k.t = t
	}
	i := dn - k.t.first
	return k.t.work[i>>6]&(1<<(i&63)) != 0, nil
}

// maxGap bounds the search for a working day so that a calendar of
// nothing but holidays fails instead of looping.
const maxGap = 366

// nextDay returns the first working day ≥ dn (step +1) or ≤ dn (step -1).
func (k *cursor) nextDay(dn, step int) (int, error) {
	for range maxGap {
		w, err := k.working(dn)
		if err != nil {
			return 0, err
		}
		if w {
			return dn, nil
		}
		dn += step
	}
	return 0, apperr.New(apperr.Invalid, "calendar: no working day within %d days of %s", maxGap, dateOfDays(dn))
}

// split returns the day number and wall-clock offset of t in the calendar's zone.
func (c *Calendar) split(t time.Time) (int, time.Duration) {
	t = t.In(c.loc)
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return daysFromCivil(y, m, d), time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute +
		time.Duration(ss)*time.Second + time.Duration(t.Nanosecond())
}

func (c *Calendar) join(dn int, clock time.Duration) time.Time {
	y, m, d := civilFromDays(dn)
	return time.Date(y, m, d, 0, 0, 0, int(clock), c.loc)
}

// next moves (dn, clock) to the next working instant.
func (c *Calendar) next(k *cursor, dn int, clock time.Duration) (int, time.Duration, error) {
	w, err := k.working(dn)
	if err != nil {
		return 0, 0, err
	}
	if w {
		for _, p := range c.hours {
			if clock < p.End {
				return dn, max(clock, p.Start), nil
			}
		}
	}
	dn, err = k.nextDay(dn+1, 1)
	return dn, c.hours[0].Start, err
}

// prev moves (dn, clock) back to the previous working instant, an instant
// in (start, end] of a period.
func (c *Calendar) prev(k *cursor, dn int, clock time.Duration) (int, time.Duration, error) {
	w, err := k.working(dn)
	if err != nil {
		return 0, 0, err
	}
	if w {
		for i := len(c.hours) - 1; i >= 0; i-- {
			if p := c.hours[i]; clock > p.Start {
				return dn, min(clock, p.End), nil
			}
		}
	}
	dn, err = k.nextDay(dn-1, -1)
	return dn, c.hours[len(c.hours)-1].End, err
}

// IsWorkingDay reports whether the date of t (in the calendar's zone) is a
// working day.
func (c *Calendar) IsWorkingDay(t time.Time) (bool, error) {
	dn, _ := c.split(t)
	k := cursor{c: c}
	return k.working(dn)
}

// IsWorkingDate reports whether date d is a working day.
func (c *Calendar) IsWorkingDate(d Date) (bool, error) {
	k := cursor{c: c}
	return k.working(d.days())
}

// IsProvisional reports whether the date of t falls in a provisional year.
func (c *Calendar) IsProvisional(t time.Time) (bool, error) {
	dn, _ := c.split(t)
	y, _, _ := civilFromDays(dn)
	tb, err := c.table(y)
	if err != nil {
		return false, err
	}
	return tb.status == Provisional, nil
}

// NextWorkingInstant returns t if it is working time, else the start of the
// next working period.
func (c *Calendar) NextWorkingInstant(t time.Time) (time.Time, error) {
	k := cursor{c: c}
	dn, clock := c.split(t)
	dn, clock, err := c.next(&k, dn, clock)
	if err != nil {
		return time.Time{}, err
	}
	return c.join(dn, clock), nil
}

// EndOfWorkingDay returns the end of the working day on which counting
// from t starts: the close (17:30) of t's day if t is a working day before
// its close, else the close of the next working day.
func (c *Calendar) EndOfWorkingDay(t time.Time) (time.Time, error) {
	k := cursor{c: c}
	dn, clock := c.split(t)
	dn, _, err := c.next(&k, dn, clock)
	if err != nil {
		return time.Time{}, err
	}
	return c.join(dn, c.hours[len(c.hours)-1].End), nil
}

// AddWorkingDays returns the instant n working days after t, at the same
// time of day as the working instant counting starts from (n < 0 counts
// back).
func (c *Calendar) AddWorkingDays(t time.Time, n int) (time.Time, error) {
	k := cursor{c: c}
	dn, clock := c.split(t)
	var err error
	step := 1
	if n < 0 {
		step, n = -1, -n
		dn, clock, err = c.prev(&k, dn, clock)
	} else {
		dn, clock, err = c.next(&k, dn, clock)
	}
	for ; n > 0 && err == nil; n-- {
		dn, err = k.nextDay(dn+step, step)
	}
	if err != nil {
		return time.Time{}, err
	}
	return c.join(dn, clock), nil
}

// AddWorkingHours returns the instant at which d of working time has
// passed since t (d < 0 counts back).
func (c *Calendar) AddWorkingHours(t time.Time, d time.Duration) (time.Time, error) {
	k := cursor{c: c}
	dn, clock := c.split(t)
	var err error
	if d >= 0 {
		dn, clock, err = c.forward(&k, dn, clock, d)
	} else {
		dn, clock, err = c.backward(&k, dn, clock, -d)
	}
	if err != nil {
		return time.Time{}, err
	}
	return c.join(dn, clock), nil
}

func (c *Calendar) forward(k *cursor, dn int, clock, rem time.Duration) (int, time.Duration, error) {
	dn, clock, err := c.next(k, dn, clock)
	for err == nil {
		for _, p := range c.hours {
			if clock >= p.End {
				continue
			}
			clock = max(clock, p.Start)
			if rem <= p.End-clock {
				return dn, clock + rem, nil
			}
			rem -= p.End - clock
			clock = p.End
		}
		// Whole working days at a time; strictly more than a day left
		// means the result lies beyond the next working day.
		for dn, err = k.nextDay(dn+1, 1); err == nil && rem > c.dayLen; {
			rem -= c.dayLen
			dn, err = k.nextDay(dn+1, 1)
		}
		clock = 0
	}
	return 0, 0, err
}

func (c *Calendar) backward(k *cursor, dn int, clock, rem time.Duration) (int, time.Duration, error) {
	dn, clock, err := c.prev(k, dn, clock)
	for err == nil {
		for i := len(c.hours) - 1; i >= 0; i-- {
			p := c.hours[i]
			if clock <= p.Start {
				continue
			}
			clock = min(clock, p.End)
			if rem <= clock-p.Start {
				return dn, clock - rem, nil
			}
			rem -= clock - p.Start
			clock = p.Start
		}
		for dn, err = k.nextDay(dn-1, -1); err == nil && rem > c.dayLen; {
			rem -= c.dayLen
			dn, err = k.nextDay(dn-1, -1)
		}
		clock = 24 * time.Hour
	}
	return 0, 0, err
}

// WorkingTimeBetween returns the working time in [a, b), negative when b
// is before a.
func (c *Calendar) WorkingTimeBetween(a, b time.Time) (time.Duration, error) {
	if b.Before(a) {
		d, err := c.WorkingTimeBetween(b, a)
		return -d, err
	}
	k := cursor{c: c}
	da, ca := c.split(a)
	db, cb := c.split(b)
	var total time.Duration
	for dn := da; dn <= db; dn++ {
		w, err := k.working(dn)
		if err != nil {
			return 0, err
		}
		if !w {
			continue
		}
		from, to := time.Duration(0), 24*time.Hour
		if dn == da {
			from = ca
		}
		if dn == db {
			to = cb
		}
		if from == 0 && to == 24*time.Hour {
			total += c.dayLen
			continue
		}
		for _, p := range c.hours {
			if s, e := max(from, p.Start), min(to, p.End); e > s {
				total += e - s
			}
		}
	}
	return total, nil
}

// AddCalendarHours returns t + d in the calendar's zone; the calendar's
// working days play no part.
func (c *Calendar) AddCalendarHours(t time.Time, d time.Duration) time.Time {
	return t.Add(d).In(c.loc)
}

// EndOfCalendarDay returns the last second of t's date in the calendar's
// zone (23:59:59), weekends and holidays included.
func (c *Calendar) EndOfCalendarDay(t time.Time) time.Time {
	l := t.In(c.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 59, 0, c.loc)
}

// HoursPerDay is the working time of one working day.
func (c *Calendar) HoursPerDay() time.Duration {
	var d time.Duration
	for _, iv := range c.hours {
		d += iv.End - iv.Start
	}
	return d
}

// AddCalendarDays returns the same wall-clock time n days after t in the
// calendar's zone; the calendar's working days play no part.
func (c *Calendar) AddCalendarDays(t time.Time, n int) time.Time {
	return t.In(c.loc).AddDate(0, 0, n)
}

// Civil-date arithmetic on day numbers (days since 1970-01-01), after
// Howard Hinnant's algorithms; faster than time.Date in the inner loops.

func daysFromCivil(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (int, time.Month, int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, time.Month(m), d
}

func dateOfDays(dn int) Date {
	y, m, d := civilFromDays(dn)
	return Date{y, m, d}
}

func weekdayOf(dn int) time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(((dn+4)%7 + 7) % 7)
}
