package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/org"
)

// The administrator changes a time limit and adds a variant on the
// time-limits page: each save is a new version with a reason; a bad value
// or a missing reason is refused next to its field and changes nothing;
// a manager may not open the page.
func TestSLAPoliciesPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/admin/sla-policies")
	expect(t, resp, body, http.StatusOK, `href="/admin/sla-policies"`, "时限规则", `id="p-sla_9"`, "当前第 1 版", "shipped policies.json")
	form := url.Values{"csrf_token": {csrf}, "version": {"1"}}
	// The form as shown, with sla_9 shortened to 10 days.
	rules := e.app.SLA.Rules.Policies().List()
	for i, p := range rules {
		f := "policies[" + strconv.Itoa(i) + "]"
		form.Set(f+".amount", strconv.Itoa(p.Amount))
		form.Set(f+".unit", p.Unit)
		if p.Code == "sla_9" {
			form.Set(f+".amount", "10")
			form.Set(f+".remind_before", "soon")
		}
	}
	resp, body = e.post("/admin/sla-policies", form)
	expect(t, resp, body, http.StatusUnprocessableEntity, "取值无效")
	for i, p := range rules {
		if p.Code == "sla_9" {
			form.Set("policies["+strconv.Itoa(i)+"].remind_before", "48h")
		}
	}
	resp, body = e.post("/admin/sla-policies", form)
	expect(t, resp, body, http.StatusUnprocessableEntity, "必填")
	if v := e.app.SLA.Rules.Policies().Version; v != 1 {
		t.Fatalf("a refused save made version %d", v)
	}
	form.Set("note", "结案时限缩短为10天")
	resp, body = e.post("/admin/sla-policies", form)
	expect(t, resp, body, http.StatusSeeOther)
	if p, _ := e.app.SLA.Rules.Policies().Get("sla_9"); p.Amount != 10 || e.app.SLA.Rules.Policies().Version != 2 {
		t.Fatalf("after the save: %+v", p)
	}
	resp, body = e.post("/admin/sla-policies/variant", url.Values{"csrf_token": {csrf}, "base": {"sla_9"}, "code": {"sla_9_key"},
		"zh": {"结案（大客户）"}, "variant.amount": {"7"}, "variant.unit": {"calendar_days"}, "variant.classes": {"key_account"},
		"variant.remind_before": {"24h"}, "note": {"大客户7天结案"}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/admin/sla-policies")
	expect(t, resp, body, http.StatusOK, `id="p-sla_9_key"`, "当前第 3 版", "大客户7天结案", "结案时限缩短为10天")

	manager := e.as(org.RoleManager)
	resp, body = manager.get("/admin/sla-policies")
	expect(t, resp, body, http.StatusForbidden)
}
