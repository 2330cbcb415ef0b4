package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestReturnSlipOnTheCasePage: the manager approves a return slip on the
// case page, a quantity received beyond the 5 % default comes back to them,
// the approved slip is booked, the next defective-goods step is offered
// and the slip prints as HTML (RET-1).
func TestReturnSlipOnTheCasePage(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("滤芯破裂")
	csrf := e.as("mgr")
	ver := func() string { return strconv.Itoa(e.record(id).Version) }
	resp, body := e.post(page(id)+"/return", url.Values{"csrf_token": {csrf}, "version": {ver()}, "reason": {"外壳开裂"},
		"handling": {"repair"}, "approved_qty": {"0"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="returns"`, "必须大于零")
	resp, body = e.post(page(id)+"/return", url.Values{"csrf_token": {csrf}, "version": {ver()}, "reason": {"外壳开裂"},
		"handling": {"repair"}, "approved_qty": {"10"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, "已核定，待仓库签收", `id="return-receive-form"`)
	resp, body = e.post(page(id)+"/return/receive", url.Values{"csrf_token": {csrf}, "received_qty": {"11"}, "signer": {"仓管 周"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("receive: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusSeeOther, "超出允收比率，退回核定人", `id="return-form"`)
	refuse(t, body, `id="return-receive-form"`)
	e.post(page(id)+"/return", url.Values{"csrf_token": {csrf}, "version": {ver()}, "reason": {"外壳开裂"},
		"handling": {"repair"}, "approved_qty": {"11"}})
	e.post(page(id)+"/return/receive", url.Values{"csrf_token": {csrf}, "received_qty": {"11"}, "signer": {"仓管 周"}})
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="return-booked">11<`, `id="return-step-form"`, `value="inbound"`)
	resp, body = e.get(page(id) + "/forms/return")
	expect(t, resp, body, http.StatusOK, "成品退货单", "第二联 成品仓储存", "仓管 周")
}
