package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"kesu/internal/apperr"
)

// noticeDay is a date with the weekday the notice prints beside it (周几);
// checking both catches a mistyped day.
type noticeDay struct {
	date string
	wd   time.Weekday
}

// noticeItem is one paragraph of a notice: a run of days off and the
// make-up working days.
type noticeItem struct {
	name     string
	from, to noticeDay
	work     []noticeDay
}

func checkNotice(t *testing.T, y Year, source, sourceDate string, items []noticeItem) {
	t.Helper()
	if y.Status != Published || !strings.Contains(y.Source, source) || y.SourceDate.String() != sourceDate {
		t.Fatalf("year %d: status %s, source %q of %s; want published, %q of %s", y.Year, y.Status, y.Source, y.SourceDate, source, sourceDate)
	}
	if len(y.Holidays) != len(items) {
		t.Fatalf("year %d: %d holidays, want %d", y.Year, len(y.Holidays), len(items))
	}
	weekday := func(nd noticeDay) Date {
		d, err := ParseDate(nd.date)
		if err != nil {
			t.Fatal(err)
		}
		if d.Weekday() != nd.wd {
			t.Fatalf("test table: %s is a %s, not %s", nd.date, d.Weekday(), nd.wd)
		}
		return d
	}
	for i, it := range items {
		h := y.Holidays[i]
		from, to := weekday(it.from), weekday(it.to)
		var off []Date
		for dn := from.days(); dn <= to.days(); dn++ {
			off = append(off, dateOfDays(dn))
		}
		var work []Date
		for _, w := range it.work {
			work = append(work, weekday(w))
		}
		if h.Name != it.name || !slices.Equal(h.Off, off) || !slices.Equal(h.Work, work) {
			t.Errorf("year %d holiday %d:\n got %s off %v work %v\nwant %s off %v work %v", y.Year, i, h.Name, h.Off, h.Work, it.name, off, work)
		}
	}
}

func shippedYear(t *testing.T, year int) Year {
	t.Helper()
	ys, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range ys {
		if y.Year == year {
			return y
		}
	}
	t.Fatalf("year %d not shipped", year)
	return Year{}
}

// The 2025 notice: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号,
// 2024-11-12, the first under the regulation as amended in November 2024.
func TestShipped2025MatchesNotice(t *testing.T) {
	checkNotice(t, shippedYear(t, 2025), "国办发明电〔2024〕12号", "2024-11-12", []noticeItem{
		{"元旦", noticeDay{"2025-01-01", time.Wednesday}, noticeDay{"2025-01-01", time.Wednesday}, nil},
		{"春节", noticeDay{"2025-01-28", time.Tuesday}, noticeDay{"2025-02-04", time.Tuesday},
			[]noticeDay{{"2025-01-26", time.Sunday}, {"2025-02-08", time.Saturday}}},
		{"清明节", noticeDay{"2025-04-04", time.Friday}, noticeDay{"2025-04-06", time.Sunday}, nil},
		{"劳动节", noticeDay{"2025-05-01", time.Thursday}, noticeDay{"2025-05-05", time.Monday},
			[]noticeDay{{"2025-04-27", time.Sunday}}},
		{"端午节", noticeDay{"2025-05-31", time.Saturday}, noticeDay{"2025-06-02", time.Monday}, nil},
		{"国庆节、中秋节", noticeDay{"2025-10-01", time.Wednesday}, noticeDay{"2025-10-08", time.Wednesday},
			[]noticeDay{{"2025-09-28", time.Sunday}, {"2025-10-11", time.Saturday}}},
	})
}

