package app_test

import (
	"strings"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/org"
)

// TestMonthlyPenaltyList: on the 4th the reward/penalty notices the GM
// approved the month before go to finance, the GM and HR by email, with
// the totals and the workbook (FIN-2, 002 第6篇).
func TestMonthlyPenaltyList(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		rs := e.a.DB.Registers()
		mk := func(name string, role string, email string) *org.User {
			u := &org.User{Username: name, Name: name, Role: role, Email: email, Lang: "zh"}
			if err := rs.CreateUser(e.ctx, u, "!", audit.System); err != nil {
				t.Fatal(err)
			}
			return u
		}
		gm := mk("gm.zhou", org.RoleGM, "gm@example.com")
		mk("finance.cao", org.RoleFinance, "finance@example.com")
		hr := mk("hr.manager", org.RoleManager, "hr@example.com")
		hrDept, err := e.a.DB.Cases().DepartmentByCode(e.ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		d, err := rs.GetDepartment(e.ctx, hrDept)
		if err != nil {
			t.Fatal(err)
		}
		d.ManagerID = &hr.ID
		if err := rs.UpdateDepartment(e.ctx, d, audit.System); err != nil {
			t.Fatal(err)
		}

		e.clock.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
		c := &complaint.Complaint{Channel: "phone", Subject: "净水器漏水", Description: "净水器漏水，请处理。", DepartmentID: e.holder.DepartmentID,
			Complainant: complaint.Complainant{Name: "李四", Phone: "13900001111"}, HolderID: &e.holder.ID}
		if _, err := e.a.Deps.Complaints.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		actor := casework.Actor{User: gm, Audit: audit.Actor{UserID: gm.ID, Name: gm.Username}}
		lines := []money.PenaltyLineInput{{Party: money.Party{UserID: &e.holder.ID}, Kind: money.KindPenalty, Amount: "200.00", Reason: "答复超时"}}
		cr, err := e.a.Cases.Read(e.ctx, c.ID, actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Cases.SetPenalty(e.ctx, c.ID, cr.Version, "", lines, actor); err != nil {
			t.Fatal(err)
		}
		cr, err = e.a.Cases.Read(e.ctx, c.ID, actor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Cases.ApprovePenalty(e.ctx, c.ID, cr.Version, actor); err != nil {
			t.Fatal(err)
		}

		e.clock.t = time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC) // 09:00 in Beijing on the 4th
		if err := e.a.SLA.Scheduler.RunNow(e.ctx, "monthly_penalties"); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		sent := map[string]bool{}
		for _, m := range e.mail.Messages() {
			if !strings.Contains(m.Subject, "月度奖罚清单 2026-02") {
				continue
			}
			sent[strings.Join(m.To, ",")] = true
			if !strings.Contains(m.Text, "-200.00") || !strings.Contains(m.Text, e.holder.Name) {
				t.Errorf("the list to %v lacks the penalty:\n%s", m.To, m.Text)
			}
		}
		for _, to := range []string{"gm@example.com", "finance@example.com", "hr@example.com"} {
			if !sent[to] {
				t.Errorf("no list sent to %s (sent: %v)", to, sent)
			}
		}
		if sent["holder@example.com"] {
			t.Error("the list went to the person penalised")
		}
	})
}
