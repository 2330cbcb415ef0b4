package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/sla"
	"kesu/internal/storage/storetest"
)

func noEnv(string) string { return "" }

// calendarRun runs "kesu calendar …" with a fixed clock on a data folder
// without a database: the shipped calendar.
func calendarRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	now := func() time.Time { return time.Date(2026, 9, 18, 2, 0, 0, 0, time.UTC) } // Friday 10:00 in Shanghai
	err := runCalendar(context.Background(), args, &out, &errOut, env(map[string]string{"KESU_DATA": t.TempDir()}), databaseCalendar, now)
	return out.String(), errOut.String(), err
}

func TestCalendarAdd(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		// 2026-09-20 is a make-up Sunday (调休) in the 2026 notice.
		{"working days", []string{"--from", "2026-09-18T10:00", "--working-days", "2"}, "2026-09-21T10:00:00+08:00"},
		{"working days across National Day", []string{"--from", "2026-09-24T10:00", "--working-days", "10"}, "2026-10-15T10:00:00+08:00"},
		{"working hours", []string{"--from", "2026-09-24T10:00", "--working-hours", "48"}, "2026-10-10T14:30:00+08:00"},
		{"fractional working hours", []string{"--from", "2026-09-15 11:00", "--working-hours", "1.5"}, "2026-09-15T14:00:00+08:00"},
		{"calendar hours", []string{"--from", "2026-09-18T10:00", "--hours", "24"}, "2026-09-19T10:00:00+08:00"},
		{"calendar days", []string{"--from", "2026-09-18T10:00", "--days", "15"}, "2026-10-03T10:00:00+08:00"},
		{"negative", []string{"--from", "2026-10-08T10:00", "--working-days", "-1"}, "2026-09-30T10:00:00+08:00"},
		{"offset given", []string{"--from", "2026-09-18T02:00:00Z", "--working-days", "2"}, "2026-09-21T10:00:00+08:00"},
		{"default from is now", []string{"--working-days", "2"}, "2026-09-21T10:00:00+08:00"},
		{"no database yet: none created", []string{"--data", "/nonexistent/kesu", "--from", "2026-09-18T10:00", "--working-days", "2"},
			"2026-09-21T10:00:00+08:00"},
	}
	for _, c := range cases {
		out, errOut, err := calendarRun(t, append([]string{"add"}, c.args...)...)
		if err != nil || out != c.want+"\n" || errOut != "" {
			t.Errorf("%s: %q, stderr %q, %v; want %s", c.name, out, errOut, err, c.want)
		}
	}
}

func TestCalendarAddIntoProvisionalYear(t *testing.T) {
	out, errOut, err := calendarRun(t, "add", "--from", "2026-12-31T10:00", "--working-days", "1")
	if err != nil || out != "2027-01-04T10:00:00+08:00\n" {
		t.Fatalf("%q, %v", out, err)
	}
	if !strings.Contains(errOut, "2027 is provisional") {
		t.Errorf("stderr %q does not say 2027 is provisional", errOut)
	}
}

func TestCalendarAddTimezoneSetting(t *testing.T) {
	out, _, err := calendarRun(t, "add", "--timezone", "UTC", "--from", "2026-09-18T10:00", "--working-days", "2")
	if err != nil || out != "2026-09-21T10:00:00Z\n" {
		t.Errorf("%q, %v", out, err)
	}
}

