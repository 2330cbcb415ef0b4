package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/sla"
)

// A notification shows in the inbox with its count in the menu and is
// marked read; the administrator retries a dead job and runs a schedule by
// hand. (Refusals to other roles are tested through the API.)
func TestInboxJobsSchedules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, err := e.app.DB.Registers().GetUserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.DB.SLAClocks().Notify(ctx, sla.Notice{UserID: admin.ID, Kind: "test.notice", Title: "测试提醒标题",
		Body: "请尽快处理", Key: "ui-test"}); err != nil {
		t.Fatal(err)
	}
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/inbox")
	expect(t, resp, body, http.StatusOK, "测试提醒标题", "请尽快处理", `id="unread"`, "标为已读")
	l, err := e.app.DB.SLAClocks().Notifications(ctx, admin.ID, true, 10)
	if err != nil || len(l) != 1 {
		t.Fatalf("notifications %v %v", l, err)
	}
	resp, body = e.post("/inbox/"+strconv.FormatInt(l[0].ID, 10)+"/read", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/inbox")
	expect(t, resp, body, http.StatusOK, "测试提醒标题", "已读")
	refuse(t, body, `id="unread"`, "标为已读")

	// A job of an unknown kind dies at once.
	if err := e.app.DB.Jobs().Enqueue(ctx, &jobs.Job{Kind: "test.unknown", RunAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Worker.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	dead, _ := e.app.DB.Jobs().List(ctx, jobs.Filter{Status: jobs.Dead, Kind: "test.unknown"})
	if len(dead) != 1 {
		t.Fatalf("dead %+v", dead)
	}
	id := strconv.FormatInt(dead[0].ID, 10)
	resp, body = e.get("/admin/jobs")
	expect(t, resp, body, http.StatusOK, "test.unknown", `id="job-`+id+`"`, "no handler for job kind", "重新执行")
	resp, body = e.post("/admin/jobs/"+id+"/retry", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/admin/jobs?retried=" + id)
	expect(t, resp, body, http.StatusOK, "已重新排队")
	refuse(t, body, `id="job-`+id+`"`)
	if p, _ := e.app.DB.Jobs().List(ctx, jobs.Filter{Status: jobs.Pending, Kind: "test.unknown"}); len(p) != 1 {
		t.Fatalf("retried job not pending: %+v", p)
	}

	// Schedules: the four named jobs, run one now, dry run.
	resp, body = e.get("/admin/schedules")
	for _, n := range []string{sla.ScheduleMonthlyStatistics, sla.ScheduleWeeklySummary, sla.ScheduleMonthlySummary, sla.SchedulePendingMatters} {
		if !strings.Contains(body, `id="s-`+n+`"`) {
			t.Errorf("schedule %s not listed", n)
		}
	}
	expect(t, resp, body, http.StatusOK, "立即执行", "尚未执行")
	before, _ := e.app.DB.Jobs().List(ctx, jobs.Filter{Status: jobs.Pending, Kind: sla.JobSchedule})
	resp, body = e.post("/admin/schedules/weekly_summary/run", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	after, _ := e.app.DB.Jobs().List(ctx, jobs.Filter{Status: jobs.Pending, Kind: sla.JobSchedule})
	if len(after) != len(before)+1 {
		t.Fatalf("run now: %d → %d pending", len(before), len(after))
	}
	from := time.Now().Format("2006-01-02T15:04")
	to := time.Now().AddDate(0, 1, 1).Format("2006-01-02T15:04")
	resp, body = e.get("/admin/schedules?from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to))
	expect(t, resp, body, http.StatusOK, `id="dry-run"`)
	resp, body = e.get("/admin/schedules?from=" + url.QueryEscape(to) + "&to=" + url.QueryEscape(from))
	expect(t, resp, body, http.StatusUnprocessableEntity, "366")
}
