package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
)

// TestPartsOnTheCasePage: the QA engineer working the case records parts
// sent on the card 配件 with an amount typed as people type it; the
// shipment is listed with its basis in words; bad input is refused next to
// its field, keeping what was typed, and writes nothing.
func TestPartsOnTheCasePage(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	id := e.complaint("滤芯破裂")
	csrf := e.as("qa")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="parts"`, "本案尚未发出配件", `id="parts-form"`)
	refuse(t, body, `id="parts-allowance"`) // not a dealer's case

	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {ver()}, "part": {"RO 膜滤芯"}, "qty": {"x"},
		"unit_price": {"12.345"}, "note": {"顺丰到付"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="parts-form"`, `value="RO 膜滤芯"`, `value="顺丰到付"`, `value="12.345"`,
		"必须大于零")
	if ps, err := e.app.Deps.Cases.Store.Parts(ctx, id); err != nil || len(ps) != 0 {
		t.Fatalf("refused shipment written: %v %v", ps, err)
	}

	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {ver()}, "part": {"RO 膜滤芯"}, "qty": {"2"},
		"unit_price": {"¥1,200.00"}, "note": {"顺丰到付"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("parts: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {ver()}, "part": {"密封圈"}, "qty": {"1"},
		"unit_price": {"5"}, "in_warranty": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("parts in warranty: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="parts-table"`, "RO 膜滤芯", "1200.00", "2400.00", "零售价", "密封圈", "保修免费", "品质王工")

	// In English the basis is in words too.
	resp, body = e.get(page(id) + "?lang=en")
	expect(t, resp, body, http.StatusOK, "Retail price", "Free under warranty", "Record parts sent")
}

// TestPartsBeyondTheDealerAllowance: on a dealer's case the card shows
// what the dealer's allowance still covers; a shipment beyond it is
// refused next to the amount with what is available and the way to the
// ledger, the form keeps what was typed and nothing is written; one
// within it is charged to the ledger and linked to its entry.
func TestPartsBeyondTheDealerAllowance(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	dealer := &customer.Customer{Code: "D-9", Name: "苏州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, dealer, audit.System); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Deps.Ledger.RecordPurchase(ctx, dealer.ID, 10_000_000, "十月进货", e.actor("fin")); err != nil {
		t.Fatal(err) // 100,000.00 earns 500.00 at 0.5 %
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "滤芯漏水", Description: "经销商报修", Category: "quality.leak", Severity: "minor",
		CustomerID: &dealer.ID, Complainant: complaint.Complainant{Name: "刘经理", Phone: "13800138002"}}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	id := c.ID
	ledger := "/customers/" + strconv.FormatInt(dealer.ID, 10) + "/ledger"
	csrf := e.as("qa")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="parts-allowance"`, "苏州经销商", `id="parts-balance">500.00<`, `<strong>500.00</strong>`,
		`id="parts-ledger-link"`, ledger)

	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {ver()}, "part": {"整机主板"}, "qty": {"3"},
		"unit_price": {"200"}})
	expect(t, resp, body, http.StatusConflict, `id="parts-exhausted"`, "可用 ¥500.00", `href="`+ledger+`"`, `value="整机主板"`, `value="3"`, `value="200"`)
	if ps, err := e.app.Deps.Cases.Store.Parts(ctx, id); err != nil || len(ps) != 0 {
		t.Fatalf("refused shipment written: %v %v", ps, err)
	}
	entries, b, err := e.app.Deps.Ledger.Account(ctx, dealer.ID)
	if err != nil || b.Charges != 0 || len(entries) != 2 {
		t.Fatalf("the ledger moved: %v %+v %v", entries, b, err)
	}

	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {ver()}, "part": {"整机主板"}, "qty": {"2"},
		"unit_price": {"200"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("parts: %d\n%s", resp.StatusCode, body)
	}
	entries, b, err = e.app.Deps.Ledger.Account(ctx, dealer.ID)
	if err != nil || b.Charges != 40000 || len(entries) != 3 {
		t.Fatalf("ledger after the shipment: %v %+v %v", entries, b, err)
	}
	entry := strconv.FormatInt(entries[2].ID, 10)
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, "售后费用额度", "400.00", `href="`+ledger+`#entry-`+entry+`"`, `<strong>100.00</strong>`)

	// The ledger lists the charge with its case.
	e.as("mgr")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="entry-`+entry+`"`, c.Number, `href="/complaints/`+strconv.FormatInt(id, 10)+`"`)
}

// TestNoPartsOnAFinishedCase: a closed case has no parts form; the card
// says why, and a form sent anyway is refused and writes nothing.
func TestNoPartsOnAFinishedCase(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("滤芯破裂")
	e.walk(id)
	csrf := e.as("qa")
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="parts"`, `id="parts-why"`)
	refuse(t, body, `id="parts-form"`)
	resp, body = e.post(page(id)+"/parts", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
		"part": {"RO 膜滤芯"}, "qty": {"1"}, "unit_price": {"10"}})
	if resp.StatusCode != http.StatusConflict && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("parts on a closed case: %d\n%s", resp.StatusCode, body)
	}
	if ps, err := e.app.Deps.Cases.Store.Parts(context.Background(), id); err != nil || len(ps) != 0 {
		t.Fatalf("shipment on a closed case: %v %v", ps, err)
	}
}

// TestLedgerRateOnThePage: the ledger shows the allowance rate in force
// and whose it is; a manager sets the dealer's own rate, which the next
// purchase earns, and clears it back to the company default; a rate that
// is not a percentage is refused with the field error; finance, who may
// not change the register, has no form.
func TestLedgerRateOnThePage(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	dealer := &customer.Customer{Code: "D-7", Name: "杭州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, dealer, audit.System); err != nil {
		t.Fatal(err)
	}
	ledger := "/customers/" + strconv.FormatInt(dealer.ID, 10) + "/ledger"
	rate := "/customers/" + strconv.FormatInt(dealer.ID, 10) + "/allowance-rate"
	csrf := e.as("mgr")
	resp, body := e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="ledger-rate">0.50%`, "公司默认比例", `id="ledger-rate-form"`)

	resp, body = e.post(rate, url.Values{"csrf_token": {csrf}, "rate": {"abc"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="ledger-rate-form"`, `value="abc"`, "超出允许范围", `id="ledger-rate">0.50%`)
	resp, body = e.post(rate, url.Values{"csrf_token": {csrf}, "rate": {"101"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "超出允许范围")

	resp, body = e.post(rate, url.Values{"csrf_token": {csrf}, "rate": {"1.25%"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(ledger + "?posted=rate")
	expect(t, resp, body, http.StatusOK, `id="ledger-rate">1.25%`, "该经销商专用比例", "已更新售后费用比例")
	// The account manager books no purchases (finance does) and sees no
	// purchase or payment form.
	refuse(t, body, `id="ledger-purchase"`, `id="ledger-payment"`)
	resp, body = e.post(ledger+"/purchase", url.Values{"csrf_token": {csrf}, "amount": {"10000"}})
	expect(t, resp, body, http.StatusForbidden)
	fin := e.as("fin")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="ledger-purchase"`, `id="ledger-payment"`)
	refuse(t, body, `id="charge-complaint_id"`)
	resp, body = e.post(ledger+"/purchase", url.Values{"csrf_token": {fin}, "amount": {"10000"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("purchase: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(ledger)
	expect(t, resp, body, http.StatusSeeOther, `id="bal-allowances">125.00<`)
	csrf = e.as("mgr")
	es, err := e.app.DB.Audit().List(ctx, audit.Filter{Action: "ledger.rate", Limit: 10})
	if err != nil || len(es) != 1 {
		t.Errorf("ledger.rate audit entries = %d, %v; want 1", len(es), err)
	}

	resp, body = e.post(rate, url.Values{"csrf_token": {csrf}, "rate": {""}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clear rate: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(ledger + "?lang=en")
	expect(t, resp, body, http.StatusOK, `id="ledger-rate">0.50%`, "the company default")

	csrf = e.as("fin")
	resp, body = e.get(ledger)
	expect(t, resp, body, http.StatusOK, `id="ledger-rate">0.50%`)
	refuse(t, body, `id="ledger-rate-form"`)
	resp, body = e.post(rate, url.Values{"csrf_token": {csrf}, "rate": {"2"}})
	expect(t, resp, body, http.StatusForbidden)
	if bp, err := e.app.Deps.Ledger.Store.AllowanceRate(ctx, dealer.ID); err != nil || bp != nil {
		t.Errorf("finance changed the rate: %v %v", bp, err)
	}
}
