package sla

import (
	"testing"
	"time"
)

// FuzzAddSubtract: from a working instant t, adding d of working time and
// then subtracting it returns to t, and the working time between t and the
// result is d; adding n working days and subtracting them returns to the
// same working moment.
func FuzzAddSubtract(f *testing.F) {
	cal := defaultCal(f)
	base := at("2026-01-01 00:00")
	span := int64(at("2030-01-01 00:00").Sub(base) / time.Second)
	f.Add(int64(0), int64(60), int8(1))
	f.Add(int64(54_000), int64(450), int8(2))          // 15:00 on 1 Jan 2025
	f.Add(int64(55_065_600), int64(2880), int8(10))    // 2026-09-29
	f.Add(int64(63_072_000), int64(7*450+1), int8(-3)) // around 2027
	f.Add(int64(-5), int64(-1), int8(0))               // negative inputs are folded
	f.Add(int64(span-1), int64(100_000), int8(127))    // end of the range
	f.Fuzz(func(t *testing.T, offset, minutes int64, days int8) {
		offset = ((offset % span) + span) % span
		from, err := cal.NextWorkingInstant(base.Add(time.Duration(offset) * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		// Under 100,000 minutes (about 222 working days) so that going back
		// stays within the years with data.
		d := time.Duration((minutes%100_000+100_000)%100_000) * time.Minute
		due, err := cal.AddWorkingHours(from, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := cal.WorkingTimeBetween(from, due); err != nil || got != d {
			t.Fatalf("%s + %s = %s, but %s (%v) of working time lies between", from, d, due, got, err)
		}
		back, err := cal.AddWorkingHours(due, -d)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(from) {
			t.Fatalf("%s + %s = %s, minus %s = %s", from, d, due, d, back)
		}
		later, err := cal.AddWorkingDays(from, int(days))
		if err != nil {
			t.Fatal(err)
		}
		again, err := cal.AddWorkingDays(later, -int(days))
		if err != nil {
			t.Fatal(err)
		}
		// Going back from 08:30 lands on the previous 17:30, the same
		// moment of working time.
		if gap, err := cal.WorkingTimeBetween(from, again); err != nil || gap != 0 {
			t.Fatalf("%s %+d working days = %s, back = %s (%s apart, %v)", from, days, later, again, gap, err)
		}
	})
}

// BenchmarkAddWorkingDays: one deadline (10 working days, across weekends
// and holidays) from a spread of instants; the target is ≤ 2 µs.
func BenchmarkAddWorkingDays(b *testing.B) {
	cal := defaultCal(b)
	starts := make([]time.Time, 1024)
	for i := range starts {
		starts[i] = at("2026-01-01 00:00").Add(time.Duration(i)*8*time.Hour + time.Duration(i)*time.Minute)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := cal.AddWorkingDays(starts[i&1023], 10); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAddWorkingHours(b *testing.B) {
	cal := defaultCal(b)
	from := at("2026-09-24 10:00")
	for b.Loop() {
		if _, err := cal.AddWorkingHours(from, 48*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWorkingTimeBetween(b *testing.B) {
	cal := defaultCal(b)
	a, c := at("2026-09-24 10:00"), at("2026-10-15 10:00")
	for b.Loop() {
		if _, err := cal.WorkingTimeBetween(a, c); err != nil {
			b.Fatal(err)
		}
	}
}
