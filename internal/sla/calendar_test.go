package sla

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func defaultCal(t testing.TB) *Calendar {
	t.Helper()
	cal, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

var cst = Shanghai()

// at reads "2006-01-02 15:04" (or with seconds) in Asia/Shanghai.
func at(s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout += ":05"
	}
	t, err := time.ParseInLocation(layout, s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

func sameInstant(t *testing.T, name string, got time.Time, err error, want time.Time) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !got.Equal(want) || got.Location().String() != "Asia/Shanghai" {
		t.Errorf("%s = %s, want %s", name, got.Format(time.RFC3339+" Mon"), want.Format(time.RFC3339+" Mon"))
	}
}

func TestIsWorkingDay(t *testing.T) {
	cal := defaultCal(t)
	cases := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"ordinary Wednesday", at("2026-09-16 10:00"), true},
		{"ordinary Saturday", at("2026-09-12 10:00"), false},
		{"make-up Sunday before National Day", at("2026-09-20 10:00"), true},
		{"make-up Saturday after National Day", at("2026-10-10 10:00"), true},
		{"make-up Saturday before Spring Festival", at("2026-02-14 10:00"), true},
		{"Spring Festival weekday", at("2026-02-18 10:00"), false},
		{"Mid-Autumn Friday", at("2026-09-25 10:00"), false},
		{"National Day weekday", at("2026-10-07 10:00"), false},
		{"2025 New Year's Day", at("2025-01-01 10:00"), false},
		{"2025 make-up Sunday", at("2025-01-26 10:00"), true},
		{"2025 last day", at("2025-12-31 23:59:59"), true},
		{"2026 New Year weekday", at("2026-01-02 00:00"), false},
		{"2026 make-up Sunday at midnight", at("2026-01-04 00:00"), true},
		{"provisional 2027 New Year's Day", at("2027-01-01 10:00"), false},
		{"provisional 2027 除夕", at("2027-02-05 10:00"), false},
		{"provisional 2027 初四 (no notice yet)", at("2027-02-09 10:00"), true},
		{"UTC instant that is 1 October in Shanghai", time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), false},
		{"UTC instant that is still 30 September", time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC), true},
	}
	for _, c := range cases {
		got, err := cal.IsWorkingDay(c.t)
		if err != nil || got != c.want {
			t.Errorf("%s: IsWorkingDay = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func TestNextWorkingInstant(t *testing.T) {
	cal := defaultCal(t)
	cases := []struct{ name, from, want string }{
		{"early morning", "2026-09-15 07:00", "2026-09-15 08:30"},
		{"start of day is working", "2026-09-15 08:30", "2026-09-15 08:30"},
		{"inside the morning", "2026-09-15 11:59:59", "2026-09-15 11:59:59"},
		{"noon is lunch", "2026-09-15 12:00", "2026-09-15 13:30"},
		{"lunch break", "2026-09-15 12:10", "2026-09-15 13:30"},
		{"close is not working", "2026-09-15 17:30", "2026-09-16 08:30"},
		{"midnight", "2026-09-16 00:00", "2026-09-16 08:30"},
		{"just before midnight", "2026-09-15 23:59:59", "2026-09-16 08:30"},
		{"Friday evening", "2026-09-11 18:00", "2026-09-14 08:30"},
		{"Friday evening before a make-up Sunday", "2026-09-18 18:00", "2026-09-20 08:30"},
		{"eve of National Day", "2026-09-30 18:00", "2026-10-08 08:30"},
		{"into provisional 2027", "2026-12-31 18:00", "2027-01-04 08:30"},
		{"Spring Festival 2026", "2026-02-15 09:00", "2026-02-24 08:30"},
	}
	for _, c := range cases {
		got, err := cal.NextWorkingInstant(at(c.from))
		sameInstant(t, c.name, got, err, at(c.want))
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := defaultCal(t)
	cases := []struct {
		name, from string
		n          int
		want       string
	}{
		// Issue 6 seed: containment in 2 working days from Friday 10:00. The
		// issue expected Tuesday 2026-09-22, but the 2026 notice makes Sunday
		// 2026-09-20 a working day (调休 for National Day), so the notice's
		// calendar gives Monday; after an ordinary weekend it is Tuesday.
		{"containment across a make-up Sunday", "2026-09-18 10:00", 2, "2026-09-21 10:00"},
		{"containment across an ordinary weekend", "2026-09-11 10:00", 2, "2026-09-15 10:00"},
		// Issue 6 seed: 10 working days (CAPA) from the day before the 2026
		// Mid-Autumn holiday (Thursday 09-24): 09-28, 29, 30, [10-01…07 off],
		// 10-08, 09, 10 (make-up Saturday), 12, 13, 14, 15.
		{"CAPA across Mid-Autumn and National Day", "2026-09-24 10:00", 10, "2026-10-15 10:00"},
		{"received after close counts from the next morning", "2026-09-11 18:00", 2, "2026-09-16 08:30"},
		{"received in the lunch break", "2026-09-15 12:30", 1, "2026-09-16 13:30"},
		{"received on Saturday", "2026-09-12 10:00", 1, "2026-09-15 08:30"},
		{"make-up Saturday counts", "2026-02-13 10:00", 1, "2026-02-14 10:00"},
		{"across Spring Festival", "2026-02-13 10:00", 2, "2026-02-24 10:00"},
		{"year boundary onto a make-up Sunday", "2025-12-31 10:00", 1, "2026-01-04 10:00"},
		{"year boundary into provisional 2027", "2026-12-31 10:00", 1, "2027-01-04 10:00"},
		{"2025 National Day and Mid-Autumn", "2025-09-30 16:00", 1, "2025-10-09 16:00"},
		{"zero starts counting", "2026-09-12 10:00", 0, "2026-09-14 08:30"},
		{"back two days", "2026-09-15 10:00", -2, "2026-09-11 10:00"},
		{"back across National Day", "2026-10-08 10:00", -1, "2026-09-30 10:00"},
		{"back from the close", "2026-10-08 17:30", -1, "2026-09-30 17:30"},
		{"back from the evening", "2026-10-08 20:00", -1, "2026-09-30 17:30"},
	}
	for _, c := range cases {
		got, err := cal.AddWorkingDays(at(c.from), c.n)
		sameInstant(t, c.name, got, err, at(c.want))
	}
}

func TestAddWorkingHours(t *testing.T) {
	cal := defaultCal(t)
	h := func(x float64) time.Duration { return time.Duration(x * float64(time.Hour)) }
	cases := []struct {
		name, from string
		d          time.Duration
		want       string
	}{
		{"within the morning", "2026-09-15 10:00", h(1), "2026-09-15 11:00"},
		{"ends exactly at noon", "2026-09-15 10:00", h(2), "2026-09-15 12:00"},
		{"skips lunch", "2026-09-15 10:00", h(2) + time.Minute, "2026-09-15 13:31"},
		{"ends exactly at the close", "2026-09-16 16:00", h(1.5), "2026-09-16 17:30"},
		{"overnight", "2026-09-16 16:00", h(2), "2026-09-17 09:00"},
		{"a working day is 7.5 hours", "2026-09-15 10:00", h(7.5), "2026-09-16 10:00"},
		{"from Saturday", "2026-09-12 10:00", h(1), "2026-09-14 09:30"},
		{"from midnight", "2026-09-15 00:00", h(4), "2026-09-15 14:00"},
		// 6 h on 09-24, 7.5 × 4 on 09-28…10-08 (36), 10-09 (43.5), then 3.5 + 1 on
		// the make-up Saturday 10-10.
		{"48 working hours across the holidays", "2026-09-24 10:00", h(48), "2026-10-10 14:30"},
		{"back within the day", "2026-09-15 13:30", -h(1), "2026-09-15 11:00"},
		{"back overnight", "2026-09-16 09:00", -h(1), "2026-09-15 17:00"},
		{"back to the very start", "2026-09-15 09:30", -h(1), "2026-09-15 08:30"},
		{"back from lunch", "2026-09-15 12:45", -h(0.5), "2026-09-15 11:30"},
		{"zero", "2026-09-15 12:45", 0, "2026-09-15 13:30"},
	}
	for _, c := range cases {
		got, err := cal.AddWorkingHours(at(c.from), c.d)
		sameInstant(t, c.name, got, err, at(c.want))
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	cal := defaultCal(t)
	cases := []struct {
		name, a, b string
		want       time.Duration
	}{
		{"same instant", "2026-09-15 10:00", "2026-09-15 10:00", 0},
		{"within the morning", "2026-09-15 10:00", "2026-09-15 11:15", 75 * time.Minute},
		{"across lunch", "2026-09-15 11:00", "2026-09-15 14:00", 90 * time.Minute},
		{"whole lunch break", "2026-09-15 12:00", "2026-09-15 13:30", 0},
		{"whole day", "2026-09-15 00:00", "2026-09-16 00:00", 450 * time.Minute},
		{"across midnight", "2026-09-15 17:00", "2026-09-16 09:00", time.Hour},
		{"across a weekend", "2026-09-11 17:00", "2026-09-14 09:00", time.Hour},
		{"across National Day", "2026-09-30 17:00", "2026-10-08 09:00", time.Hour},
		{"make-up Sunday counts", "2026-09-19 00:00", "2026-09-21 00:00", 450 * time.Minute},
		{"reversed is negative", "2026-09-15 14:00", "2026-09-15 11:00", -90 * time.Minute},
		{"across the year end", "2026-12-31 17:00", "2027-01-04 09:00", time.Hour},
	}
	for _, c := range cases {
		got, err := cal.WorkingTimeBetween(at(c.a), at(c.b))
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	// Instants in another zone are converted: 02:00 UTC is 10:00 in Shanghai.
	got, err := cal.WorkingTimeBetween(time.Date(2026, 9, 15, 2, 0, 0, 0, time.UTC), at("2026-09-15 11:00"))
	if err != nil || got != time.Hour {
		t.Errorf("UTC start: %v, %v", got, err)
	}
}

func TestEndOfWorkingDay(t *testing.T) {
	cal := defaultCal(t)
	cases := []struct{ name, from, want string }{
		{"safety complaint at 16:00 is due the same day", "2026-09-15 16:00", "2026-09-15 17:30"},
		{"before opening", "2026-09-15 07:00", "2026-09-15 17:30"},
		{"lunch break", "2026-09-15 12:30", "2026-09-15 17:30"},
		{"at the close: next working day", "2026-09-15 17:30", "2026-09-16 17:30"},
		{"Friday evening: Monday", "2026-09-11 20:00", "2026-09-14 17:30"},
		{"Saturday before a make-up Sunday", "2026-09-19 16:00", "2026-09-20 17:30"},
		{"eve of National Day", "2026-09-30 18:00", "2026-10-08 17:30"},
		{"on a holiday", "2026-10-03 09:00", "2026-10-08 17:30"},
	}
	for _, c := range cases {
		got, err := cal.EndOfWorkingDay(at(c.from))
		sameInstant(t, c.name, got, err, at(c.want))
	}
}

// Issue 6: closure in 15 days for domestic and 20 days for foreign
// customers are calendar days.
func TestCalendarDaysAndHours(t *testing.T) {
	cal := defaultCal(t)
	received := at("2026-09-18 10:00")
	sameInstant(t, "domestic 15 days", cal.AddCalendarDays(received, 15), nil, at("2026-10-03 10:00"))
	sameInstant(t, "foreign 20 days", cal.AddCalendarDays(received, 20), nil, at("2026-10-08 10:00"))
	sameInstant(t, "first contact 24 h", cal.AddCalendarHours(received, 24*time.Hour), nil, at("2026-09-19 10:00"))
	sameInstant(t, "solution 48 h", cal.AddCalendarHours(received, 48*time.Hour), nil, at("2026-09-20 10:00"))
	sameInstant(t, "across the year end", cal.AddCalendarDays(at("2026-12-25 23:30"), 7), nil, at("2027-01-01 23:30"))
	utc := time.Date(2026, 9, 18, 2, 0, 0, 0, time.UTC)
	sameInstant(t, "UTC input", cal.AddCalendarDays(utc, 15), nil, at("2026-10-03 10:00"))
}

// Issue 6: with 2027 provisional, a deadline in January 2027 never lands on
// New Year's Day, nor on any other day off.
func TestJanuary2027NeverOnNewYearsDay(t *testing.T) {
	cal := defaultCal(t)
	for from := at("2026-12-20 00:00"); from.Before(at("2027-01-10 00:00")); from = from.Add(37 * time.Minute) {
		for n := 0; n <= 5; n++ {
			due, err := cal.AddWorkingDays(from, n)
			if err != nil {
				t.Fatal(err)
			}
			checkWorkingResult(t, cal, from, due)
			due, err = cal.AddWorkingHours(from, time.Duration(n)*3*time.Hour+time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			checkWorkingResult(t, cal, from, due)
			if due, err = cal.EndOfWorkingDay(from); err != nil {
				t.Fatal(err)
			}
			checkWorkingResult(t, cal, from, due)
		}
	}
	if p, _ := cal.IsProvisional(at("2027-01-15 10:00")); !p {
		t.Error("2027 is not marked provisional")
	}
	if p, _ := cal.IsProvisional(at("2026-01-15 10:00")); p {
		t.Error("2026 is marked provisional")
	}
}

func checkWorkingResult(t *testing.T, cal *Calendar, from, due time.Time) {
	t.Helper()
	if d := DateOf(due); d == (Date{2027, time.January, 1}) {
		t.Fatalf("from %s: due on New Year's Day %s", from, due)
	}
	if w, err := cal.IsWorkingDay(due); err != nil || !w {
		t.Fatalf("from %s: due %s is not a working day", from, due)
	}
}

// A calendar in another zone with other hours; instants given in Shanghai
// time are converted.
func TestCalendarInUTC(t *testing.T) {
	cal, err := New(Config{
		Location: time.UTC,
		Hours:    []Interval{{9 * time.Hour, 17 * time.Hour}},
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2026-09-18 Friday 18:00 in Shanghai is 10:00 UTC.
	due, err := cal.AddWorkingDays(at("2026-09-18 18:00"), 1)
	if err != nil || !due.Equal(time.Date(2026, 9, 19, 10, 0, 0, 0, time.UTC)) || due.Location() != time.UTC {
		t.Errorf("1 working day: %s, %v", due, err)
	}
	// Provisional holidays apply in any zone: 2027-01-01 is off.
	due, err = cal.AddWorkingHours(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), 2*time.Hour)
	if err != nil || !due.Equal(time.Date(2027, 1, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("2 working hours over New Year: %s, %v", due, err)
	}
}

// Properties over many random instants in 2025–2027: results are working
// instants, and working time between start and result is what was added.
func TestRandomDeadlinesAreConsistent(t *testing.T) {
	cal := defaultCal(t)
	r := rand.New(rand.NewPCG(6, 6))
	start := at("2025-01-01 00:00")
	for range 5000 {
		from := start.Add(time.Duration(r.Int64N(int64(3*365*24*time.Hour))) / time.Minute * time.Minute)
		d := time.Duration(r.Int64N(200*60)) * time.Minute
		due, err := cal.AddWorkingHours(from, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := cal.WorkingTimeBetween(from, due); err != nil || got != d {
			t.Fatalf("from %s + %s = %s; working time between is %s (%v)", from, d, due, got, err)
		}
		if d > 0 {
			// The result is in (start, end] of a period: just before it is working time.
			if w, _ := cal.WorkingTimeBetween(due.Add(-time.Second), due); w != time.Second {
				t.Fatalf("from %s + %s = %s is not the end of working time", from, d, due)
			}
		}
		n := r.IntN(30)
		due, err = cal.AddWorkingDays(from, n)
		if err != nil {
			t.Fatal(err)
		}
		begin, _ := cal.NextWorkingInstant(from)
		if got, _ := cal.WorkingTimeBetween(begin, due); got != time.Duration(n)*cal.dayLen {
			t.Fatalf("from %s + %d working days = %s: %s of working time", from, n, due, got)
		}
		if due.Hour() != begin.Hour() || due.Minute() != begin.Minute() {
			t.Fatalf("from %s + %d working days = %s: time of day changed", from, n, due)
		}
	}
}

// The provisional year is computed once per calendar, also under
// concurrent first use (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	cal := defaultCal(t)
	var wg sync.WaitGroup
	results := make([]time.Time, 8)
	for i := range results {
		wg.Go(func() {
			due, err := cal.AddWorkingDays(at("2030-12-30 10:00"), 3)
			if err != nil {
				t.Error(err)
			}
			results[i] = due
		})
	}
	wg.Wait()
	for _, r := range results {
		if !r.Equal(results[0]) {
			t.Fatalf("results differ: %v", results)
		}
	}
}