// The 2026 notice: 国务院办公厅关于2026年部分节假日安排的通知 of 2025-11-04.
func TestShipped2026MatchesNotice(t *testing.T) {
	checkNotice(t, shippedYear(t, 2026), "2026年部分节假日安排", "2025-11-04", []noticeItem{
		{"元旦", noticeDay{"2026-01-01", time.Thursday}, noticeDay{"2026-01-03", time.Saturday},
			[]noticeDay{{"2026-01-04", time.Sunday}}},
		{"春节", noticeDay{"2026-02-15", time.Sunday}, noticeDay{"2026-02-23", time.Monday},
			[]noticeDay{{"2026-02-14", time.Saturday}, {"2026-02-28", time.Saturday}}},
		{"清明节", noticeDay{"2026-04-04", time.Saturday}, noticeDay{"2026-04-06", time.Monday}, nil},
		{"劳动节", noticeDay{"2026-05-01", time.Friday}, noticeDay{"2026-05-05", time.Tuesday},
			[]noticeDay{{"2026-05-09", time.Saturday}}},
		{"端午节", noticeDay{"2026-06-19", time.Friday}, noticeDay{"2026-06-21", time.Sunday}, nil},
		{"中秋节", noticeDay{"2026-09-25", time.Friday}, noticeDay{"2026-09-27", time.Sunday}, nil},
		{"国庆节", noticeDay{"2026-10-01", time.Thursday}, noticeDay{"2026-10-07", time.Wednesday},
			[]noticeDay{{"2026-09-20", time.Sunday}, {"2026-10-10", time.Saturday}}},
	})
}

// Every statutory day of the regulation must be off in a published year.
func TestShippedIncludesStatutoryDays(t *testing.T) {
	ys, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range ys {
		stat, ok := StatutoryDays(y.Year)
		if !ok {
			t.Fatalf("no statutory days for %d", y.Year)
		}
		off := y.Off()
		for _, d := range stat {
			if !slices.Contains(off, d) {
				t.Errorf("%d: statutory day %s is not off", y.Year, d)
			}
		}
	}
}

// lunar-go carries its own table of the notices; agreeing with it is an
// independent check of our typing.
func TestShippedAgreesWithLunarGoTable(t *testing.T) {
	ys, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range ys {
		var off, work []Date
		for e := HolidayUtil.GetHolidaysByYear(y.Year).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err := ParseDate(h.GetDay())
			if err != nil {
				t.Fatal(err)
			}
			if d.Year != y.Year {
				continue
			}
			if h.IsWork() {
				work = append(work, d)
			} else {
				off = append(off, d)
			}
		}
		if len(off) == 0 {
			t.Errorf("%d: lunar-go has no table for the year", y.Year)
			continue
		}
		sortDates(off)
		sortDates(work)
		if !slices.Equal(off, y.Off()) || !slices.Equal(work, y.Work()) {
			t.Errorf("%d differs from lunar-go:\n ours off %v work %v\n theirs off %v work %v", y.Year, y.Off(), y.Work(), off, work)
		}
	}
}

func TestProvisional2027(t *testing.T) {
	cal := defaultCal(t)
	y, err := cal.Year(2027)
	if err != nil {
		t.Fatal(err)
	}
	if y.Status != Provisional || len(y.Work()) != 0 {
		t.Fatalf("2027: status %s, make-up days %v; want provisional without make-up days", y.Status, y.Work())
	}
	var got []string
	for _, h := range y.Holidays {
		var ds []string
		for _, d := range h.Off {
			ds = append(ds, d.String()[5:])
		}
		got = append(got, h.Name+" "+strings.Join(ds, ","))
	}
	want := []string{
		"元旦 01-01",
		"春节 02-05,02-06,02-07,02-08", // 除夕 to 初三; 正月初一 is 02-06
		"清明节 04-05",
		"劳动节 05-01,05-02",
		"端午节 06-09",
		"中秋节 09-15",
		"国庆节 10-01,10-02,10-03",
	}
	if !slices.Equal(got, want) {
		t.Errorf("2027 provisional:\n got %q\nwant %q", got, want)
	}
}

// The lunar dates lunar-go gives for 2026 must be those the notice has.
func TestProvisionalLunarDatesMatch2026Notice(t *testing.T) {
	y, ok := provisionalYear(2026)
	if !ok {
		t.Fatal("2026 not computable")
	}
	want := map[string]string{"春节": "2026-02-16", "清明节": "2026-04-05", "端午节": "2026-06-19", "中秋节": "2026-09-25"}
	for _, h := range y.Holidays {
		if w, ok := want[h.Name]; ok && h.Off[0].String() != w {
			t.Errorf("%s starts %s, want %s", h.Name, h.Off[0], w)
		}
	}
}

// When 中秋 falls on 1–3 October the two holidays are one.
func TestProvisionalMergesMidAutumnIntoNationalDay(t *testing.T) {
	y, _ := provisionalYear(2028) // 中秋 2028-10-03
	last := y.Holidays[len(y.Holidays)-1]
	if last.Name != "国庆节、中秋节" || len(last.Off) != 3 || last.Off[2].String() != "2028-10-03" {
		t.Errorf("2028: %+v", y.Holidays)
	}
	if err := y.Validate(); err != nil {
		t.Error(err)
	}
}

