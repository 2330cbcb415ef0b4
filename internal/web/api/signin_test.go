package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/web"
	"kesu/internal/web/api"
)

// staffUser adds a user who signs in with pw.
func (e *env) staffUser(username, role, pw string) *org.User {
	e.t.Helper()
	u := &org.User{Username: username, Name: "测试" + username, Role: role, Lang: "zh"}
	if err := e.app.DB.Registers().CreateUser(context.Background(), u, auth.HashPassword(pw), audit.System); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// signIn signs in through the login page from the test's address and
// returns the session's request headers (cookie and CSRF token), or the
// status of a refused sign-in.
func (e *env) signIn(username, pw string) (map[string]string, int) {
	e.t.Helper()
	status, body, h := e.rawH("POST", "/login", "application/x-www-form-urlencoded",
		url.Values{"username": {username}, "password": {pw}}.Encode(), nil)
	if status != http.StatusSeeOther {
		return nil, status
	}
	var cookie string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "kesu_session" {
			cookie = c.Value
		}
	}
	if cookie == "" {
		e.t.Fatalf("sign-in without a session cookie: %s", body)
	}
	hd := map[string]string{"Cookie": "kesu_session=" + cookie}
	me := e.send(req{method: "GET", path: "/api/v1/me", headers: hd}).want(http.StatusOK).M()
	hd["X-CSRF-Token"] = fmt.Sprint(me["csrf_token"])
	return hd, status
}

// bearer is the header of an API token.
func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// TestTokensListedRevokedAndExpired: a user makes, lists and revokes their
// own API tokens; a revoked token is refused at once, an expired one too;
// nobody revokes another's token but an administrator.
func TestTokensListedRevokedAndExpired(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		made := e.post(org.RoleAgent, "/api/v1/me/tokens", map[string]any{"name": "erp", "expires_in_days": 1}).want(http.StatusCreated).M()
		secret, id := made["token"].(string), fmt.Sprint(made["id"])
		if !strings.HasPrefix(secret, "ks_") || made["expires_at"] == nil {
			t.Fatalf("made %v", made)
		}
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(secret)}).want(http.StatusOK)
		var l struct{ Items []map[string]any }
		e.get(org.RoleAgent, "/api/v1/me/tokens").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 2 || fmt.Sprint(l.Items[0]["id"]) != id || l.Items[0]["name"] != "erp" || l.Items[0]["last_used"] == nil {
			t.Fatalf("own tokens (the new one used once) %v", l.Items)
		}
		if strings.Contains(fmt.Sprint(l.Items), secret) {
			t.Error("the list shows a token's secret")
		}
		// Another user can neither see nor revoke it.
		e.get(org.RoleHandler, "/api/v1/me/tokens").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("the handler sees %d tokens, want their own only", len(l.Items))
		}
		e.send(req{role: org.RoleHandler, method: "DELETE", path: "/api/v1/me/tokens/" + id}).wantErr(404, "not_found", "", "")
		e.send(req{role: org.RoleManager, method: "DELETE", path: "/api/v1/tokens/" + id}).wantErr(403, "forbidden", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(secret)}).want(http.StatusOK)

		// Revoked: refused on the very next request, though it was just used.
		e.send(req{role: org.RoleAgent, method: "DELETE", path: "/api/v1/me/tokens/" + id}).want(http.StatusNoContent)
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(secret)}).wantErr(401, "unauthorized", "", "")
		e.get(org.RoleAgent, "/api/v1/me/tokens").want(http.StatusOK).JSON(&l)
		if l.Items[0]["revoked_at"] == nil {
			t.Errorf("revoked token listed as %v", l.Items[0])
		}
		// An administrator revokes anyone's; the auditor sees them all.
		other := e.post(org.RoleHandler, "/api/v1/me/tokens", map[string]any{"name": "script"}).want(http.StatusCreated).M()
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(other["token"].(string))}).want(http.StatusOK)
		e.get(org.RoleAuditor, "/api/v1/tokens").want(http.StatusOK).JSON(&l)
		if len(l.Items) < len(roles)+2 {
			t.Errorf("all tokens: %d", len(l.Items))
		}
		e.get(org.RoleAuditor, fmt.Sprintf("/api/v1/tokens?user_id=%d", e.users[org.RoleHandler].ID)).want(http.StatusOK).JSON(&l)
		if len(l.Items) != 2 || l.Items[0]["username"] != "u_handler" {
			t.Errorf("the handler's tokens: %v", l.Items)
		}
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%v", other["id"])}).want(http.StatusNoContent)
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(other["token"].(string))}).wantErr(401, "unauthorized", "", "")
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/tokens/999999"}).wantErr(404, "not_found", "", "")

		// Expiry: refused once the time has come.
		exp := e.post(org.RoleAgent, "/api/v1/me/tokens", map[string]any{"name": "short", "expires_in_days": 1}).want(http.StatusCreated).M()
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(exp["token"].(string))}).want(http.StatusOK)
		e.clk.Add(24*time.Hour + time.Minute)
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(exp["token"].(string))}).wantErr(401, "unauthorized", "", "")
		e.post(org.RoleAgent, "/api/v1/me/tokens", map[string]any{"expires_at": "2020-01-01T00:00:00Z"}).
			wantErr(422, "invalid", "expires_at", "in_past")
		e.post(org.RoleAgent, "/api/v1/me/tokens", map[string]any{"expires_in_days": 0}).
			wantErr(422, "invalid", "expires_in_days", "out_of_range")
		// Making and revoking tokens is on the audit log.
		for _, action := range []string{"token.create", "token.revoke"} {
			var al struct{ Items []map[string]any }
			e.get(org.RoleAuditor, "/api/v1/audit?action="+action).want(http.StatusOK).JSON(&al)
			if len(al.Items) == 0 {
				t.Errorf("no %s on the audit log", action)
			}
		}
	})
}

