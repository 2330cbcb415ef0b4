package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/org"
	"kesu/internal/storage/storetest"
)

// calendarYear is the part of a CalendarYear answer the tests look at.
type calendarYear struct {
	Year        int    `json:"year"`
	Origin      string `json:"origin"`
	Status      string `json:"status"`
	Provisional bool   `json:"provisional"`
	Source      string `json:"source"`
	WorkDays    int    `json:"work_days"`
	UpdatedBy   string `json:"updated_by"`
	Data        struct {
		Holidays []struct {
			Name string   `json:"name"`
			Off  []string `json:"off"`
			Work []string `json:"work"`
		} `json:"holidays"`
	} `json:"data"`
}

func (e *env) calendarYear(year string) calendarYear {
	e.t.Helper()
	var y calendarYear
	e.get(org.RoleAgent, "/api/v1/calendar/years/"+year).want(http.StatusOK).JSON(&y)
	return y
}

func (e *env) auditCount(action string) int {
	e.t.Helper()
	es, err := e.app.DB.Audit().List(context.Background(), audit.Filter{Action: action, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(es)
}

func (e *env) put(role, path, body string) *resp {
	return e.send(req{role: role, method: "PUT", path: path, body: body, ctype: "application/json"})
}

// Importing the 2027 notice replaces the provisional year; a bad file is
// refused by field and writes nothing; only administrators may import.
func TestCalendarImportAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var list struct {
			Items []calendarYear `json:"items"`
		}
		e.get(org.RoleAgent, "/api/v1/calendar/years").want(http.StatusOK).JSON(&list)
		var got []string
		for _, y := range list.Items {
			got = append(got, y.Origin)
		}
		if strings.Join(got, " ") != "shipped shipped computed" || list.Items[2].Year != 2027 || !list.Items[2].Provisional {
			t.Fatalf("years %+v", list.Items)
		}

		bad := strings.Replace(storetest.Notice2027, `"2027-02-20"`, `"2027-02-06"`, 1) // a day off listed as make-up day
		r := e.put(org.RoleAdmin, "/api/v1/calendar/years/2027", bad)
		if b := r.wantErr(http.StatusUnprocessableEntity, "invalid", "holidays[1].work[1]", "both_off_and_work"); !strings.Contains(b.Error.Fields[0].Message, "2027-02-06") {
			t.Errorf("message %q does not name the date", b.Error.Fields[0].Message)
		}
		e.put(org.RoleAdmin, "/api/v1/calendar/years/2027", `{"year": 2027,`).wantErr(http.StatusUnprocessableEntity, "invalid", "file", "invalid_json")
		e.put(org.RoleAdmin, "/api/v1/calendar/years/2028", storetest.Notice2027).wantErr(http.StatusUnprocessableEntity, "invalid", "year", "year_mismatch")
		if y := e.calendarYear("2027"); y.Origin != "computed" || !y.Provisional || e.auditCount("calendar.import") != 0 {
			t.Fatalf("refused imports changed 2027: %+v", y)
		}
		e.put(org.RoleManager, "/api/v1/calendar/years/2027", storetest.Notice2027).wantErr(http.StatusForbidden, "forbidden", "", "")

		var y calendarYear
		e.put(org.RoleAdmin, "/api/v1/calendar/years/2027?note="+url.QueryEscape("通知已发布"), storetest.Notice2027).want(http.StatusOK).JSON(&y)
		if y.Origin != "imported" || y.Provisional || y.Status != "published" || y.WorkDays != 2 || y.UpdatedBy == "" {
			t.Fatalf("imported 2027: %+v", y)
		}
		if y := e.calendarYear("2027"); y.Origin != "imported" || len(y.Data.Holidays) != 2 {
			t.Fatalf("2027 after import: %+v", y)
		}
		if n := e.auditCount("calendar.import"); n != 1 {
			t.Errorf("%d import audit entries", n)
		}
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/calendar/years/2027"}).wantErr(http.StatusUnprocessableEntity, "invalid", "reason", "required")
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/calendar/years/2027?reason=" + url.QueryEscape("导入错了")}).want(http.StatusOK).JSON(&y)
		if y.Origin != "computed" || !y.Provisional {
			t.Fatalf("2027 after revert: %+v", y)
		}
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/calendar/years/2027?reason=x"}).wantErr(http.StatusNotFound, "not_found", "", "")
		e.get(org.RoleAgent, "/api/v1/calendar/years/1900").wantErr(http.StatusNotFound, "not_found", "", "")
	})
}

// An administrator's extra company holiday moves the working-day due time
// of a complaint registered after it; the clock of one registered before
// keeps its due time.
func TestCalendarEditMovesNewDeadlines(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		register := func() string {
			c := e.post(org.RoleAgent, "/api/v1/complaints", map[string]any{
				"channel": "phone", "received_at": "2026-03-10T09:30:00+08:00", "subject": "净水器漏水", "description": "底部漏水。",
				"category": "quality.leak", "severity": "major",
				"complainant": map[string]any{"name": "李四", "phone": "13812348000"},
			}).want(http.StatusCreated).M()
			e.runJobs()
			return c["number"].(string)
		}
		containment := func(number string) string {
			var clocks struct {
				Items []struct {
					Policy string `json:"policy"`
					DueAt  string `json:"due_at"`
				} `json:"items"`
			}
			e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(number)+"/clocks").want(http.StatusOK).JSON(&clocks)
			for _, c := range clocks.Items {
				if c.Policy == "sla_4" {
					return c.DueAt
				}
			}
			t.Fatalf("no containment clock in %+v", clocks.Items)
			return ""
		}
		before := register()
		// Tuesday 09:30 + 2 working days.
		if due := containment(before); due != "2026-03-12T01:30:00Z" {
			t.Fatalf("containment due %s before the edit", due)
		}
		day := map[string]any{"date": "2026-03-11", "kind": "off", "name": "公司庆典", "reason": "建厂三十周年"}
		e.post(org.RoleManager, "/api/v1/calendar/days", day).wantErr(http.StatusForbidden, "forbidden", "", "")
		e.post(org.RoleAdmin, "/api/v1/calendar/days", map[string]any{"date": "2026-03-11", "kind": "off", "name": "公司庆典"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "reason", "required")
		var y calendarYear
		e.post(org.RoleAdmin, "/api/v1/calendar/days", day).want(http.StatusOK).JSON(&y)
		if y.Origin != "edited" || y.Provisional {
			t.Fatalf("2026 after the edit: %+v", y)
		}
		e.post(org.RoleAdmin, "/api/v1/calendar/days", day).wantErr(http.StatusUnprocessableEntity, "invalid", "date", "already_listed")

		after := register()
		if due := containment(after); due != "2026-03-13T01:30:00Z" {
			t.Errorf("containment due %s after the company holiday, want Friday 09:30", due)
		}
		if due := containment(before); due != "2026-03-12T01:30:00Z" {
			t.Errorf("the running clock moved to %s", due)
		}
		if n := e.auditCount("calendar.day_add"); n != 1 {
			t.Errorf("%d day_add audit entries", n)
		}

		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/calendar/days/2026-03-11?reason=" + url.QueryEscape("取消")}).want(http.StatusOK).JSON(&y)
		if third := register(); containment(third) != "2026-03-12T01:30:00Z" {
			t.Errorf("containment due %s after the holiday was removed", containment(third))
		}
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/calendar/days/2026-03-11?reason=x"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "date", "not_listed")
	})
}
