package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/storage/storetest"
)

// The administrator sees each year with its source, imports the 2027
// notice (a bad file first, refused by field), adds and removes a day,
// exports the year and restores the default; other roles are refused.
func TestCalendarPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/admin/calendar?year=2027")
	expect(t, resp, body, http.StatusOK, `href="/admin/calendar"`, "工作日历", `id="y-2025"`, `id="y-2026"`, "随系统发布",
		"国务院办公厅关于2026年部分节假日安排的通知", "按法定假日推算", "临时", `id="provisional-note"`, `id="d-2027-02-05"`)

	manager := e.as(org.RoleManager)
	resp, body = manager.get("/admin/calendar")
	expect(t, resp, body, http.StatusForbidden)
	refuse(t, body, "工作日历</h1>")
	resp, body = manager.post("/admin/calendar/days", url.Values{"csrf_token": {manager.csrf("/complaints")},
		"date": {"2026-12-31"}, "kind": {"off"}, "name": {"公司"}, "reason": {"x"}})
	expect(t, resp, body, http.StatusForbidden)
	_, body = manager.get("/complaints")
	refuse(t, body, `href="/admin/calendar"`)

	// 2027-01-04 is a Monday: not a make-up day.
	bad := strings.Replace(storetest.Notice2027, `"2027-01-31"`, `"2027-01-04"`, 1)
	resp, body = e.postMultipart("/admin/calendar/import", url.Values{"csrf_token": {csrf}}, file{"2027.json", bad})
	expect(t, resp, body, http.StatusUnprocessableEntity, "调休上班日 holidays[1].work[0]", "调休上班日须为周六或周日（2027-01-04 Monday）")
	resp, body = e.postMultipart("/admin/calendar/import", url.Values{"csrf_token": {csrf}}, file{"2027.json", "not json"})
	expect(t, resp, body, http.StatusUnprocessableEntity, "不是有效的假日文件")
	if info, _ := e.app.SLA.Calendars.Current().Info(2027); info.Origin != sla.OriginComputed {
		t.Fatalf("a refused import changed 2027: %+v", info)
	}

	resp, body = e.postMultipart("/admin/calendar/import", url.Values{"csrf_token": {csrf}, "note": {"通知已发布"}}, file{"2027.json", storetest.Notice2027})
	expect(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/admin/calendar?year=2027&imported=2027" {
		t.Fatalf("redirect to %s", loc)
	}
	resp, body = e.get("/admin/calendar?year=2027&imported=2027")
	expect(t, resp, body, http.StatusOK, "已导入 2027 年假日安排", "管理员导入", "国务院办公厅关于2027年部分节假日安排的通知（测试）（2026-11-10）",
		"通知已发布", `id="d-2027-01-31" class="day-work"`, "调休上班", `id="revert"`)
	refuse(t, body, `id="provisional-note"`)

	resp, body = e.post("/admin/calendar/days", url.Values{"csrf_token": {csrf}, "date": {"2027-03-01"}, "kind": {"off"}, "name": {"公司庆典"}, "reason": {"建厂三十周年"}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/admin/calendar?year=2027")
	expect(t, resp, body, http.StatusOK, `id="d-2027-03-01" class="day-off"`, "公司庆典", "管理员修改", "建厂三十周年")
	resp, body = e.post("/admin/calendar/days", url.Values{"csrf_token": {csrf}, "date": {"2027-03-01"}, "kind": {"off"}, "name": {"公司庆典"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "原因")
	resp, body = e.post("/admin/calendar/days/remove", url.Values{"csrf_token": {csrf}, "date": {"2027-03-01"}, "reason": {"取消"}})
	expect(t, resp, body, http.StatusSeeOther)
	_, body = e.get("/admin/calendar?year=2027")
	refuse(t, body, `id="d-2027-03-01"`)

	resp, body = e.get("/admin/calendar/2027/export")
	expect(t, resp, body, http.StatusOK)
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="2027.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	y, err := sla.ParseYear(strings.NewReader(body))
	if err != nil || y.Status != sla.Published || len(y.Work()) != 2 {
		t.Fatalf("export does not read back: %+v %v", y, err)
	}

	resp, body = e.post("/admin/calendar/2027/revert", url.Values{"csrf_token": {csrf}, "reason": {"测试结束"}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/admin/calendar?year=2027")
	expect(t, resp, body, http.StatusOK, `id="provisional-note"`)
	if n := len(e.auditEntries("calendar.import")) + len(e.auditEntries("calendar.day_add")) + len(e.auditEntries("calendar.day_remove")) +
		len(e.auditEntries("calendar.revert")); n != 4 {
		t.Errorf("%d calendar audit entries, want 4", n)
	}

	e.get("/lang?to=en&next=/complaints")
	resp, body = e.get("/admin/calendar?year=2027")
	expect(t, resp, body, http.StatusOK, "Business calendar", "Computed from the statutory days", "Provisional", "Import a year&#39;s holiday file")
}
