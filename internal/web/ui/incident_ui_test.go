package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/incident"
	"kesu/internal/product"
)

// qualityLot registers a quality complaint about lot for customer cu.
func (e *caseEnv) qualityLot(subject, lot string, cu *int64) int64 {
	e.t.Helper()
	c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: "底部漏水", Category: "quality.leak",
		Severity: "major", BatchNo: lot, CustomerID: cu, Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

func (e *caseEnv) runJobs() {
	e.t.Helper()
	if _, err := e.app.Worker.RunDue(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// TestIncidentPage: the fifth quality complaint about a lot lists a batch
// incident; an agent sees no quarantine button and is refused with a
// message; QA quarantines the batch.
func TestIncidentPage(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	p := &product.Product{Code: "P-RO", Name: "净水器", Model: "RO-100"}
	if err := e.app.Deps.Products.CreateProduct(ctx, p, audit.System); err != nil {
		t.Fatal(err)
	}
	b := &product.Batch{ProductID: p.ID, LotNo: "L-UI-1", Quantity: 500}
	if err := e.app.Deps.Products.CreateBatch(ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		e.qualityLot(fmt.Sprintf("漏水 %d", i), "L-UI-1", nil)
	}
	e.runJobs()

	csrf := e.as("agent")
	resp, body := e.get("/incidents")
	expect(t, resp, body, http.StatusOK, "批次异常", "L-UI-1", "处理中", `href="/incidents"`)
	refuse(t, body, `id="quarantine-`)
	list, err := e.app.Deps.Incidents.Recent(ctx, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("incidents %v %v", list, err)
	}
	path := "/incidents/" + strconv.FormatInt(list[0].ID, 10) + "/quarantine"
	resp, body = e.post(path, url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusForbidden, "L-UI-1", `role="alert"`)

	csrf = e.as("qa")
	_, body = e.get("/incidents")
	expect(t, resp, body, http.StatusForbidden, `id="quarantine-`+strconv.FormatInt(list[0].ID, 10)+`"`)
	resp, body = e.post(path, url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("quarantine: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(resp.Header.Get("Location"))
	expect(t, resp, body, http.StatusOK, "批次 L-UI-1 已隔离", "已隔离")
	got, err := e.app.Deps.Products.GetBatch(ctx, b.ID)
	if err != nil || got.Status != product.BatchQuarantined {
		t.Fatalf("batch after quarantine: %+v %v", got, err)
	}
}

// TestDuplicatesPanel: the complaint page lists likely duplicates; "link
// as repeat" links them and counts the repeat; "merge into this" merges
// the other complaint, and merging it again is refused with the reason.
func TestDuplicatesPanel(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	cu := &customer.Customer{Code: "C-1", Name: "杭州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	first := e.qualityLot("第一次漏水", "L-DUP", &cu.ID)
	second := e.qualityLot("第二次漏水", "L-DUP", &cu.ID)
	third := e.qualityLot("第三次漏水", "L-DUP", &cu.ID)

	csrf := e.as("qa")
	resp, body := e.get(page(third))
	expect(t, resp, body, http.StatusOK, "疑似重复 / 重复投诉", "第一次漏水", "第二次漏水", `id="repeat-`+strconv.FormatInt(first, 10)+`"`,
		`id="merge-`+strconv.FormatInt(second, 10)+`"`, "疑似重复", `id="memo-form"`)

	resp, body = e.post(page(third)+"/links", url.Values{"csrf_token": {csrf}, "to_id": {strconv.FormatInt(first, 10)}, "kind": {"repeat"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(third))
	expect(t, resp, body, http.StatusOK, `id="repeat-count"`, "重复投诉 1 次", "关联投诉")
	refuse(t, body, `id="repeat-`+strconv.FormatInt(first, 10)+`"`)

	// QA may not merge: the workflow's refusal comes back on the page.
	v := e.record(second).Version
	form := url.Values{"csrf_token": {csrf}, "duplicate_id": {strconv.FormatInt(second, 10)}, "version": {strconv.Itoa(v)}}
	resp, body = e.post(page(third)+"/merge", form)
	expect(t, resp, body, http.StatusForbidden, `id="problems"`, "您的角色不能执行此操作")
	// Customer service may merge its own department's complaints, not QA's.
	csrf = e.as("agent")
	form = url.Values{"csrf_token": {csrf}, "duplicate_id": {strconv.FormatInt(second, 10)}, "version": {strconv.Itoa(v)}}
	resp, body = e.post(page(third)+"/merge", form)
	expect(t, resp, body, http.StatusForbidden, "该投诉不在您的处理范围内")
	csrf = e.as("mgr")
	form = url.Values{"csrf_token": {csrf}, "duplicate_id": {strconv.FormatInt(second, 10)}, "version": {strconv.Itoa(v)}}
	resp, body = e.post(page(third)+"/merge", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("merge: %d\n%s", resp.StatusCode, body)
	}
	if r := e.record(second); r.Status != "merged" {
		t.Fatalf("merged complaint is %s", r.Status)
	}
	links, err := e.app.Deps.Links.Store.Links(ctx, third)
	if err != nil || len(links) != 2 || links[1].Kind != incident.LinkMerged {
		t.Fatalf("links %+v %v", links, err)
	}
	// The stale form: the merged complaint moved on.
	resp, body = e.post(page(third)+"/merge", form)
	expect(t, resp, body, http.StatusConflict, `role="alert"`, "第三次漏水")
}

// TestMemoForm: a memo (签呈) is filed from the case panel and shows on the
// timeline with its label; an empty one is refused at the form.
func TestMemoForm(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("赔偿金额异议")
	csrf := e.as("qa")
	resp, body := e.post(page(id)+"/memo", url.Values{"csrf_token": {csrf}, "memo": {"  "}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="memo-form"`, "必填")
	resp, body = e.post(page(id)+"/memo", url.Values{"csrf_token": {csrf}, "memo": {"赔偿金额偏高，请上级审定"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("memo: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, "ev-memo", "签呈", "赔偿金额偏高，请上级审定", "呈报")
}

// TestLedgerPage: a dealer's ledger shows the balance; a purchase earns
// the allowance, a charge beyond it is refused with the message, a
// manager approves credit and the charge goes through; the customer page
// links to it; a non-dealer has none.
func TestLedgerPage(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	dealer := &customer.Customer{Code: "D-1", Name: "苏州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, dealer, audit.System); err != nil {
		t.Fatal(err)
	}
	end := &customer.Customer{Code: "E-1", Name: "李先生", Class: customer.ClassEndUser, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, end, audit.System); err != nil {
		t.Fatal(err)
	}
	ledger := "/customers/" + strconv.FormatInt(dealer.ID, 10) + "/ledger"

	csrf := e.as("agent")
	resp, body := e.get("/customers/" + strconv.FormatInt(dealer.ID, 10))
	expect(t, resp, body, http.StatusOK, `id="ledger-link"`, ledger)
	_, body = e.get("/customers/" + strconv.FormatInt(end.ID, 10))
	refuse(t, body, `id="ledger-link"`)
	resp, body = e.get("/customers/" + strconv.FormatInt(end.ID, 10) + "/ledger")
	expect(t, resp, body, http.StatusUnprocessableEntity)

	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, "售后台账", `id="ledger-charge"`)
	refuse(t, body, `id="ledger-credit"`, `id="ledger-purchase"`, `id="ledger-payment"`)
	// Purchases and payments raise what the allowance covers: finance
	// books them, not the desk.
	resp, body = e.post(ledger+"/purchase", url.Values{"csrf_token": {csrf}, "amount": {"100000"}, "note": {"十月进货"}})
	expect(t, resp, body, http.StatusForbidden, `role="alert"`, `id="bal-purchases">0.00<`)

	fin := e.as("fin")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="ledger-purchase"`, `id="ledger-payment"`)
	resp, body = e.post(ledger+"/purchase", url.Values{"csrf_token": {fin}, "amount": {"100000"}, "note": {"十月进货"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("purchase: %d\n%s", resp.StatusCode, body)
	}
	csrf = e.as("agent")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="bal-purchases">100000.00<`, `id="bal-allowances">500.00<`, "十月进货")

	resp, body = e.post(ledger+"/charge", url.Values{"csrf_token": {csrf}, "amount": {"600"}, "note": {"免费滤芯"}})
	expect(t, resp, body, http.StatusConflict, `role="alert"`, "500.00", `id="bal-charges">0.00<`)
	resp, body = e.post(ledger+"/credit", url.Values{"csrf_token": {csrf}, "amount": {"200"}})
	expect(t, resp, body, http.StatusForbidden, `role="alert"`)

	csrf = e.as("mgr")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="ledger-credit"`)
	resp, body = e.post(ledger+"/credit", url.Values{"csrf_token": {csrf}, "amount": {"200"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("credit: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(ledger+"/charge", url.Values{"csrf_token": {csrf}, "amount": {"600"}, "note": {"免费滤芯"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("charge: %d\n%s", resp.StatusCode, body)
	}
	fin = e.as("fin")
	resp, body = e.post(ledger+"/payment", url.Values{"csrf_token": {fin}, "amount": {"50.5"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment: %d\n%s", resp.StatusCode, body)
	}
	csrf = fin
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="bal-charges">600.00<`, `id="bal-credit">200.00<`, `id="bal-payments">50.50<`,
		`id="bal-amount">-49.50<`, "150.50", "免费滤芯")
	resp, body = e.post(ledger+"/payment", url.Values{"csrf_token": {csrf}, "amount": {"-3"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "必须大于零")
}