func TestCalendarAddRejects(t *testing.T) {
	for name, args := range map[string][]string{
		"no amount":             {"add", "--from", "2026-09-18T10:00"},
		"two amounts":           {"add", "--working-days", "1", "--hours", "2"},
		"bad from":              {"add", "--from", "18/09/2026", "--days", "1"},
		"bad number":            {"add", "--working-days", "two"},
		"bad hours":             {"add", "--working-hours", "NaN"},
		"extra argument":        {"add", "--days", "1", "soon"},
		"beyond the data":       {"add", "--from", "2100-12-30T10:00", "--working-days", "5"},
		"no subcommand":         {},
		"unknown command":       {"subtract"},
		"unknown flag":          {"add", "--weeks", "1"},
		"bad setting":           {"add", "--timezone", "Mars/Olympus", "--days", "1"},
		"holidays no year":      {"holidays"},
		"holidays not a year":   {"holidays", "twenty"},
		"holidays unknown year": {"holidays", "2101"},
		"unreachable database":  {"add", "--db", "postgres://nobody@127.0.0.1:1/none", "--days", "1"},
		"import no file":        {"import"},
		"import missing file":   {"import", "/nonexistent/2027.json"},
		"export no year":        {"export"},
	} {
		if _, _, err := calendarRun(t, args...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCalendarHolidays(t *testing.T) {
	out, _, err := calendarRun(t, "holidays", "2026", "--data", "/nonexistent/kesu")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2026 published: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)\n",
		"2026-01-01 Thu  off   元旦\n",
		"2026-02-14 Sat  work  春节 调休上班\n",
		"2026-09-20 Sun  work  国庆节 调休上班\n",
		"2026-09-25 Fri  off   中秋节\n",
		"2026-10-07 Wed  off   国庆节\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "provisional") {
		t.Error("2026 listed as provisional")
	}
	// 33 days off and 6 make-up days, one line each, plus the heading.
	if n := strings.Count(out, "\n"); n != 1+33+6 {
		t.Errorf("%d lines", n)
	}
	if i, j := strings.Index(out, "2026-09-20"), strings.Index(out, "2026-09-25"); i > j {
		t.Error("lines are not in date order")
	}

	out, _, err = calendarRun(t, "holidays", "--timezone", "Asia/Shanghai", "2027")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2027 provisional: ", "2027-01-01 Fri  off   元旦\n", "2027-02-05 Fri  off   春节\n", "2027-02-08 Mon  off   春节\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "work") {
		t.Error("a provisional year lists make-up days")
	}
}

// calendarCmd is what main's switch calls: the shipped calendar and the real clock.
func TestCalendarCmd(t *testing.T) {
	var out bytes.Buffer
	err := calendarCmd(context.Background(), []string{"add", "--from", "2026-09-11T10:00", "--working-days", "2"}, &out, &bytes.Buffer{}, noEnv)
	if err != nil || out.String() != "2026-09-15T10:00:00+08:00\n" {
		t.Errorf("%q, %v", out.String(), err)
	}
}

// kesu runs a command line as main does and returns its output.
func kesu(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut, noEnv)
	return out.String(), errOut.String(), err
}

// Importing the 2027 notice into the data folder makes the calendar
// commands read it: no longer provisional, and a deadline across 春节
// counts its nine days off. A bad file stores nothing and names the field.
func TestCalendarImportEndToEnd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	add := []string{"calendar", "add", "--data", dir, "--from", "2027-02-04T10:00", "--working-days", "1"}
	out, errOut, err := kesu(t, add...)
	if err != nil || out != "2027-02-09T10:00:00+08:00\n" || !strings.Contains(errOut, "2027 is provisional") {
		t.Fatalf("before the import: %q %q %v", out, errOut, err)
	}

	bad := write("bad.json", strings.Replace(storetest.Notice2027, `"2027-02-20"`, `"2027-02-10"`, 1))
	_, _, err = kesu(t, "calendar", "import", "--data", dir, bad)
	if err == nil || !strings.Contains(err.Error(), "nothing stored") || !strings.Contains(err.Error(), "holidays[1].work[1]") ||
		!strings.Contains(err.Error(), "2027-02-10") {
		t.Fatalf("bad import: %v", err)
	}
	if out, _, _ := kesu(t, "calendar", "holidays", "2027", "--data", dir); !strings.HasPrefix(out, "2027 provisional: ") {
		t.Fatalf("a refused import changed 2027:\n%s", out)
	}

	good := write("2027.json", storetest.Notice2027)
	out, _, err = kesu(t, "calendar", "import", "--data", dir, "--note", "通知已发布", good)
	if err != nil || out != "2027 imported (published, 12 days off, 2 make-up working days), replacing the computed provisional year\n" {
		t.Fatalf("import: %q %v", out, err)
	}
	out, _, err = kesu(t, "calendar", "holidays", "2027", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2027 published: 国务院办公厅关于2027年部分节假日安排的通知（测试） (2026-11-10)\nimported by cli at ",
		": 通知已发布\n", "2027-01-31 Sun  work  春节 调休上班\n", "2027-02-13 Sat  off   春节\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "provisional") {
		t.Errorf("2027 still provisional:\n%s", out)
	}
	out, errOut, err = kesu(t, add...)
	if err != nil || out != "2027-02-15T10:00:00+08:00\n" || errOut != "" {
		t.Errorf("after the import: %q %q %v", out, errOut, err)
	}
	out, _, err = kesu(t, "calendar", "export", "2027", "--data", dir)
	if y, perr := sla.ParseYear(strings.NewReader(out)); err != nil || perr != nil || y.Source != "国务院办公厅关于2027年部分节假日安排的通知（测试）" {
		t.Errorf("export: %v %v\n%s", err, perr, out)
	}
}