func TestYearWithoutDataOrComputation(t *testing.T) {
	cal := defaultCal(t)
	for _, y := range []int{2024, 2101} {
		if _, err := cal.Year(y); !errors.Is(err, ErrNoYear) {
			t.Errorf("Year(%d): %v, want ErrNoYear", y, err)
		}
		if _, err := cal.IsWorkingDay(time.Date(y, 6, 1, 10, 0, 0, 0, cal.Location())); !errors.Is(err, ErrNoYear) {
			t.Errorf("IsWorkingDay in %d: %v, want ErrNoYear", y, err)
		}
	}
	if _, err := cal.Year(2100); err != nil {
		t.Errorf("Year(2100): %v", err)
	}
	if _, err := cal.AddWorkingDays(time.Date(2100, 12, 30, 10, 0, 0, 0, cal.Location()), 5); !errors.Is(err, ErrNoYear) {
		t.Errorf("deadline into 2101: %v, want ErrNoYear", err)
	}
	if _, err := cal.AddWorkingHours(time.Date(2025, 1, 2, 10, 0, 0, 0, cal.Location()), -40*time.Hour); !errors.Is(err, ErrNoYear) {
		t.Errorf("back into 2024: %v, want ErrNoYear", err)
	}
}

func TestParseYearRejects(t *testing.T) {
	base := `{"year":2026,"status":"published","source":"通知","source_date":"2025-11-04","holidays":[%s]}`
	cases := []struct {
		name, body, field, rule string
	}{
		{"not JSON", `{"year":`, "", ""},
		{"unknown field", `{"year":2026,"status":"published","colour":"red"}`, "", ""},
		{"trailing data", fmt.Sprintf(base, `{"name":"元旦","off":["2026-01-01"]}`) + `{}`, "", ""},
		{"bad date", fmt.Sprintf(base, `{"name":"元旦","off":["2026-1-1"]}`), "", ""},
		{"no holidays", fmt.Sprintf(base, ``), "holidays", "required"},
		{"date outside year", fmt.Sprintf(base, `{"name":"元旦","off":["2025-12-31"]}`), "holidays[0].off[0]", "outside_year"},
		{"off and work", fmt.Sprintf(base, `{"name":"元旦","off":["2026-01-03"],"work":["2026-01-03"]}`), "holidays[0].work[0]", "both_off_and_work"},
		{"duplicate across holidays", fmt.Sprintf(base, `{"name":"元旦","off":["2026-01-01"]},{"name":"春节","off":["2026-01-01"]}`), "holidays[1].off[0]", "duplicate"},
		{"make-up on a weekday", fmt.Sprintf(base, `{"name":"元旦","off":["2026-01-01"],"work":["2026-01-05"]}`), "holidays[0].work[0]", "make_up_not_weekend"},
		{"no name", fmt.Sprintf(base, `{"name":" ","off":["2026-01-01"]}`), "holidays[0].name", "required"},
		{"no days off", fmt.Sprintf(base, `{"name":"元旦","off":[]}`), "holidays[0].off", "required"},
		{"published without source", `{"year":2026,"status":"published","holidays":[{"name":"元旦","off":["2026-01-01"]}]}`, "source", "required"},
		{"unknown status", `{"year":2026,"status":"draft","holidays":[{"name":"元旦","off":["2026-01-01"]}]}`, "status", "one_of"},
		{"year out of range", `{"year":1800,"status":"provisional","holidays":[{"name":"元旦","off":["1800-01-01"]}]}`, "year", "out_of_range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseYear(strings.NewReader(c.body))
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want invalid", err)
			}
			if c.field == "" {
				return
			}
			var ae *apperr.Error
			errors.As(err, &ae)
			for _, f := range ae.Fields {
				if f.Field == c.field && f.Rule == c.rule {
					if !strings.Contains(err.Error(), c.field) {
						t.Errorf("message %q does not name %s", err, c.field)
					}
					return
				}
			}
			t.Errorf("fields %+v lack %s %s", ae.Fields, c.field, c.rule)
		})
	}
}

