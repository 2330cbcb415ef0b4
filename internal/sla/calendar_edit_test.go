package sla

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// fieldRules renders an error's field errors as "field/rule" lines.
func fieldRules(err error) string {
	ae, ok := err.(*apperr.Error)
	if !ok {
		return fmt.Sprint(err)
	}
	s := ""
	for _, f := range ae.Fields {
		s += f.Field + "/" + f.Rule + " "
	}
	return s
}

func TestWithDay(t *testing.T) {
	y2026, _ := baseYear(2026)
	y, err := y2026.WithDay(DayEdit{Date: d("2026-12-31"), Kind: DayOff, Name: "公司年终休息", Reason: "总经理决定"})
	if err != nil {
		t.Fatal(err)
	}
	if got := y.Holidays[len(y.Holidays)-1]; got.Name != "公司年终休息" || fmt.Sprint(got.Off) != "[2026-12-31]" {
		t.Fatalf("new holiday %+v", got)
	}
	if len(y2026.Holidays) == len(y.Holidays) {
		t.Fatal("WithDay changed its receiver")
	}
	// Into an existing holiday, kept in date order.
	y, err = y2026.WithDay(DayEdit{Date: d("2026-10-09"), Kind: DayOff, Name: "国庆节", Reason: "加一天"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range y.Holidays {
		if h.Name == "国庆节" && h.Off[len(h.Off)-1] != d("2026-10-09") {
			t.Fatalf("国庆节 off %v", h.Off)
		}
	}
	// A make-up Saturday of an existing holiday.
	if _, err := y2026.WithDay(DayEdit{Date: d("2026-10-17"), Kind: DayWork, Name: "国庆节", Reason: "补班"}); err != nil {
		t.Fatal(err)
	}

	for name, c := range map[string]struct {
		e    DayEdit
		want string
	}{
		"listed already":      {DayEdit{Date: d("2026-09-20"), Kind: DayOff, Name: "x", Reason: "r"}, "date/already_listed "},
		"other year":          {DayEdit{Date: d("2027-01-05"), Kind: DayOff, Name: "x", Reason: "r"}, "date/outside_year "},
		"make-up on a Monday": {DayEdit{Date: d("2026-10-12"), Kind: DayWork, Name: "国庆节", Reason: "r"}, "date/make_up_not_weekend "},
		"make-up of nothing":  {DayEdit{Date: d("2026-10-17"), Kind: DayWork, Name: "公司", Reason: "r"}, "name/unknown_holiday "},
		"no reason":           {DayEdit{Date: d("2026-12-31"), Kind: DayOff, Name: "x"}, "reason/required "},
		"no kind or name":     {DayEdit{Date: d("2026-12-31"), Reason: "r"}, "kind/required name/required "},
		"bad kind":            {DayEdit{Date: d("2026-12-31"), Kind: "half", Name: "x", Reason: "r"}, "kind/invalid_value "},
	} {
		_, err := y2026.WithDay(c.e)
		if !apperr.Is(err, apperr.Invalid) || fieldRules(err) != c.want {
			t.Errorf("%s: %v (%s), want %s", name, err, fieldRules(err), c.want)
		}
	}
}

func TestWithoutDay(t *testing.T) {
	y2026, _ := baseYear(2026)
	y, kind, name, err := y2026.WithoutDay(DayEdit{Date: d("2026-05-09"), Reason: "不调休"})
	if err != nil || kind != DayWork || name != "劳动节" {
		t.Fatalf("%s %s %v", kind, name, err)
	}
	if fmt.Sprint(y.Work()) == fmt.Sprint(y2026.Work()) {
		t.Fatal("the make-up day is still listed")
	}
	// The one day of a company holiday: the holiday goes with it.
	withCo, _ := y2026.WithDay(DayEdit{Date: d("2026-12-31"), Kind: DayOff, Name: "公司", Reason: "r"})
	y, _, _, err = withCo.WithoutDay(DayEdit{Date: d("2026-12-31"), Reason: "取消"})
	if err != nil || len(y.Holidays) != len(y2026.Holidays) {
		t.Fatalf("%+v, %v", y.Holidays, err)
	}
	_, _, _, err = y2026.WithoutDay(DayEdit{Date: d("2026-12-30"), Reason: "r"})
	if fieldRules(err) != "date/not_listed " {
		t.Errorf("unlisted date: %v", err)
	}
	// 清明节 has no make-up day; taking out its three days one by one drops it.
	y = y2026
	for _, s := range []string{"2026-04-04", "2026-04-05", "2026-04-06"} {
		if y, _, _, err = y.WithoutDay(DayEdit{Date: d(s), Reason: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(y.Holidays) != len(y2026.Holidays)-1 {
		t.Fatal("an empty holiday was kept")
	}
	// 元旦 2026 has a make-up Sunday, so its last day off cannot go first.
	y = y2026
	y, _, _, _ = y.WithoutDay(DayEdit{Date: d("2026-01-01"), Reason: "r"})
	y, _, _, _ = y.WithoutDay(DayEdit{Date: d("2026-01-02"), Reason: "r"})
	if _, _, _, err = y.WithoutDay(DayEdit{Date: d("2026-01-03"), Reason: "r"}); fieldRules(err) != "date/last_day_off " {
		t.Errorf("last day off of a holiday with make-up days: %v", err)
	}
}

// Without a store the effective calendar is the shipped one; its list runs
// from the shipped years to the provisional year after them.
func TestEffectiveWithoutStore(t *testing.T) {
	cs := &Calendars{}
	e, err := cs.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, info := range e.List(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		got = append(got, fmt.Sprintf("%d %s %s", info.Year.Year, info.Origin, info.Year.Status))
	}
	if fmt.Sprint(got) != "[2025 shipped published 2026 shipped published 2027 computed provisional]" {
		t.Errorf("list %v", got)
	}
	if _, err := cs.AddDay(t.Context(), DayEdit{Date: d("2026-12-31"), Kind: DayOff, Name: "x", Reason: "r"}, audit.System); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("change without a store: %v", err)
	}
	if changed, err := cs.Refresh(t.Context()); changed || err != nil {
		t.Errorf("refresh without a store: %v %v", changed, err)
	}
}

// A bad file is refused with the field that is wrong.
func TestParseYearFieldErrors(t *testing.T) {
	head := `{"year": 2027, "status": "published", "source": "通知", "source_date": "2026-11-10", "holidays": `
	for name, c := range map[string]struct{ in, want string }{
		"not JSON":      {`{"year": 2027,`, "file/invalid_json "},
		"trailing data": {head + `[{"name": "元旦", "off": ["2027-01-01"]}]} {}`, "file/invalid_json "},
		"unknown field": {`{"year": 2027, "days": []}`, "days/unknown_field "},
		"wrong type":    {`{"year": "2027"}`, "year/wrong_type "},
		"bad date":      {head + `[{"name": "元旦", "off": ["2027-01-01", "2027-13-01"]}]}`, "holidays[0].off[1]/invalid_date "},
		"outside year":  {head + `[{"name": "元旦", "off": ["2028-01-01"]}]}`, "holidays[0].off[0]/outside_year "},
		"off and work": {head + `[{"name": "元旦", "off": ["2027-01-02"]}, {"name": "春节", "off": ["2027-02-06"], "work": ["2027-01-02"]}]}`,
			"holidays[1].work[0]/both_off_and_work "},
		"no notice date": {`{"year": 2027, "status": "published", "source": "通知", "holidays": [{"name": "元旦", "off": ["2027-01-01"]}]}`,
			"source_date/required "},
	} {
		_, err := ParseYear(strings.NewReader(c.in))
		if !apperr.Is(err, apperr.Invalid) || fieldRules(err) != c.want {
			t.Errorf("%s: %v (%s), want %s", name, err, fieldRules(err), c.want)
		}
	}
}

// versionStore is a CalendarStore whose version a test moves.
type versionStore struct {
	mu      sync.Mutex
	version int64
	years   []StoredYear
}

func (s *versionStore) Version(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, nil
}

func (s *versionStore) Years(context.Context) ([]StoredYear, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.years), s.version, nil
}

func (s *versionStore) Change(context.Context, int, func(*StoredYear) (*StoredYear, error), audit.Actor, string, map[string]any) (int64, error) {
	return 0, nil
}

// Watch picks up a change made elsewhere and hands the new calendar on.
func TestWatchReloads(t *testing.T) {
	st := &versionStore{}
	loaded := make(chan *Calendar, 4)
	cs := &Calendars{Store: st, OnChange: func(c *Calendar) { loaded <- c }}
	if _, err := cs.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-loaded
	y, err := ParseYear(strings.NewReader(`{"year": 2027, "status": "published", "source": "通知", "source_date": "2026-11-10",
		"holidays": [{"name": "元旦", "off": ["2027-01-01"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.version, st.years = 1, []StoredYear{{Year: y, Origin: OriginImported}}
	st.mu.Unlock()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { cs.Watch(ctx, time.Millisecond, slog.New(slog.DiscardHandler)); close(done) }()
	select {
	case c := <-loaded:
		if yr, _ := c.Year(2027); yr.Status != Published {
			t.Errorf("reloaded 2027 is %s", yr.Status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not reload")
	}
	cancel()
	<-done
	if cs.Current().Version != 1 {
		t.Errorf("version %d", cs.Current().Version)
	}
}
