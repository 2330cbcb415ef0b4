package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	fin "kesu/internal/money"
	"kesu/internal/org"
)

// TestMoneyOnTheCasePage: the manager costs the loss and writes the
// reward/penalty notice on the case page, the GM approves it there, and the
// monthly list page shows it (FIN-2).
func TestMoneyOnTheCasePage(t *testing.T) {
	e := newCaseEnv(t)
	gm := &org.User{Username: "gm", Name: "周总", Role: org.RoleGM, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(context.Background(), gm, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	id := e.complaint("滤芯破裂")
	csrf := e.as("mgr")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	resp, body := e.post(page(id)+"/loss", url.Values{"csrf_token": {csrf}, "version": {ver()}, "parts": {"12.345"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="money"`)
	resp, body = e.post(page(id)+"/loss", url.Values{"csrf_token": {csrf}, "version": {ver()}, "parts": {"120.50"}, "labour_minutes": {"90"},
		"freight": {"30"}, "compensation": {"200"}, "returned_units": {"2"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("loss: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="loss-total">CNY 570.50<`, "尚无奖罚通知单", `id="penalty-form"`)
	refuse(t, body, `id="penalty-approve-form"`)

	qa := strconv.FormatInt(*e.users["qa"].DepartmentID, 10)
	resp, body = e.post(page(id)+"/penalty", url.Values{"csrf_token": {csrf}, "version": {ver()},
		"party_0": {"d:" + qa}, "kind_0": {"penalty"}, "amount_0": {"200.00"}, "reason_0": {"出货检验漏检"},
		"party_1": {"u:" + strconv.FormatInt(e.users["qa"].ID, 10)}, "kind_1": {"reward"}, "amount_1": {"20"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("penalty: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusSeeOther, "待总经理审批", "出货检验漏检", "品质王工")
	refuse(t, body, `id="penalty-approve-form"`) // the manager does not approve

	csrf = e.as("gm")
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="penalty-approve-form"`)
	resp, body = e.post(page(id)+"/penalty/approve", url.Values{"csrf_token": {csrf}, "version": {ver()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusSeeOther, "已批准")
	refuse(t, body, `id="penalty-approve-form"`)

	resp, body = e.get("/reports/penalties")
	expect(t, resp, body, http.StatusOK, "月度奖罚清单")
	month := e.app.Deps.Now().In(e.app.Config.Loc).Format("2006-01")
	resp, body = e.get("/reports/penalties?month=" + month)
	expect(t, resp, body, http.StatusOK, `id="penalty-totals"`, "品质部", "-200.00", "20.00", "出货检验漏检")
	resp, body = e.get("/reports/penalties?month=2026-13")
	expect(t, resp, body, http.StatusUnprocessableEntity, "月度奖罚清单")
}

// TestCreditNoteOnTheCasePage: a manager writes a credit note within their
// own authority, issues it, prints the two copies and files the signed copy.
func TestCreditNoteOnTheCasePage(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("外壳划伤")
	disc := "discount"
	if _, err := e.app.Deps.Cases.Decide(context.Background(), id, e.record(id).Version, casework.Decision{Resolution: &disc}, e.actor("mgr")); err != nil {
		t.Fatal(err)
	}
	csrf := e.as("mgr")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	resp, body := e.get("/complaints/" + strconv.FormatInt(id, 10) + "/forms/credit")
	expect(t, resp, body, http.StatusConflict)
	resp, body = e.post(page(id)+"/credit-note", url.Values{"csrf_token": {csrf}, "version": {ver()}, "reason": {"外观瑕疵折让"},
		"ref_0": {"INV-9"}, "ramount_0": {"150.00"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("credit note: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusSeeOther, "待审批", "INV-9", `id="credit-issue-form"`)
	resp, body = e.post(page(id)+"/credit-note/issue", url.Values{"csrf_token": {csrf}, "version": {ver()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("issue: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get("/complaints/" + strconv.FormatInt(id, 10) + "/forms/credit")
	expect(t, resp, body, http.StatusOK, "销货折让证明单", "INV-9", "150.00", "第二联 会计联", "客户签章")
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, "已开具，待客户签章", `id="credit-sign-form"`)
}

// TestCreditNoteSignedOnTheTrackingPage: the complainant signs the issued
// credit note with their name on the tracking page.
func TestCreditNoteSignedOnTheTrackingPage(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("外壳划伤")
	ctx := context.Background()
	disc := "discount"
	mgr := e.actor("mgr")
	if _, err := e.app.Deps.Cases.Decide(ctx, id, e.record(id).Version, casework.Decision{Resolution: &disc}, mgr); err != nil {
		t.Fatal(err)
	}
	in := fin.CreditInput{Reason: "外观瑕疵折让", Receivables: []fin.ReceivableInput{{Ref: "INV-7", Amount: "88.00"}}}
	if _, err := e.app.Deps.Cases.SaveCredit(ctx, id, e.record(id).Version, in, mgr); err != nil {
		t.Fatal(err)
	}
	c, err := e.app.Deps.ComplaintStore.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	track := "/track?" + url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode()
	_, body := e.get(track)
	refuse(t, body, `id="credit-sign-online"`) // not issued yet
	if _, err := e.app.Deps.Cases.IssueCredit(ctx, id, e.record(id).Version, mgr); err != nil {
		t.Fatal(err)
	}
	resp, body := e.get(track)
	expect(t, resp, body, http.StatusOK, `id="credit-sign-online"`, "INV-7", "88.00")
	form := url.Values{"n": {c.Number}, "c": {c.TrackingCode}, "signer": {""}}
	resp, body = e.post("/track/credit-note", form)
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="credit-sign-online"`)
	form.Set("signer", "王女士")
	resp, body = e.post("/track/credit-note", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(track)
	expect(t, resp, body, http.StatusOK, `id="credit-signed"`, "王女士")
	n, err := e.app.Deps.Cases.Credit(ctx, id, mgr)
	if err != nil || n.Status != fin.CreditSigned || n.SignedHow != "online" || n.Signer != "王女士" {
		t.Fatalf("note %+v %v", n, err)
	}
}

// TestServedByDealerOnThePages: the case names the dealer serving an end
// user's complaint, and the dealer's page links to its own list.
func TestServedByDealerOnThePages(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	rs := e.app.DB.Registers()
	dealer := &customer.Customer{Name: "华东净水经销", Class: customer.ClassDealer, Region: "domestic"}
	if err := rs.CreateCustomer(ctx, dealer, audit.System); err != nil {
		t.Fatal(err)
	}
	user := &customer.Customer{Name: "李先生", Class: customer.ClassEndUser, DealerID: &dealer.ID, Region: "domestic"}
	if err := rs.CreateCustomer(ctx, user, audit.System); err != nil {
		t.Fatal(err)
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "出水慢", Description: "出水慢", Category: "quality.leak", Severity: "minor",
		CustomerID: &user.ID, Complainant: complaint.Complainant{Name: "李先生", Phone: "13800138001"}}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	e.as("fin")
	resp, body := e.get(page(c.ID))
	expect(t, resp, body, http.StatusOK, `id="case-dealer"`, "华东净水经销", "谁销售谁服务")
	resp, body = e.get("/complaints?dealer_id=" + strconv.FormatInt(dealer.ID, 10))
	expect(t, resp, body, http.StatusOK, c.Number, "服务经销商")
}

// TestPenaltyApprovalNeedsTheVersionSeen: the GM's approval is of the
// notice at the case version the GM saw; a form without it is refused and
// the notice, changed meanwhile, stays waiting.
func TestPenaltyApprovalNeedsTheVersionSeen(t *testing.T) {
	e := newCaseEnv(t)
	gm := &org.User{Username: "gm", Name: "周总", Role: org.RoleGM, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(context.Background(), gm, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	id := e.complaint("滤芯破裂")
	csrf := e.as("mgr")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	qa := strconv.FormatInt(*e.users["qa"].DepartmentID, 10)
	resp, body := e.post(page(id)+"/penalty", url.Values{"csrf_token": {csrf}, "version": {ver()},
		"party_0": {"d:" + qa}, "kind_0": {"penalty"}, "amount_0": {"200.00"}, "reason_0": {"出货检验漏检"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("penalty: %d\n%s", resp.StatusCode, body)
	}
	csrf = e.as("gm")
	resp, body = e.post(page(id)+"/penalty/approve", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatalf("approved without the version seen")
	}
	if p, err := e.app.Deps.Cases.Penalty(context.Background(), id, e.actor("mgr")); err != nil || p.Status != fin.StatusPending {
		t.Errorf("notice %+v %v, want pending", p, err)
	}
}

// TestCreditIssueNeedsTheVersionSeen: issuing a credit note within one's
// own authority promises its amount on the spot, so it names the case
// version the issuer saw; a form without it is refused and nothing is
// issued.
func TestCreditIssueNeedsTheVersionSeen(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("外壳划伤")
	ctx := context.Background()
	disc := "discount"
	mgr := e.actor("mgr")
	if _, err := e.app.Deps.Cases.Decide(ctx, id, e.record(id).Version, casework.Decision{Resolution: &disc}, mgr); err != nil {
		t.Fatal(err)
	}
	in := fin.CreditInput{Reason: "外观瑕疵折让", Receivables: []fin.ReceivableInput{{Ref: "INV-7", Amount: "88.00"}}}
	if _, err := e.app.Deps.Cases.SaveCredit(ctx, id, e.record(id).Version, in, mgr); err != nil {
		t.Fatal(err)
	}
	csrf := e.as("mgr")
	resp, body := e.post(page(id)+"/credit-note/issue", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatalf("issued without the version seen")
	}
	if n, err := e.app.Deps.Cases.Credit(ctx, id, mgr); err != nil || n.Status != fin.CreditDraft {
		t.Errorf("note %+v %v, want a draft: %s", n, err, body)
	}
}

// TestMoneyChangesNeedTheVersionSeen: a loss, a reward/penalty notice or a
// credit note saved from a form without the case version is refused like
// the API's, and nothing is written: a change made over someone else's is
// a conflict, not a silent overwrite.
func TestMoneyChangesNeedTheVersionSeen(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("外壳开裂")
	ctx := context.Background()
	disc := "discount"
	if _, err := e.app.Deps.Cases.Decide(ctx, id, e.record(id).Version, casework.Decision{Resolution: &disc}, e.actor("mgr")); err != nil {
		t.Fatal(err)
	}
	csrf := e.as("mgr")
	qa := strconv.FormatInt(*e.users["qa"].DepartmentID, 10)
	before := e.record(id).Version
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/loss", url.Values{"parts": {"120.00"}}},
		{"/penalty", url.Values{"party_0": {"d:" + qa}, "kind_0": {"penalty"}, "amount_0": {"200.00"}, "reason_0": {"漏检"}}},
		{"/credit-note", url.Values{"reason": {"外观瑕疵折让"}, "ref_0": {"INV-9"}, "amount_0": {"88.00"}}},
	} {
		f.form.Set("csrf_token", csrf)
		if resp, body := e.post(page(id)+f.path, f.form); resp.StatusCode == http.StatusSeeOther {
			t.Errorf("%s saved without the version seen: %.300s", f.path, body)
		}
	}
	if v := e.record(id).Version; v != before {
		t.Errorf("refused saves changed the case: version %d, was %d", v, before)
	}
	m, err := e.app.Deps.Cases.MoneyOf(ctx, id, e.actor("mgr"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Loss != nil || m.Penalty != nil {
		t.Errorf("refused saves wrote money: loss %+v, penalty %+v", m.Loss, m.Penalty)
	}
}