func TestParseYearRoundTrip(t *testing.T) {
	ys, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if len(ys) < 2 || ys[0].Year != 2025 || ys[1].Year != 2026 {
		t.Fatalf("shipped years: %d", len(ys))
	}
	for _, y := range ys {
		b, err := y.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseYear(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%d: %v\n%s", y.Year, err, b)
		}
		if fmt.Sprint(back) != fmt.Sprint(y) {
			t.Errorf("%d: round trip changed the year", y.Year)
		}
	}
}

func TestWithYearReplacesProvisional(t *testing.T) {
	cal := defaultCal(t)
	imported, err := ParseYear(strings.NewReader(`{"year":2027,"status":"published","source":"测试通知","source_date":"2026-11-01",
		"holidays":[{"name":"元旦","off":["2027-01-01","2027-01-02","2027-01-03"]},
		            {"name":"春节","off":["2027-02-05","2027-02-06","2027-02-07","2027-02-08","2027-02-09","2027-02-10","2027-02-11","2027-02-12"],"work":["2027-02-20"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	next, err := cal.WithYear(imported)
	if err != nil {
		t.Fatal(err)
	}
	feb10 := time.Date(2027, 2, 10, 10, 0, 0, 0, cal.Location())
	feb20 := time.Date(2027, 2, 20, 10, 0, 0, 0, cal.Location())
	for _, c := range []struct {
		cal                *Calendar
		provisional        bool
		feb10Work, feb20Wk bool
	}{
		{cal, true, true, false},   // the original is unchanged
		{next, false, false, true}, // the import rules
	} {
		p, _ := c.cal.IsProvisional(feb10)
		w10, _ := c.cal.IsWorkingDay(feb10)
		w20, _ := c.cal.IsWorkingDay(feb20)
		if p != c.provisional || w10 != c.feb10Work || w20 != c.feb20Wk {
			t.Errorf("provisional %v, 02-10 working %v, 02-20 working %v; want %v %v %v", p, w10, w20, c.provisional, c.feb10Work, c.feb20Wk)
		}
	}
	if y, _ := next.Year(2027); y.Status != Published {
		t.Errorf("Year(2027) after import: %s", y.Status)
	}
	if _, err := cal.WithYear(Year{Year: 2027, Status: "draft"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("invalid year accepted: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	y := shippedYear(t, 2026)
	for name, c := range map[string]Config{
		"overlapping hours": {Hours: []Interval{{9 * time.Hour, 12 * time.Hour}, {11 * time.Hour, 13 * time.Hour}}},
		"empty period":      {Hours: []Interval{{9 * time.Hour, 9 * time.Hour}}},
		"past midnight":     {Hours: []Interval{{20 * time.Hour, 25 * time.Hour}}},
		"no working days":   {Weekdays: []time.Weekday{}},
		"bad weekday":       {Weekdays: []time.Weekday{9}},
		"year twice":        {Years: []Year{y, y}},
	} {
		if _, err := New(c); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestParseHours(t *testing.T) {
	hs, err := ParseHours("08:30-12:00, 13:30-17:30")
	if err != nil || !slices.Equal(hs, DefaultHours) {
		t.Errorf("ParseHours = %v, %v", hs, err)
	}
	for _, bad := range []string{"", "8-12", "12:00-08:00", "08:00-12:00,11:00-13:00", "25:00-26:00"} {
		if _, err := ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q) accepted", bad)
		}
	}
	if hs, err := ParseHours("00:00-24:00"); err != nil || hs[0].End != 24*time.Hour {
		t.Errorf("whole day: %v %v", hs, err)
	}
}

func TestCivilDays(t *testing.T) {
	for d := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2201; d = d.AddDate(0, 0, 1) {
		dn := daysFromCivil(d.Year(), d.Month(), d.Day())
		if want := int(d.Unix() / 86400); dn != want {
			t.Fatalf("%s: day %d, want %d", d.Format(time.DateOnly), dn, want)
		}
		if y, m, dd := civilFromDays(dn); y != d.Year() || m != d.Month() || dd != d.Day() {
			t.Fatalf("%d: %d-%d-%d, want %s", dn, y, m, dd, d.Format(time.DateOnly))
		}
		if weekdayOf(dn) != d.Weekday() {
			t.Fatalf("%s: weekday %s, want %s", d.Format(time.DateOnly), weekdayOf(dn), d.Weekday())
		}
	}
}
