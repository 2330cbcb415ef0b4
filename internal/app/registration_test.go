package app_test

import (
	"fmt"
	"sync"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/letter"
	"kesu/internal/org"
)

// TestConcurrentRegistrationIsComplete registers complaints from many
// goroutines at once on two servers sharing one database and checks the
// invariant of issue 16 when the last answer comes, before any worker
// runs: every complaint has its time-limit clocks, its owning department
// and holder (routing) and its acknowledgement-letter job, a safety
// hazard has paged its managers, and no job row exists per timer.
func TestConcurrentRegistrationIsComplete(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		rs := e.a.DB.Registers()
		for _, code := range []string{"qa", "sales"} {
			d, err := e.a.DB.Cases().DepartmentByCode(e.ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			u := &org.User{Username: "h." + code, Name: "处理人" + code, Role: org.RoleHandler, DepartmentID: &d}
			if err := rs.CreateUser(e.ctx, u, "!", audit.System); err != nil {
				t.Fatal(err)
			}
		}
		gm := &org.User{Username: "gm", Name: "总经理", Role: org.RoleGM}
		if err := rs.CreateUser(e.ctx, gm, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		const n = 240
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			s := e.a
			if i%2 == 1 {
				s = e.b
			}
			wg.Go(func() {
				c := &complaint.Complaint{Channel: "phone", Subject: fmt.Sprintf("并发登记 %d", i), Description: "净水器漏水",
					Complainant: complaint.Complainant{Name: "客户", Email: fmt.Sprintf("c%d@example.com", i)}}
				if i%3 == 0 {
					c.Category, c.BatchNo = "quality.leak", "20261101-B07"
				}
				if i%40 == 0 {
					c.Safety = true
				}
				if _, err := s.Deps.Complaints.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var v int
			if err := e.a.DB.R.QueryRowContext(e.ctx, q).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if got := count(`SELECT COUNT(*) FROM complaints`); got != n {
			t.Fatalf("%d complaints stored, want %d", got, n)
		}
		if got := count(`SELECT COUNT(*) FROM complaints c JOIN complaint_clocks k ON k.complaint_id = c.id
WHERE k.clocks LIKE 'sla_1@%' AND k.next_at IS NOT NULL AND c.sla_outcomes LIKE '%sla_1:r%'`); got != n {
			t.Errorf("%d of %d complaints have their clocks running", got, n)
		}
		if got := count(`SELECT COUNT(*) FROM complaints WHERE department_id IS NOT NULL AND holder_id IS NOT NULL`); got != n {
			t.Errorf("%d of %d complaints routed", got, n)
		}
		if got := count(`SELECT COUNT(DISTINCT key) FROM jobs WHERE kind = '` + letter.JobAck + `'`); got != n {
			t.Errorf("%d acknowledgement jobs for %d complaints", got, n)
		}
		if got := count(`SELECT COUNT(DISTINCT complaint_id) FROM notifications WHERE kind = 'sla.page'`); got != n/40 {
			t.Errorf("%d safety hazards paged, want %d", got, n/40)
		}
		if got := count(`SELECT COUNT(*) FROM jobs WHERE kind IN ('sla.remind', 'sla.breach', 'sla.escalate')`); got != 0 {
			t.Errorf("%d timer jobs", got)
		}
		// What is left for the worker is the batch-incident check, one job
		// per intake batch with quality complaints about a lot.
		checks := e.jobs(jobs.Pending, "complaint.registered")
		if len(checks) == 0 || len(checks) > n/3 {
			t.Errorf("%d batch-check jobs for %d quality complaints", len(checks), n/3)
		}
		e.drain(e.a)
		if got := count(`SELECT COUNT(*) FROM batch_incidents WHERE batch_no = '20261101-B07' AND status = 'open'`); got != 1 {
			t.Errorf("%d open incidents, want 1", got)
		}
		if got := count(`SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND kind <> 'sla.schedule'`); got != 0 {
			t.Errorf("%d jobs left pending after the worker ran", got)
		}
	})
}