// TestPasswordChangeEndsOtherSessionsAndTokens: a user changes their own
// password from one session; their other session and their API token are
// refused at once, the session they changed it from goes on. An
// administrator's reset ends every session of the user.
func TestPasswordChangeEndsOtherSessionsAndTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		u := e.staffUser("li.qa", org.RoleHandler, "first password 1")
		here, _ := e.signIn("li.qa", "first password 1")
		there, _ := e.signIn("li.qa", "first password 1")
		tok, _, err := e.app.Deps.Auth.CreateToken(t.Context(), u.ID, "script", audit.System)
		if err != nil {
			t.Fatal(err)
		}
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(tok)}).want(http.StatusOK)
		e.send(req{method: "GET", path: "/api/v1/me", headers: there}).want(http.StatusOK)

		pw := func(h map[string]string, cur, next string) *resp {
			return e.send(req{method: "PUT", path: "/api/v1/me/password", headers: h, body: map[string]any{"current_password": cur, "new_password": next}})
		}
		pw(here, "wrong one", "second password 2").wantErr(422, "invalid", "current_password", "wrong_password")
		pw(here, "first password 1", "short").wantErr(422, "invalid", "new_password", "too_short")
		pw(here, "first password 1", "first password 1").wantErr(422, "invalid", "new_password", "same_as_old")
		// Without the CSRF token a session cannot change it.
		noCSRF := map[string]string{"Cookie": here["Cookie"]}
		pw(noCSRF, "first password 1", "second password 2").wantErr(403, "forbidden", "", "")

		pw(here, "first password 1", "second password 2").want(http.StatusNoContent)
		e.send(req{method: "GET", path: "/api/v1/me", headers: there}).wantErr(401, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(tok)}).wantErr(401, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: here}).want(http.StatusOK)
		if _, status := e.signIn("li.qa", "first password 1"); status != http.StatusUnauthorized {
			t.Errorf("old password: %d, want 401", status)
		}
		// Changed from a token, the token stays and the sessions end.
		tok2, _, _ := e.app.Deps.Auth.CreateToken(t.Context(), u.ID, "script2", audit.System)
		pw(bearer(tok2), "second password 2", "third password 3").want(http.StatusNoContent)
		e.send(req{method: "GET", path: "/api/v1/me", headers: here}).wantErr(401, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(tok2)}).want(http.StatusOK)

		// An administrator's reset ends everything of the user.
		again, _ := e.signIn("li.qa", "third password 3")
		e.patch(org.RoleAdmin, fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"version": 1, "password": "reset by admin 4"}).want(http.StatusOK)
		e.send(req{method: "GET", path: "/api/v1/me", headers: again}).wantErr(401, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: bearer(tok2)}).wantErr(401, "unauthorized", "", "")
		if _, status := e.signIn("li.qa", "reset by admin 4"); status != http.StatusSeeOther {
			t.Errorf("reset password: %d", status)
		}
		var al struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/audit?action=user.password").want(http.StatusOK).JSON(&al)
		if len(al.Items) != 3 {
			t.Errorf("%d password changes audited, want 3", len(al.Items))
		}
	})
}

