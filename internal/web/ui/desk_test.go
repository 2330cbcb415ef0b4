package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestRefusedFormsKeepWhatWasTyped: a decision form refused for its
// amount comes back with every field as typed and says the expected
// format; amounts written as people write them are accepted; a refused
// CAPA or action form keeps its text too.
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("净水器底部漏水")
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	csrf := e.as("qa")
	form := func(amount string) url.Values {
		return url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
			"established": {"yes"}, "validity": {"valid"}, "responsibility": {"internal"}, "responsibility_note": {"密封圈来料"},
			"root_cause": {"密封圈批次硬度不足"}, "resolution": {"replace"}, "amount": {amount}, "currency": {"CNY"}, "malicious": {"on"}}
	}
	before := e.record(id).Version
	resp, body := e.post(page(id)+"/decision", form("12,00"))
	expect(t, resp, body, http.StatusUnprocessableEntity, "须为金额，如 1200、1,200.50 或 ¥1,200",
		`value="12,00"`, `value="密封圈来料"`, ">密封圈批次硬度不足</textarea>", `<option value="replace" selected>`,
		`<option value="valid" selected>`, `<option value="yes" selected>`, `id="d-malicious" checked`, `<details class="decide" open>`)
	if e.record(id).Version != before {
		t.Fatal("a refused decision wrote to the case")
	}
	for amount, fen := range map[string]int64{"¥1,200": 120000, "1200.00": 120000, "1,200.5": 120050, "￥ 2,000 元": 200000} {
		resp, body = e.post(page(id)+"/decision", form(amount))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("amount %q: %d\n%s", amount, resp.StatusCode, body)
		}
		if r := e.record(id); r.Amount != fen {
			t.Errorf("amount %q stored as %d fen, want %d", amount, r.Amount, fen)
		}
	}

	// A CAPA action without an owner is refused; the description stays.
	resp, body = e.post(page(id)+"/capa", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
		"kind": {"corrective"}, "description": {"加严进料检验"}, "due_date": {"2030-01-31"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a CAPA action without an owner was accepted")
	}
	expect(t, resp, body, resp.StatusCode, ">加严进料检验</textarea>", `value="2030-01-31"`, `<option value="corrective" selected>`, `<details class="capa-add" open>`)

	// A refused action keeps its inputs.
	resp, body = e.act(id, csrf, "wait_on_customer", e.record(id).Version, url.Values{"reason": {"等客户寄回样品"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `value="等客户寄回样品"`)

	// English says the same.
	e.get("/lang?to=en&next=/complaints")
	resp, body = e.post(page(id)+"/decision", form("1.234"))
	expect(t, resp, body, http.StatusUnprocessableEntity, "must be an amount such as 1200, 1,200.50 or", `value="1.234"`)
}
