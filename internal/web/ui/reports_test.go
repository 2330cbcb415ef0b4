package ui_test

import (
	"context"
	"encoding/csv"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/thedatashed/xlsxreader"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
)

// reportEnv is a kesu with a general manager, a QA manager and complaints
// of this month in three categories: 3 leaks, 2 function failures and 1
// attitude case.
func reportEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	u := &org.User{Username: "mgr", Name: "赵总", Role: org.RoleGM, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, u, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	depts, err := e.app.Deps.Org.ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qm := &org.User{Username: "qamgr", Name: "钱经理", Role: org.RoleManager, Lang: "zh"}
	for _, d := range depts {
		if d.Code == "qa" {
			qm.DepartmentID = &d.ID
		}
	}
	if err := e.app.Deps.Org.CreateUser(ctx, qm, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	for i, cat := range []string{"quality.leak", "quality.leak", "quality.function", "quality.leak", "quality.function", "service.attitude"} {
		c := &complaint.Complaint{Channel: "phone", Subject: "统计页样例" + strconv.Itoa(i), Description: "描述", Category: cat,
			Severity: "minor", Complainant: complaint.Complainant{Name: "张三", Phone: "13800138000"}}
		if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

var rowsRe = regexp.MustCompile(`<tr>\s*<td class="nowrap"><a href="/complaints/\d+">`)

// TestReportPages: the statistics, KPI and dashboard pages show the
// counts, and a count's link opens a list of exactly that many complaints.
func TestReportPages(t *testing.T) {
	e := reportEnv(t)
	e.login("mgr", staffPassword)
	resp, body := e.get("/reports")
	expect(t, resp, body, http.StatusOK, "客诉案件统计表", "漏水/渗漏", "功能失效", "柏拉图", `id="chart-data"`, "/static/vendor/echarts.min.js")
	m := regexp.MustCompile(`<td>漏水/渗漏</td>\s*<td class="num"><a href="([^"]+)">3</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no linked count 3 for leaks in the sub-category table:\n%s", body)
	}
	resp, list := e.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	expect(t, resp, list, http.StatusOK)
	if n := len(rowsRe.FindAllString(list, -1)); n != 3 {
		t.Errorf("drill-down list has %d rows, want 3", n)
	}
	resp, body = e.get("/reports?month=2026-13")
	expect(t, resp, body, http.StatusUnprocessableEntity)
	resp, body = e.get("/reports/kpis?by=department")
	expect(t, resp, body, http.StatusOK, "绩效考核", "品质部")
	resp, body = e.get("/reports/losses")
	expect(t, resp, body, http.StatusOK, "损失分摊", "各责任方合计")
	resp, body = e.get("/reports/losses?format=csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\ufeff") {
		t.Errorf("loss list CSV: %d %.100q", resp.StatusCode, body)
	}
	resp, body = e.get("/reports/export?format=xlsx")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Errorf("statistics workbook: %d", resp.StatusCode)
	}
	resp, body = e.get("/dashboard")
	expect(t, resp, body, http.StatusOK, "看板", `id="open-count">6<`, "今日到期")
	resp, body = e.get("/dashboard?lang=en")
	expect(t, resp, body, http.StatusOK)

	// The QA manager's statistics, dashboard and list hold QA's five
	// quality complaints, not the service complaint routed to sales.
	e.http = e.client()
	e.login("qamgr", staffPassword)
	resp, body = e.get("/dashboard")
	expect(t, resp, body, http.StatusOK, `id="open-count">5<`)
	resp, body = e.get("/reports")
	expect(t, resp, body, http.StatusOK, "漏水/渗漏")
	resp, body = e.get("/complaints")
	if n := len(rowsRe.FindAllString(body, -1)); resp.StatusCode != http.StatusOK || n != 5 {
		t.Errorf("the QA manager's list has %d rows, want 5", n)
	}

	agent := newEnv(t)
	agent.login("admin", adminPassword)
	u := &org.User{Username: "agent", Name: "客服", Role: org.RoleAgent}
	if err := agent.app.Deps.Org.CreateUser(context.Background(), u, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	agent.http = agent.client()
	agent.login("agent", staffPassword)
	if resp, _ := agent.get("/reports"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an agent opened the statistics: %d", resp.StatusCode)
	}
}

// TestBrowserDashboardDrillDown opens the dashboard in Chromium, clicks
// the tallest bar of the Pareto chart and lands on the list of exactly the
// complaints it counts.
func TestBrowserDashboardDrillDown(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := reportEnv(t)
	ctx := startBrowser(t, bin, 90*time.Second)
	base := e.srv.URL
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), "mgr"),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), staffPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#chart-pareto[data-ready="true"] canvas`)),
	)
	if err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	// Where the first (tallest) bar is drawn, in page coordinates.
	type point struct {
		X, Y  float64
		Count int
	}
	js := `(function(){ var c = window.kesuCharts["chart-pareto"]; var o = c.getOption();
	  var v = o.series[0].data[0]; var p = c.convertToPixel({seriesIndex: 0}, [0, v / 4]);
	  var r = document.getElementById("chart-pareto").getBoundingClientRect();
	  return {X: r.left + p[0], Y: r.top + p[1], Count: v}; })()`
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`#chart-pareto`))); err != nil {
		t.Fatalf("scroll to the chart: %v", err)
	}
	pt, err := chromedp.Run(ctx, chromedp.Evaluate[point](js))
	if err != nil {
		t.Fatalf("locate the bar: %v", err)
	}
	if pt.Count != 3 {
		t.Fatalf("the tallest bar counts %d, want the 3 leaks", pt.Count)
	}
	err = chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, pt.X, pt.Y), chromedp.MouseClickXY(pt.X, pt.Y),
		chromedp.WaitVisible(chromedp.CSS(`form.filters ~ .table-wrap table.list`)))
	if err != nil {
		t.Fatalf("click the bar: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.list tbody tr td.nowrap a").length`))
	if err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if rows != pt.Count || !strings.Contains(url, "/complaints?") || !strings.Contains(url, "category=quality.leak") {
		t.Errorf("after the click: %s with %d rows, want the %d leaks", url, rows, pt.Count)
	}
}

// TestStatisticsFiguresAgree: the statistics page, its CSV and its
// workbook (read back by a library other than the one that wrote it)
// carry the same figures; the workbook's counts are whole numbers in
// numeric cells.
func TestStatisticsFiguresAgree(t *testing.T) {
	e := reportEnv(t)
	e.login("mgr", staffPassword)
	resp, page := e.get("/reports")
	expect(t, resp, page, http.StatusOK)
	resp, csvBody := e.get("/reports/export?format=csv")
	expect(t, resp, csvBody, http.StatusOK)
	resp, xlsxBody := e.get("/reports/export?format=xlsx")
	expect(t, resp, xlsxBody, http.StatusOK)

	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "表,项目,指标,数值" {
		t.Fatalf("CSV header = %q", recs)
	}
	csvFig := map[string]string{}
	for _, r := range recs[1:] {
		csvFig[r[0]+"|"+r[1]+"|"+r[2]] = r[3]
	}

	// Every figure of every data sheet is in the CSV, with the same value.
	x, err := xlsxreader.NewReader([]byte(xlsxBody))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, sheet := range x.Sheets {
		var head map[string]string
		for r := range x.ReadRows(sheet) {
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			if r.Index == 1 {
				head = map[string]string{}
				for _, c := range r.Cells {
					head[c.Column] = c.Value
				}
				continue
			}
			var item []string
			for _, c := range r.Cells {
				if c.Type == xlsxreader.TypeString {
					item = append(item, c.Value)
				}
			}
			for _, c := range r.Cells {
				if c.Type != xlsxreader.TypeNumerical {
					continue
				}
				key := sheet + "|" + strings.Join(item, " / ") + "|" + head[c.Column]
				got, ok := csvFig[key]
				if !ok {
					t.Errorf("workbook figure %s = %s is not in the CSV", key, c.Value)
					continue
				}
				compared++
				if !sameFigure(c.Value, got) {
					t.Errorf("%s: workbook %s, CSV %s", key, c.Value, got)
				}
				if isCount(head[c.Column]) && !strings.Contains(key, "满意度") && strings.Contains(c.Value, ".") {
					t.Errorf("%s: count %s is not a whole number in the workbook", key, c.Value)
				}
			}
		}
	}
	if compared < 20 {
		t.Errorf("compared only %d figures", compared)
	}
	if csvFig["汇总|投诉总数|数值"] != "6" {
		t.Errorf("CSV total = %q, want 6", csvFig["汇总|投诉总数|数值"])
	}

	// Every row of the page's breakdown tables is in the CSV (and so in
	// the workbook) with the same count and share.
	tableRe := regexp.MustCompile(`(?s)<h2>([^<]+)</h2>\s*<table class="list compact breakdown" id="by-[a-z_]+">.*?<tbody>(.*?)</tbody>`)
	rowRe := regexp.MustCompile(`<tr><td>([^<]+)</td>\s*<td class="num">(?:<a [^>]*>)?(\d+)(?:</a>)?</td><td class="num">([^<]+)</td>`)
	rows := 0
	for _, tm := range tableRe.FindAllStringSubmatch(page, -1) {
		for _, rm := range rowRe.FindAllStringSubmatch(tm[2], -1) {
			rows++
			item := html.UnescapeString(tm[1]) + " / " + html.UnescapeString(rm[1])
			if got := csvFig["分类统计|"+item+"|件数"]; got != rm[2] {
				t.Errorf("%s: page count %s, CSV %q", item, rm[2], got)
			}
			if got := csvFig["分类统计|"+item+"|占比"]; got != rm[3] {
				t.Errorf("%s: page share %s, CSV %q", item, rm[3], got)
			}
		}
	}
	if rows < 5 {
		t.Errorf("read only %d breakdown rows from the page", rows)
	}
	if csvFig["分类统计|投诉小类 / 漏水/渗漏|件数"] != "3" {
		t.Errorf("CSV leaks = %q, want 3", csvFig["分类统计|投诉小类 / 漏水/渗漏|件数"])
	}
}

// sameFigure compares a workbook cell with its CSV text: percentages to
// the CSV's one decimal, decimals to two places, counts exactly.
func sameFigure(cell, text string) bool {
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		return false
	}
	if p, ok := strings.CutSuffix(text, "%"); ok {
		w, err := strconv.ParseFloat(p, 64)
		return err == nil && math.Abs(v*100-w) < 0.051
	}
	if !strings.Contains(text, ".") {
		return cell == text
	}
	w, err := strconv.ParseFloat(text, 64)
	return err == nil && math.Abs(v-w) < 0.0051
}

// isCount tells whether a workbook column holds counts.
func isCount(title string) bool {
	switch title {
	case "件数", "数值", "未结", "逾期", "已结", "按时", "不适用", "进行中", "去年同期":
		return true
	}
	return false
}