// TestSessionsExpireWhenIdleAndAtTheirEnd: a session unused for the idle
// time is refused; a busy one ends at its absolute end.
func TestSessionsExpireWhenIdleAndAtTheirEnd(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.SessionIdle, c.SessionMax = 2*time.Hour, 5*time.Hour }, func(t *testing.T, e *env) {
		e.staffUser("idle.user", org.RoleAgent, "idle password 1")
		idle, _ := e.signIn("idle.user", "idle password 1")
		busy, _ := e.signIn("idle.user", "idle password 1")
		e.clk.Add(90 * time.Minute)
		e.send(req{method: "GET", path: "/api/v1/me", headers: busy}).want(http.StatusOK)
		e.clk.Add(90 * time.Minute) // idle: 3h without use; busy: 90 min
		e.send(req{method: "GET", path: "/api/v1/me", headers: idle}).wantErr(401, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/me", headers: busy}).want(http.StatusOK)
		// An idle session stays ended even if used again soon after.
		e.send(req{method: "GET", path: "/api/v1/me", headers: idle}).wantErr(401, "unauthorized", "", "")
		e.clk.Add(time.Hour)
		e.send(req{method: "GET", path: "/api/v1/me", headers: busy}).want(http.StatusOK)
		e.clk.Add(90 * time.Minute) // 5.5 h after sign-in, never idle for 2 h
		e.send(req{method: "GET", path: "/api/v1/me", headers: busy}).wantErr(401, "unauthorized", "", "")
	})
}

func postgresURL() string { return os.Getenv("KESU_TEST_POSTGRES_URL") }

// serve runs a's handler for the test, with no users or tokens of its own.
func serve(t *testing.T, a *app.App) *env {
	e := &env{t: t, app: a, tokens: map[string]string{}, users: map[string]*org.User{}}
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	e.probe = http.NewServeMux()
	api.Mount(&web.Router{Mux: e.probe, Deps: a.Deps})
	var err error
	if e.doc, err = loadDoc(); err != nil {
		t.Fatal(err)
	}
	return e
}

var generated = regexp.MustCompile(`password "([^"]+)"`)

// TestGeneratedAdminPasswordMustBeChanged: the password kesu generates
// for the first administrator signs in only to change it; one given in
// admin-password does not have to be changed.
func TestGeneratedAdminPasswordMustBeChanged(t *testing.T) {
	engines := map[string]string{"generated-sqlite": ""}
	if u := postgresURL(); u != "" {
		engines["generated-postgres"] = u
	}
	for name, pg := range engines {
		t.Run(name, func(t *testing.T) {
			if pg != "" {
				pg = freshSchema(t, pg)
			}
			cfg := app.Defaults()
			cfg.Data, cfg.DB = t.TempDir(), pg
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			a, err := app.Open(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), &out)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			m := generated.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no generated password printed: %s", out.String())
			}
			e := serve(t, a)
			h, status := e.signIn("admin", m[1])
			if status != http.StatusSeeOther {
				t.Fatalf("sign-in with the generated password: %d", status)
			}
			for _, path := range []string{"/api/v1/complaints", "/api/v1/users"} {
				e.send(req{method: "GET", path: path, headers: h}).wantErr(403, "forbidden", "password", "change_required")
			}
			if status, _, hd := e.rawH("GET", "/complaints", "", "", map[string]string{"Cookie": h["Cookie"]}); status != http.StatusSeeOther ||
				!strings.HasPrefix(hd.Get("Location"), "/account") {
				t.Errorf("a page before the change: %d to %q, want a redirect to /account", status, hd.Get("Location"))
			}
			e.send(req{method: "PUT", path: "/api/v1/me/password", headers: h,
				body: map[string]any{"current_password": m[1], "new_password": "chosen by me 1"}}).want(http.StatusNoContent)
			e.send(req{method: "GET", path: "/api/v1/users", headers: h}).want(http.StatusOK)
			h2, _ := e.signIn("admin", "chosen by me 1")
			e.send(req{method: "GET", path: "/api/v1/users", headers: h2}).want(http.StatusOK)
		})
	}
	// A password the operator gave is theirs: no change required.
	each(t, func(t *testing.T, e *env) {
		h, _ := e.signIn("admin", "admin-pass-123")
		e.send(req{method: "GET", path: "/api/v1/users", headers: h}).want(http.StatusOK)
	})
}

