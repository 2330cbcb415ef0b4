package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var secretRe = regexp.MustCompile(`id="token-secret">(ks_[^<]+)<`)

// TestAccountPage: a user changes their password and makes and revokes an
// API token on 我的账户; the token's secret is shown once and works until
// revoked.
func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs("agent")
	resp, body := e.get("/account")
	expect(t, resp, body, http.StatusOK, "修改密码", "API 令牌", `action="/account/tokens"`)

	resp, body = e.post("/account/tokens", url.Values{"csrf_token": {csrf}, "name": {"报表脚本"}, "expires_days": {"30"}})
	expect(t, resp, body, http.StatusCreated, "报表脚本", "只显示这一次")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", body)
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+m[1])
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if s := api(); s != http.StatusOK {
		t.Fatalf("the new token: %d", s)
	}
	_, body = e.get("/account")
	if strings.Contains(body, m[1]) {
		t.Error("the secret is shown again")
	}
	id := regexp.MustCompile(`action="/account/tokens/(\d+)/revoke"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no revoke button:\n%s", body)
	}
	resp, body = e.post("/account/tokens/"+id[1]+"/revoke", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	if s := api(); s != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", s)
	}
	resp, body = e.post("/account/tokens", url.Values{"csrf_token": {csrf}, "expires_days": {"0"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "有效天数")

	resp, body = e.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong"}, "new_password": {"a new one 123"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "当前密码")
	resp, body = e.post("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {staffPassword}, "new_password": {"a new one 123"}})
	expect(t, resp, body, http.StatusOK, "密码已修改")
	// This session goes on; the old password no longer signs in.
	resp, body = e.get("/complaints")
	expect(t, resp, body, http.StatusOK)
	other := e.client()
	r, err := other.PostForm(e.srv.URL+"/login", url.Values{"username": {"w_agent"}, "password": {staffPassword}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password: %d, want 401", r.StatusCode)
	}
}

// TestAdminTokensPage: administrators see every user's tokens and revoke
// them; others are refused.
func TestAdminTokensPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	resp, body := e.post("/account/tokens", url.Values{"csrf_token": {csrf}, "name": {"接口"}})
	expect(t, resp, body, http.StatusCreated)
	resp, body = e.get("/admin/tokens")
	expect(t, resp, body, http.StatusOK, "接口", "admin", "不过期")
	id := regexp.MustCompile(`action="/admin/tokens/(\d+)/revoke"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no revoke button:\n%s", body)
	}
	resp, body = e.post("/admin/tokens/"+id[1]+"/revoke", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	_, body = e.get("/admin/tokens")
	if !strings.Contains(body, "已吊销") {
		t.Errorf("revoked token not shown as such:\n%s", body)
	}
}
