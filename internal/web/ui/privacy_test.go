package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kesu/internal/app"
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

// TestAuditPageSaysWhatItChecks: the audit page names its checks — the
// chain alone, or the chain keyed from an entry and the anchors exported
// outside the database — and shows an anchor that no longer matches.
func TestAuditPageSaysWhatItChecks(t *testing.T) {
	e := newEnv(t)
	e.login("admin", adminPassword)
	resp, body := e.get("/audit")
	expect(t, resp, body, http.StatusOK, `id="anchor-check"`, "仅哈希链")

	dir := t.TempDir()
	keyFile, anchors := filepath.Join(dir, "audit.key"), filepath.Join(dir, "anchors.jsonl")
	os.WriteFile(keyFile, []byte("key = "+strings.Repeat("secret-", 6)+"\n"), 0o600)
	k := newEnv(t, func(c *app.Config) { c.AuditKeyFile, c.AuditAnchor = keyFile, anchors })
	k.login("admin", adminPassword)
	if _, _, err := k.app.Anchors.Write(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body = k.get("/audit?full=1")
	expect(t, resp, body, http.StatusOK, `id="keyed-check"`, "以数据库之外保存的密钥签名", "外部锚点校验通过")
	refuse(t, body, "仅哈希链")

	// An anchor file that another chain wrote does not match this one.
	os.WriteFile(anchors, []byte(`{"at":"2026-01-01T00:00:00Z","id":1,"hash":"`+strings.Repeat("0", 64)+`"}`+"\n"), 0o600)
	resp, body = k.get("/audit")
	expect(t, resp, body, http.StatusOK, "外部锚点不符")
}