// TestHSTS: the header is sent only when configured.
func TestHSTS(t *testing.T) {
	e := newEnvWith(t, "", func(c *app.Config) { c.HSTS = 365 * 24 * time.Hour })
	r := e.get("", "/api/v1/openapi.json")
	if got := r.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS header %q", got)
	}
	if got := newEnv(t, "").get("", "/api/v1/openapi.json").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS header %q without the setting", got)
	}
}

// TestLoginThrottledPerAddress: failed sign-ins from one address count
// together whatever user they name — unknown, disabled, or real with a
// wrong password — and once the address is throttled even a correct
// password is refused from it, while another address signs in. Unknown
// and disabled users are audited and cost a password check like a wrong
// password.
func TestLoginThrottledPerAddress(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.LoginRate = 4 }, func(t *testing.T, e *env) {
		e.staffUser("real.user", org.RoleAgent, "real password 1")
		gone := e.staffUser("gone.user", org.RoleAgent, "gone password 1")
		gone.Disabled = true
		if err := e.app.DB.Registers().UpdateUser(t.Context(), gone, audit.System); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"nobody1", "gone.user", "nobody2", "real.user"} {
			pw := "guess 12345"
			if name == "gone.user" {
				pw = "gone password 1" // right password, disabled user
			}
			if _, status := e.signIn(name, pw); status != http.StatusUnauthorized {
				t.Fatalf("%s: %d, want 401", name, status)
			}
		}
		// Throttled: a right password of another user is refused from here.
		status, body := e.raw("POST", "/login", "application/x-www-form-urlencoded",
			url.Values{"username": {"real.user"}, "password": {"real password 1"}}.Encode(), nil)
		if status != http.StatusTooManyRequests || !strings.Contains(body, "15") {
			t.Fatalf("throttled address: %d, want 429 with the wait: %.400s", status, body)
		}
		if _, _, _, err := e.app.Deps.Auth.Login(t.Context(), "real.user", "real password 1", "192.0.2.44"); err != nil {
			t.Errorf("another address is refused too: %v", err)
		}
		// The account itself is not locked by others' failures: 1 of 5.
		var al struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/audit?action=user.login_failed&limit=50").want(http.StatusOK).JSON(&al)
		reasons := map[string]int{}
		for _, it := range al.Items {
			d, _ := it["detail"].(map[string]any)
			reasons[fmt.Sprint(d["reason"])]++
		}
		if reasons["unknown_user"] != 2 || reasons["disabled"] != 1 || reasons["throttled"] != 1 {
			t.Errorf("audited refusals by reason %v, want 2 unknown, 1 disabled, 1 throttled", reasons)
		}
		e.get(org.RoleAuditor, "/api/v1/audit?object=username:nobody1").want(http.StatusOK).JSON(&al)
		if len(al.Items) != 1 || al.Items[0]["actor"].(map[string]any)["ip"] != "127.0.0.1" {
			t.Errorf("unknown user's attempt audited as %v", al.Items)
		}
	})
}

// TestRefusedLoginsTakeAPasswordCheck: an unknown or disabled user's
// sign-in costs the same password check as a wrong password, so timing
// does not tell which user names exist. The checks are counted rather
// than timed: a shared machine's timings would decide the test.
func TestRefusedLoginsTakeAPasswordCheck(t *testing.T) {
	e := newEnv(t, "")
	e.staffUser("timed.user", org.RoleAgent, "timed password 1")
	off := e.staffUser("timed.off", org.RoleAgent, "timed password 1")
	off.Disabled = true
	if err := e.app.DB.Registers().UpdateUser(t.Context(), off, audit.System); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"timed.user", "no.such.user", "timed.off"} {
		before := e.app.Deps.Auth.PasswordChecks()
		if _, _, _, err := e.app.Deps.Auth.Login(t.Context(), name, "wrong password", fmt.Sprintf("198.51.100.%d", i+10)); err == nil {
			t.Fatalf("%s signed in with a wrong password", name)
		}
		if n := e.app.Deps.Auth.PasswordChecks() - before; n != 1 {
			t.Errorf("%s: a refused sign-in made %d password checks, want 1 like a wrong password", name, n)
		}
	}
}
