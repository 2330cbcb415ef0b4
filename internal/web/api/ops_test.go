package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
)

// A notification appears in its user's inbox, is marked read once, and is
// nobody else's to mark.
func TestInboxAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		u := e.users[org.RoleHandler]
		if err := e.app.DB.SLAClocks().Notify(context.Background(), sla.Notice{UserID: u.ID, Kind: "test.notice",
			Title: "测试通知", Body: "请处理", Key: "test:" + t.Name()}); err != nil {
			t.Fatal(err)
		}
		var l struct {
			Items  []sla.Notice `json:"items"`
			Unread int          `json:"unread"`
		}
		e.get(org.RoleHandler, "/api/v1/me/notifications").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 || l.Unread != 1 || l.Items[0].Title != "测试通知" || l.Items[0].ReadAt != nil {
			t.Fatalf("inbox %+v", l)
		}
		id := l.Items[0].ID
		path := fmt.Sprintf("/api/v1/me/notifications/%d/read", id)
		e.post(org.RoleAgent, path, nil).wantErr(http.StatusNotFound, "not_found", "", "")
		e.post(org.RoleHandler, path, nil).want(http.StatusNoContent)
		e.post(org.RoleHandler, path, nil).want(http.StatusNoContent)
		e.get(org.RoleHandler, "/api/v1/me/notifications").want(http.StatusOK).JSON(&l)
		if l.Unread != 0 || l.Items[0].ReadAt == nil {
			t.Fatalf("after read %+v", l)
		}
		e.get(org.RoleHandler, "/api/v1/me/notifications?unread=true").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 0 {
			t.Fatalf("unread only %+v", l)
		}
		e.get("", "/api/v1/me/notifications").want(http.StatusUnauthorized)
	})
}

// A job of an unknown kind goes dead at once; the administrator sees it in
// the dead letters and retries it; others may not.
func TestDeadJobsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		j := &jobs.Job{Kind: "test.unknown", Payload: jobs.Payload(map[string]int{"n": 1}), RunAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		if err := e.app.DB.Jobs().Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		var l struct {
			Items []jobs.Job `json:"items"`
		}
		e.get(org.RoleAdmin, "/api/v1/jobs?status=dead").want(http.StatusOK).JSON(&l)
		var dead *jobs.Job
		for i := range l.Items {
			if l.Items[i].Kind == "test.unknown" {
				dead = &l.Items[i]
			}
		}
		if dead == nil || dead.LastError == "" || dead.Attempts != 1 {
			t.Fatalf("dead letters %+v", l.Items)
		}
		for _, role := range []string{org.RoleAgent, org.RoleManager} {
			e.get(role, "/api/v1/jobs?status=dead").wantErr(http.StatusForbidden, "forbidden", "", "")
			e.post(role, fmt.Sprintf("/api/v1/jobs/%d/retry", dead.ID), nil).wantErr(http.StatusForbidden, "forbidden", "", "")
		}
		e.get(org.RoleAdmin, "/api/v1/jobs?status=nope").wantErr(http.StatusUnprocessableEntity, "invalid", "status", "")
		e.post(org.RoleAdmin, fmt.Sprintf("/api/v1/jobs/%d/retry", dead.ID), nil).want(http.StatusNoContent)
		e.get(org.RoleAdmin, "/api/v1/jobs?status=pending&kind=test.unknown").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 || l.Items[0].ID != dead.ID {
			t.Fatalf("retried job not pending: %+v", l.Items)
		}
		// Not dead any more: nothing to retry.
		e.post(org.RoleAdmin, fmt.Sprintf("/api/v1/jobs/%d/retry", dead.ID), nil).wantErr(http.StatusNotFound, "not_found", "", "")
	})
}

