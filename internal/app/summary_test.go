package app_test

import (
	"strings"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/org"
)

// TestSummaryProposalsStayInScope: the monthly summary's improvement
// proposals name complaints and their actions, so a department manager is
// sent those of the complaints they may read, while the figures stay
// company-wide for every recipient.
func TestSummaryProposalsStayInScope(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		rs := e.a.DB.Registers()
		qaMgr := &org.User{Username: "manager.qa", Name: "manager.qa", Role: org.RoleManager, Email: "qa.manager@example.com", Lang: "zh"}
		if err := rs.CreateUser(e.ctx, qaMgr, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		qa := &org.Department{Code: "notify_qa", Name: "品质测试部", ManagerID: &qaMgr.ID}
		if err := rs.CreateDepartment(e.ctx, qa, audit.System); err != nil {
			t.Fatal(err)
		}
		qaMgr.DepartmentID = &qa.ID
		if err := rs.UpdateUser(e.ctx, qaMgr, audit.System); err != nil {
			t.Fatal(err)
		}
		qaHandler := &org.User{Username: "holder.qa", Name: "holder.qa", Role: org.RoleHandler, DepartmentID: &qa.ID}
		if err := rs.CreateUser(e.ctx, qaHandler, "!", audit.System); err != nil {
			t.Fatal(err)
		}

		e.clock.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
		// The customer-service manager is a member of the department they
		// manage; each complaint belongs to one of the two departments.
		e.mgr.DepartmentID = e.holder.DepartmentID
		if err := rs.UpdateUser(e.ctx, e.mgr, audit.System); err != nil {
			t.Fatal(err)
		}
		cs := &complaint.Complaint{Channel: "phone", Subject: "净水器漏水", Description: "净水器漏水，请处理。", DepartmentID: e.holder.DepartmentID,
			Complainant: complaint.Complainant{Name: "李四", Phone: "13900001111"}, HolderID: &e.holder.ID}
		if _, err := e.a.Deps.Complaints.Create(e.ctx, cs, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		cq := &complaint.Complaint{Channel: "phone", Subject: "滤芯异味", Description: "滤芯异味，请处理。", DepartmentID: &qa.ID,
			Complainant: complaint.Complainant{Name: "王五", Phone: "13900002222"}, HolderID: &qaHandler.ID}
		if _, err := e.a.Deps.Complaints.Create(e.ctx, cq, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		// One verified-effective action flagged for the standard on each
		// complaint (a fixture: the CAPA flow itself is tested in the API).
		verified := time.Date(2026, 2, 20, 2, 0, 0, 0, time.UTC).UnixMicro()
		for _, p := range []struct {
			id   int64
			desc string
		}{{cs.ID, "客服话术更新：漏水先报修"}, {cq.ID, "滤芯供应商来料检验加严"}} {
			if _, err := e.a.DB.W.ExecContext(e.ctx, e.a.DB.Dialect.Rebind(`INSERT INTO capa_actions (complaint_id, kind, description, status, done_at,
				verification, verified_at, verify_note, update_standard, created_at) VALUES (?, 'corrective', ?, 'done', ?, 'effective', ?, '连续三批合格', ?, ?)`),
				p.id, p.desc, verified, verified, true, verified); err != nil {
				t.Fatal(err)
			}
		}

		e.clock.t = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		if err := e.a.SLA.Scheduler.RunNow(e.ctx, "monthly_summary"); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		texts := map[string]string{}
		for _, m := range e.mail.Messages() {
			if strings.Contains(m.Subject, "月报") {
				texts[strings.Join(m.To, ",")] = m.Text
			}
		}
		cs1, qa1 := texts["manager@example.com"], texts["qa.manager@example.com"]
		if cs1 == "" || qa1 == "" {
			t.Fatalf("summaries sent to %v", keys(texts))
		}
		for _, c := range []struct {
			who, text, mine, other string
		}{
			{"customer-service manager", cs1, "客服话术更新", "滤芯供应商来料检验加严"},
			{"quality manager", qa1, "滤芯供应商来料检验加严", "客服话术更新"},
		} {
			if !strings.Contains(c.text, c.mine) {
				t.Errorf("%s's summary lacks the proposal of their own complaint %q:\n%s", c.who, c.mine, c.text)
			}
			if strings.Contains(c.text, c.other) {
				t.Errorf("%s's summary shows the proposal %q of a complaint outside their scope:\n%s", c.who, c.other, c.text)
			}
			if !strings.Contains(c.text, "接收投诉: 2") {
				t.Errorf("%s's summary figures are not company-wide:\n%s", c.who, c.text)
			}
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
