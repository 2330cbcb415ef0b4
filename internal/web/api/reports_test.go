package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/thedatashed/xlsxreader"

	"kesu/internal/org"
)

// TestReports: the statistics, KPIs and dashboard answer what was done
// over the API, and every count of a breakdown is the length of the list
// its drill-down link asks for.
func TestReports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		closed := e.newCase("quality.leak", "minor")
		closed.toResponsibility("qa1", "customer")
		closed.decide("qa1", map[string]any{"established": true})
		closed.act("qa1", "reply_explanation", "follow_up", map[string]any{"body": "经检测，漏水系安装时未按说明书紧固接头所致，我司安排免费上门指导。"})
		closed.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 4})
		closed.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 5})
		closed.act("qa1", "close", "closed", nil)
		e.newCase("quality.function", "major")
		e.newCase("service.attitude", "minor")

		var st struct {
			Total, Open, Closed, Established, Undecided int
			Breakdowns                                  []struct {
				Dim  string
				Rows []struct {
					Key   string
					Count int
				}
			}
			Satisfaction struct {
				Answered int
				Mean     float64
			}
			Stages []struct {
				Stage string
				Count int
			}
		}
		// The QA manager's statistics hold the QA department's cases only.
		e.get(org.RoleManager, "/api/v1/reports/statistics?month=2026-03").want(http.StatusOK).JSON(&st)
		if st.Total != 2 || st.Closed != 1 {
			t.Errorf("the QA manager's statistics = %+v, want the two quality complaints", st)
		}
		e.get(org.RoleGM, "/api/v1/reports/statistics?month=2026-03").want(http.StatusOK).JSON(&st)
		if st.Total != 3 || st.Closed != 1 || st.Open != 2 || st.Established != 1 || st.Undecided != 2 {
			t.Errorf("statistics headline = %+v", st)
		}
		if st.Satisfaction.Answered != 1 || st.Satisfaction.Mean != 5 {
			t.Errorf("satisfaction = %+v, want the last score of the closed case", st.Satisfaction)
		}
		if st.Stages[0].Stage != "accept" || st.Stages[0].Count != 1 || st.Stages[3].Count != 1 {
			t.Errorf("stages = %+v", st.Stages)
		}
		param := map[string]string{"category_top": "category", "category": "category", "severity": "severity", "channel": "channel",
			"status": "status", "department": "department_id", "responsibility": "responsibility", "established": "established"}
		checked := 0
		for _, b := range st.Breakdowns {
			name, ok := param[b.Dim]
			if !ok {
				continue
			}
			for _, r := range b.Rows {
				if r.Key == "" {
					continue
				}
				var list struct{ Items []any }
				path := fmt.Sprintf("/api/v1/complaints?from=2026-03-01&to=2026-03-31&limit=200&%s=%s", name, url.QueryEscape(r.Key))
				e.get(org.RoleGM, path).want(http.StatusOK).JSON(&list)
				if len(list.Items) != r.Count {
					t.Errorf("%s=%s: statistics count %d, list holds %d", b.Dim, r.Key, r.Count, len(list.Items))
				}
				checked++
			}
		}
		if checked < 10 {
			t.Errorf("only %d drill-downs checked", checked)
		}
		var minor struct{ Total int }
		e.get(org.RoleGM, "/api/v1/reports/statistics?from=2026-03-01&to=2026-03-31&severity=minor").want(http.StatusOK).JSON(&minor)
		if minor.Total != 2 {
			t.Errorf("minor complaints = %d, want 2", minor.Total)
		}

		var kpis struct {
			By   string
			Rows []struct {
				Key          string
				Name         string
				Volume       int
				Closed       int
				Satisfaction float64
				Previous     *struct{ Volume int }
			}
		}
		e.get(org.RoleGM, "/api/v1/reports/kpis?month=2026-03&by=holder&compare=true").want(http.StatusOK).JSON(&kpis)
		found := false
		for _, r := range kpis.Rows {
			if r.Name == "员工qa1" {
				found = true
				if r.Volume != 2 || r.Closed != 1 || r.Satisfaction != 5 || r.Previous == nil || r.Previous.Volume != 0 {
					t.Errorf("qa1 KPI = %+v", r)
				}
			}
		}
		if !found {
			t.Errorf("no KPI row for qa1: %+v", kpis.Rows)
		}

		var d struct {
			Open     int
			Received int
			Month    string
			ByOwner  []struct{ Name string } `json:"by_owner"`
		}
		e.get(org.RoleGM, "/api/v1/reports/dashboard").want(http.StatusOK).JSON(&d)
		if d.Open != 2 || d.Received != 3 || d.Month != "2026-03" || len(d.ByOwner) == 0 {
			t.Errorf("dashboard = %+v", d)
		}

		// The workbook holds the same figures, read back by another library.
		f := e.get(org.RoleGM, "/api/v1/reports/statistics/export?month=2026-03&format=xlsx").want(http.StatusOK)
		x, err := xlsxreader.NewReader(f.Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Sheets) < 8 || x.Sheets[0] != "汇总" || x.Sheets[1] != "分类统计" {
			t.Fatalf("sheets = %v", x.Sheets)
		}
		cell := func(sheet string, row int, col string) string {
			for r := range x.ReadRows(sheet) {
				if r.Index == row {
					for _, c := range r.Cells {
						if c.Column == col {
							return c.Value
						}
					}
				}
			}
			return ""
		}
		if got := cell("汇总", 3, "B"); got != "3" {
			t.Errorf("summary total = %q, want 3", got)
		}
		found = false
		for r := range x.ReadRows("分类统计") {
			v := map[string]string{}
			for _, c := range r.Cells {
				v[c.Column] = c.Value
			}
			if v["A"] == "严重程度" && v["B"] == "一般" {
				found = v["C"] == "2" && v["D"] == "0.6667"
			}
		}
		if !found {
			t.Error("the breakdown sheet lacks severity 一般 = 2 (66.67%)")
		}
		csv := e.get(org.RoleGM, "/api/v1/reports/statistics/export?month=2026-03&format=csv").want(http.StatusOK)
		if !strings.HasPrefix(string(csv.Body), "\ufeff") || !strings.Contains(string(csv.Body), "分类统计,严重程度 / 一般,件数,2\r\n") {
			t.Errorf("CSV = %.300s", csv.Body)
		}
		e.get(org.RoleGM, "/api/v1/reports/statistics/export?format=pdf").wantErr(http.StatusUnprocessableEntity, "invalid", "format", "")

		var ls struct {
			Cases int
			Lines []any
		}
		e.get(org.RoleGM, "/api/v1/reports/losses?month=2026-03").want(http.StatusOK).JSON(&ls)
		if ls.Cases != 0 || len(ls.Lines) != 0 {
			t.Errorf("losses of a month without amounts = %+v", ls)
		}
		if f := e.get(org.RoleGM, "/api/v1/reports/losses?month=2026-03&format=xlsx").want(http.StatusOK); !strings.Contains(f.Header.Get("Content-Disposition"), "losses-20260301-20260331.xlsx") {
			t.Errorf("loss list file: %v", f.Header)
		}

		e.get(org.RoleAgent, "/api/v1/reports/statistics").wantErr(http.StatusForbidden, "forbidden", "", "")
		e.get(org.RoleGM, "/api/v1/reports/statistics?month=2026-13").wantErr(http.StatusUnprocessableEntity, "invalid", "month", "invalid_date")
		e.get(org.RoleGM, "/api/v1/reports/statistics?from=2026-03-01").wantErr(http.StatusUnprocessableEntity, "invalid", "to", "required")
		e.get(org.RoleGM, "/api/v1/reports/kpis?by=team").wantErr(http.StatusUnprocessableEntity, "invalid", "by", "")
		e.get(org.RoleGM, "/api/v1/reports/statistics?from=2020-01-01&to=2026-03-31").wantErr(http.StatusUnprocessableEntity, "invalid", "to", "max_span")
	})
}