// The four fixed-date jobs are listed with their next run; running one by
// hand enqueues it and the worker sends its reminders; the dry run shows
// what would fire.
func TestSchedulesAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var l struct {
			Items []sla.ScheduleStatus `json:"items"`
		}
		e.get(org.RoleAdmin, "/api/v1/schedules").want(http.StatusOK).JSON(&l)
		names := map[string]bool{}
		for _, s := range l.Items {
			names[s.Name] = true
			if s.Next.IsZero() {
				t.Errorf("%s has no next run", s.Name)
			}
		}
		for _, n := range []string{sla.ScheduleMonthlyStatistics, sla.ScheduleWeeklySummary, sla.ScheduleMonthlySummary, sla.SchedulePendingMatters,
			sla.ScheduleMonthlyPenalties} {
			if !names[n] {
				t.Errorf("schedule %s not listed: %+v", n, l.Items)
			}
		}
		if len(l.Items) != 5 {
			t.Errorf("%d schedules", len(l.Items))
		}
		e.get(org.RoleManager, "/api/v1/schedules").wantErr(http.StatusForbidden, "forbidden", "", "")
		e.post(org.RoleManager, "/api/v1/schedules/monthly_summary/run", nil).wantErr(http.StatusForbidden, "forbidden", "", "")
		e.post(org.RoleAdmin, "/api/v1/schedules/nope/run", nil).wantErr(http.StatusNotFound, "not_found", "", "")

		var jl struct {
			Items []jobs.Job `json:"items"`
		}
		e.get(org.RoleAdmin, "/api/v1/jobs?status=pending&kind="+sla.JobSchedule).want(http.StatusOK).JSON(&jl)
		before := len(jl.Items)
		e.post(org.RoleAdmin, "/api/v1/schedules/monthly_summary/run", nil).want(http.StatusAccepted)
		e.get(org.RoleAdmin, "/api/v1/jobs?status=pending&kind="+sla.JobSchedule).want(http.StatusOK).JSON(&jl)
		if len(jl.Items) != before+1 {
			t.Fatalf("run now: %d → %d pending schedule jobs", before, len(jl.Items))
		}
		e.runJobs()
		e.get(org.RoleAdmin, "/api/v1/schedules").want(http.StatusOK).JSON(&l)
		for _, s := range l.Items {
			if s.Name == sla.ScheduleMonthlySummary && s.LastRun == nil {
				t.Errorf("monthly summary: no last run after running it: %+v", s)
			}
		}

		var dr struct {
			Items []sla.Firing `json:"items"`
		}
		e.get(org.RoleAdmin, "/api/v1/sla/dry-run?from=2026-03-10T12:00&to=2026-04-30T00:00").want(http.StatusOK).JSON(&dr)
		fired := map[string]bool{}
		for _, f := range dr.Items {
			fired[f.Schedule] = true
		}
		if !fired[sla.ScheduleWeeklySummary] || !fired[sla.ScheduleMonthlySummary] {
			t.Errorf("dry run %+v", dr.Items)
		}
		e.get(org.RoleAdmin, "/api/v1/sla/dry-run?from=2026-04-30T00:00&to=2026-03-10T12:00").wantErr(http.StatusUnprocessableEntity, "invalid", "to", "")
		e.get(org.RoleAdmin, "/api/v1/sla/dry-run?from=soon").wantErr(http.StatusUnprocessableEntity, "invalid", "from", "")
		e.get(org.RoleAgent, "/api/v1/sla/dry-run?from=2026-03-10&to=2026-03-11").wantErr(http.StatusForbidden, "forbidden", "", "")
	})
}

// The auditor reads the dead letters and schedules but changes nothing.
func TestOpsAuditorReadOnly(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.get(org.RoleAuditor, "/api/v1/jobs").want(http.StatusOK)
		e.get(org.RoleAuditor, "/api/v1/schedules").want(http.StatusOK)
		e.post(org.RoleAuditor, "/api/v1/schedules/monthly_summary/run", nil).wantErr(http.StatusForbidden, "forbidden", "", "")
		e.post(org.RoleAuditor, "/api/v1/jobs/1/retry", nil).wantErr(http.StatusForbidden, "forbidden", "", "")
	})
}
