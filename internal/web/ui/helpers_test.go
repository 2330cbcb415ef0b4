package ui_test

import (
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
)

const adminPassword = "admin-secret-1"

// env is a running kesu with a browser-like client (cookie jar, no
// automatic redirects).
type env struct {
	t    *testing.T
	app  *app.App
	srv  *httptest.Server
	http *http.Client

	mu    sync.Mutex
	acked []string // numbers passed to Deps.Acknowledge
}

func newEnv(t *testing.T, configure ...func(*app.Config)) *env {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.AdminPassword = adminPassword
	cfg.Company = "示例净水科技有限公司"
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(context.Background(), cfg, nil, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &env{t: t, app: a}
	a.Deps.Registered = func(_ context.Context, c *complaint.Complaint) {
		e.mu.Lock()
		e.acked = append(e.acked, c.Number)
		e.mu.Unlock()
	}
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	a.Deps.BaseURL = e.srv.URL
	e.http = e.client()
	return e
}

// client returns a new cookie-keeping client that does not follow redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func (e *env) get(path string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(req)
}

func (e *env) post(path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// file is an upload for postMultipart.
type file struct{ name, body string }

func (e *env) postMultipart(path string, form url.Values, files ...file) (*http.Response, string) {
	e.t.Helper()
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("file", f.name)
		io.WriteString(w, f.body)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(req)
}

// login signs in and returns the session's CSRF token.
func (e *env) login(user, pw string) string {
	e.t.Helper()
	resp, body := e.post("/login", url.Values{"username": {user}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d\n%s", user, resp.StatusCode, body)
	}
	return e.csrf("/complaints")
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the CSRF token from a page's forms.
func (e *env) csrf(path string) string {
	e.t.Helper()
	_, body := e.get(path)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no csrf token on %s:\n%s", path, body)
	}
	return m[1]
}

func (e *env) count() int {
	e.t.Helper()
	page, err := e.app.Deps.ComplaintStore.List(context.Background(), complaint.Filter{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(page.Items)
}

func expect(t *testing.T, resp *http.Response, body string, status int, wants ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s %s: body lacks %q", resp.Request.Method, resp.Request.URL.Path, w)
		}
	}
	// The CSP allows no inline script or style: scripts come from the
	// binary's static files, and data for them in JSON blocks.
	for _, bad := range []string{"style=", "<style", "onclick="} {
		if strings.Contains(body, bad) {
			t.Errorf("%s %s: page contains %q", resp.Request.Method, resp.Request.URL.Path, bad)
		}
	}
	for _, m := range scriptRe.FindAllString(body, -1) {
		if !strings.Contains(m, `src="/static/`) && !strings.Contains(m, `type="application/json"`) {
			t.Errorf("%s %s: page has an inline script %s", resp.Request.Method, resp.Request.URL.Path, m)
		}
	}
}

var scriptRe = regexp.MustCompile(`<script[^>]*>`)

func refuse(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

// loginAs signs in as a new user with role (and no department), for pages
// an administrator may not use: working on cases is not theirs.
func (e *env) loginAs(role string) string {
	e.t.Helper()
	u := &org.User{Username: "w_" + role, Name: "测试" + role, Role: role, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(context.Background(), u, auth.HashPassword(staffPassword), audit.System); err != nil {
		e.t.Fatal(err)
	}
	return e.login(u.Username, staffPassword)
}
