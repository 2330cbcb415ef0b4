package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"kesu/internal/auth"
	"kesu/internal/storage/sqlite"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startServe runs "kesu serve" on a free port and returns its address.
func startServe(t *testing.T, dir string, extra ...string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	m := NewMain(&syncWriter{w: &out}, io.Discard, env(nil))
	args := append([]string{"--addr", "127.0.0.1:0", "--data", dir}, extra...)
	if err := m.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30s")
		}
	})
	select {
	case addr := <-m.Addr:
		return "http://" + addr, &out
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

// syncWriter lets the test read what the server goroutine writes.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return getWith(t, url, "")
}

// getWith sends a GET with a bearer token ("" for none).
func getWith(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeStartsWithFirstAdminAndHealth(t *testing.T) {
	dir := t.TempDir()
	const token = "scrape-token-0123456789"
	base, out := startServe(t, dir, "--metrics-token", token)
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	if code, _ := get(t, base+"/metrics"); code != http.StatusUnauthorized {
		t.Fatalf("metrics without its token: %d", code)
	}
	code, body := getWith(t, base+"/metrics", token)
	if code != 200 || !strings.Contains(body, `kesu_http_requests_total{code="2xx",route="GET /healthz"} 1`) ||
		!strings.Contains(body, "go_goroutines") || !strings.Contains(body, "go_sql_open_connections") {
		t.Fatalf("metrics: %d, missing kesu, database or go metrics:\n%s", code, body)
	}
	if !strings.Contains(out.String(), `first administrator created: user "admin"`) {
		t.Fatalf("first start should print the admin password once, got %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "kesu.db")); err != nil {
		t.Fatalf("SQLite database not in the data folder: %v", err)
	}
}

// With metrics-addr, /metrics is served on that address alone.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base, _ := startServe(t, t.TempDir(), "--metrics-addr", addr)
	if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("metrics on the main address: %d", code)
	}
	get(t, base+"/healthz")
	code, body := get(t, "http://"+addr+"/metrics")
	if code != 200 || !strings.Contains(body, `route="GET /healthz"`) {
		t.Fatalf("metrics on metrics-addr: %d\n%s", code, body)
	}
}

func TestAdminPasswordFromEnvironmentIsNotPrinted(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate", "--data", dir}, &out, io.Discard, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	// migrate alone creates no user; serve with KESU_ADMIN_PASSWORD does, silently.
	m := NewMain(&out, io.Discard, env(map[string]string{"KESU_ADMIN_PASSWORD": "secret-pass-1"}))
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", dir}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	<-m.Addr
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "secret-pass-1") || strings.Contains(out.String(), "first administrator created") {
		t.Fatalf("a configured admin password must not be printed: %q", out.String())
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "kesu.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cred, err := db.Auth().GetCredential(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(cred.Hash, "secret-pass-1") {
		t.Fatal("admin password from KESU_ADMIN_PASSWORD does not sign in")
	}
}

func TestUserAddAndTokenCreate(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	err := run(ctx, []string{"user", "add", "--data", dir, "--username", "liqa", "--name", "李质检", "--role", "handler",
		"--department", "qa", "--password", "handler-pass-1"}, &out, io.Discard, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `user "liqa" created`) {
		t.Fatalf("unexpected output %q", out.String())
	}
	err = run(ctx, []string{"user", "add", "--data", dir, "--username", "liqa", "--name", "重复", "--role", "handler"}, io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "Username") {
		t.Fatalf("duplicate username should fail naming the field, got %v", err)
	}
	err = run(ctx, []string{"user", "add", "--data", dir, "--username", "x1", "--name", "某人", "--role", "boss"}, io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "Role") {
		t.Fatalf("unknown role should fail naming the field, got %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "liqa"}, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if !strings.HasPrefix(tok, "ks_") {
		t.Fatalf("token %q", tok)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "kesu.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, u, err := db.Auth().GetToken(ctx, auth.HashToken(tok))
	if err != nil || u.Username != "liqa" || u.Department != "品质部" {
		t.Fatalf("token resolves to %+v, %v", u, err)
	}
	if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "nobody"}, io.Discard, io.Discard, env(nil)); err == nil {
		t.Fatal("token for an unknown user should fail")
	}
}

