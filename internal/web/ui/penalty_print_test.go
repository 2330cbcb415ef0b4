package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	fin "kesu/internal/money"
	"kesu/internal/org"
)

// TestPenaltyNoticePrinted: the reward/penalty notice prints only once the
// GM approved it (409 before, as the credit note); the case page then
// links the page and the PDF, which read in Chinese or English with the
// amounts in words.
func TestPenaltyNoticePrinted(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	gm := &org.User{Username: "gm", Name: "周总", Role: org.RoleGM, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, gm, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	id := e.complaint("滤芯破裂")
	forms := page(id) + "/forms/"
	e.as("mgr")
	resp, body := e.get(forms + "penalty")
	expect(t, resp, body, http.StatusNotFound) // no notice yet

	mgr := e.actor("mgr")
	if _, err := e.app.Deps.Cases.SetLoss(ctx, id, e.record(id).Version, fin.LossInput{Parts: "120.50", LabourMinutes: 90}, mgr); err != nil {
		t.Fatal(err)
	}
	qa := e.users["qa"].DepartmentID
	lines := []fin.PenaltyLineInput{{Party: fin.Party{DepartmentID: qa}, Kind: "penalty", Amount: "1200", Reason: "出货检验漏检"}}
	if _, err := e.app.Deps.Cases.SetPenalty(ctx, id, e.record(id).Version, "", lines, mgr); err != nil {
		t.Fatal(err)
	}
	resp, body = e.get(forms + "penalty")
	expect(t, resp, body, http.StatusConflict, "尚未经总经理批准")
	resp, body = e.get(forms + "penalty.pdf")
	expect(t, resp, body, http.StatusConflict)
	_, body = e.get(page(id))
	refuse(t, body, `id="penalty-print"`)

	gmActor := e.actor("mgr")
	gmActor.User, gmActor.Audit = gm, audit.Actor{UserID: gm.ID, Name: gm.Username}
	if _, err := e.app.Deps.Cases.ApprovePenalty(ctx, id, e.record(id).Version, gmActor); err != nil {
		t.Fatal(err)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="penalty-print"`, forms+"penalty", forms+"penalty.pdf?lang=zh")
	resp, body = e.get(forms + "penalty")
	expect(t, resp, body, http.StatusOK, "奖罚通知单", "出货检验漏检", "壹仟贰佰元整", "240.50", "周总", "总经理已批准", "签字：")
	resp, body = e.get(forms + "penalty?lang=en")
	expect(t, resp, body, http.StatusOK, "Reward/penalty notice", "One thousand two hundred yuan only", "Approved by the general manager",
		"Signature:", "penalty.pdf?lang=en")
	resp, body = e.get(forms + "penalty.pdf?lang=en")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("penalty.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := pdfText(t, []byte(body))
	for _, want := range []string{"Reward/penalty notice", "Penalty", "1200.00", "周总", "Finance"} {
		if !strings.Contains(text, want) {
			t.Errorf("penalty.pdf lacks %q:\n%s", want, text)
		}
	}
	resp, body = e.get(forms + "penalty.pdf")
	text = pdfText(t, []byte(body))
	for _, want := range []string{"奖罚通知单", "壹仟贰佰元整", "出货检验漏检", "周总"} {
		if !strings.Contains(text, want) {
			t.Errorf("penalty.pdf lacks %q:\n%s", want, text)
		}
	}
	es, err := e.app.DB.Audit().List(ctx, audit.Filter{Action: "form.print", Limit: 20})
	if err != nil || len(es) != 4 {
		t.Errorf("form.print audit entries = %d, %v; want 4 (the printed ones)", len(es), err)
	}
}

// TestMonthlyPenaltyListPrinted: the monthly list prints as a page and a
// PDF with the sums in words, in Chinese or English, audited like the
// downloads.
func TestMonthlyPenaltyListPrinted(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	gm := &org.User{Username: "gm", Name: "周总", Role: org.RoleGM, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, gm, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	id := e.complaint("滤芯破裂")
	mgr := e.actor("mgr")
	lines := []fin.PenaltyLineInput{{Party: fin.Party{DepartmentID: e.users["qa"].DepartmentID}, Kind: "penalty", Amount: "1200", Reason: "出货检验漏检"}}
	if _, err := e.app.Deps.Cases.SetPenalty(ctx, id, e.record(id).Version, "", lines, mgr); err != nil {
		t.Fatal(err)
	}
	gmActor := mgr
	gmActor.User, gmActor.Audit = gm, audit.Actor{UserID: gm.ID, Name: gm.Username}
	if _, err := e.app.Deps.Cases.ApprovePenalty(ctx, id, e.record(id).Version, gmActor); err != nil {
		t.Fatal(err)
	}
	month := e.app.Deps.Now().In(e.app.Config.Loc).Format("2006-01")
	e.as("mgr")
	resp, body := e.get("/reports/penalties?month=" + month)
	expect(t, resp, body, http.StatusOK, `id="penalties-print"`, "format=pdf")
	resp, body = e.get("/reports/penalties?format=print&month=" + month)
	expect(t, resp, body, http.StatusOK, "月度奖罚清单", month, "品质部", "1200.00", "壹仟贰佰元整", "出货检验漏检", "行政人事部", "format=pdf")
	resp, body = e.get("/reports/penalties?format=print&lang=en&month=" + month)
	expect(t, resp, body, http.StatusOK, "Monthly rewards and penalties", "One thousand two hundred yuan only", "Signature:")
	resp, body = e.get("/reports/penalties?format=pdf&month=" + month)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("penalties pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := pdfText(t, []byte(body))
	for _, want := range []string{"月度奖罚清单", month, "品质部", "壹仟贰佰元整", "出货检验漏检"} {
		if !strings.Contains(text, want) {
			t.Errorf("list PDF lacks %q:\n%s", want, text)
		}
	}
	es, err := e.app.DB.Audit().List(ctx, audit.Filter{Action: "report.export", Limit: 10})
	if err != nil || len(es) != 3 {
		t.Errorf("report.export audit entries = %d, %v; want 3", len(es), err)
	}
}
