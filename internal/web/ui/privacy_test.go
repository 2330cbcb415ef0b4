package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPrivacyErasePage: an administrator erases a closed complaint's
// personal data from the erasure page; an open one is refused on the
// form with nothing changed.
func TestPrivacyErasePage(t *testing.T) {
	e := newEnv(t)
	tok := e.login("admin", adminPassword)
	c := e.privateComplaint()
	resp, body := e.get("/admin/privacy")
	expect(t, resp, body, http.StatusOK, "个人信息删除", `id="retention"`, "retention-days = 0")

	resp, body = e.post("/admin/privacy/erase", url.Values{"csrf_token": {tok}, "number": {c.Number}, "reason": {"客户来函要求删除"}})
	expect(t, resp, body, http.StatusConflict, "尚未结案")
	if got, _ := e.app.Deps.ComplaintStore.Get(context.Background(), c.ID); got.Complainant.Phone != "13812348000" {
		t.Fatalf("a refused erasure changed the complaint: %+v", got.Complainant)
	}
	if _, err := e.app.DB.W.Exec(`UPDATE complaints SET status = 'closed', closed_at = 1 WHERE id = ?`, c.ID); err != nil {
		t.Fatal(err)
	}
	resp, body = e.post("/admin/privacy/erase", url.Values{"csrf_token": {tok}, "number": {c.Number}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "has-err")
	resp, body = e.post("/admin/privacy/erase", url.Values{"csrf_token": {tok}, "number": {c.Number}, "reason": {"客户来函要求删除"}})
	expect(t, resp, body, http.StatusOK, "已删除 1 件投诉的个人信息", c.Number)
	got, err := e.app.Deps.ComplaintStore.Get(context.Background(), c.ID)
	if err != nil || got.Complainant.Name != "***" || got.Complainant.Phone != "" || strings.Contains(got.ShipAddress, "世纪大道") {
		t.Errorf("after erasure: %+v %v", got, err)
	}
	if es := e.auditEntries("privacy.erase"); len(es) != 1 || es[0].Actor.Name == "system" {
		t.Errorf("audit entries of the erasure: %+v", es)
	}
	// Other roles do not reach the page.
	gm := e.as("gm")
	if resp, _ := gm.get("/admin/privacy"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a GM opened the erasure page: %d", resp.StatusCode)
	}
}