// TestTokenExpiresListAndRevoke: kesu token create --expires, list and
// revoke; a revoked token no longer resolves.
func TestTokenExpiresListAndRevoke(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "erp", "--name", "接口", "--role", "agent",
		"--password", "agent-pass-1"}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "erp", "--name", "nightly", "--expires", "30d"}, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	for _, bad := range []string{"yesterday", "2020-01-01", "-5d"} {
		if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "erp", "--expires", bad}, io.Discard, io.Discard, env(nil)); err == nil {
			t.Errorf("--expires %s accepted", bad)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"token", "list", "--data", dir, "--user", "erp"}, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "nightly") || !strings.Contains(lines[1], "active") ||
		!strings.Contains(lines[1], time.Now().Add(30*24*time.Hour).UTC().Format("2006-01-02")) || strings.Contains(out.String(), tok) {
		t.Fatalf("token list:\n%s", out.String())
	}
	id := strings.Fields(lines[1])[0]
	out.Reset()
	if err := run(ctx, []string{"token", "revoke", id, "--data", dir}, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"token", "revoke", "999", "--data", dir}, io.Discard, io.Discard, env(nil)); err == nil {
		t.Error("revoking an unknown token should fail")
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "kesu.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, err := db.Auth().GetToken(ctx, auth.HashToken(tok)); err == nil {
		t.Error("a revoked token still resolves")
	}
	out.Reset()
	run(ctx, []string{"token", "list", "--data", dir}, &out, io.Discard, env(nil))
	if !strings.Contains(out.String(), "revoked") {
		t.Errorf("token list after revoke:\n%s", out.String())
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"migrate", "--data", dir}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "kesu.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	err = run(ctx, []string{"migrate", "--data", dir}, io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a newer schema must be refused, got %v", err)
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--timezone", "Mars/Base"}, nil, "timezone"},
		{[]string{"--db", "mysql://x"}, nil, "postgres://"},
		{[]string{"--number-pattern", "KS-{SEQ:4}"}, nil, "{YYYY}"},
		{nil, map[string]string{"KESU_MAX_UPLOAD_MB": "lots"}, "KESU_MAX_UPLOAD_MB"},
		{[]string{"--smtp-host", "mail.example.com"}, nil, "smtp-from"},
		{[]string{"--demo=maybe"}, nil, "demo"},
		{[]string{"--webhook-urls", "https://a.example/hook"}, nil, "webhook-secret"},
		{[]string{"--webhook-urls", "a.example/hook", "--webhook-secret", "0123456789abcdef"}, nil, "webhook-urls"},
		{[]string{"--sms-url", "ftp://sms.example"}, nil, "sms url"},
		{[]string{"--sms-url", "https://sms.example", "--sms-template", "{{.Phone}}"}, nil, "sms template"},
		{[]string{"--sms-url", "https://sms.example", "--sms-headers", "Bearer xyz"}, nil, "sms header"},
		{[]string{"--sms-provider", "http"}, nil, "sms-url is required"},
		{[]string{"--sms-provider", "carrier-pigeon"}, nil, "sms-provider"},
		{nil, map[string]string{"KESU_SMS_METHOD": "DELETE", "KESU_SMS_URL": "https://sms.example"}, "sms method"},
		{[]string{"--mail-listen", ":2525"}, nil, "mail-domains is required"},
		{[]string{"--mail-listen", "2525", "--mail-domains", "kesu.example"}, nil, "mail-listen"},
		{[]string{"--imap-host", "imap.example.com"}, nil, "imap-user is required"},
		{[]string{"--imap-host", "imap.example.com", "--imap-user", "u", "--imap-tls", "ssl"}, nil, "imap-tls"},
		{nil, map[string]string{"KESU_IMAP_POLL": "often"}, "imap-poll"},
	}
	for _, c := range cases {
		m := NewMain(io.Discard, io.Discard, env(c.env))
		err := m.ParseFlags(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v should mention %q", c.args, c.env, err, c.want)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kesu.conf")
	os.WriteFile(file, []byte("# kesu\naddr = \"127.0.0.1:9001\"\ncompany = 文件公司\nexpected_days = 10\n"), 0o600)
	m := NewMain(io.Discard, io.Discard, env(map[string]string{"KESU_COMPANY": "环境公司"}))
	if err := m.ParseFlags([]string{"--config", file, "--expected-days", "12"}); err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.Addr != "127.0.0.1:9001" || c.Company != "环境公司" || c.ExpectedDays != 12 {
		t.Fatalf("file < env < flags not respected: %+v", c)
	}
	os.WriteFile(file, []byte("webhook_urls = https://a.example/h, https://b.example/h\nwebhook_secret = 0123456789abcdef\nsms_url = https://sms.example/send\n"), 0o600)
	m = NewMain(io.Discard, io.Discard, env(nil))
	if err := m.ParseFlags([]string{"--config", file}); err != nil {
		t.Fatal(err)
	}
	if c := m.Config; len(c.Webhooks) != 2 || c.Webhooks[1] != "https://b.example/h" || c.SMSProvider != "http" || c.SMS == nil {
		t.Fatalf("notification settings from the file: %+v", c)
	}
	os.WriteFile(file, []byte("colour = blue\n"), 0o600)
	if err := NewMain(io.Discard, io.Discard, env(nil)).ParseFlags([]string{"--config", file}); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("unknown setting should be named, got %v", err)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard, env(nil)); err != nil || !strings.HasPrefix(out.String(), "kesu ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard, env(nil)); err == nil {
		t.Fatal("unknown command should fail")
	}
}
