package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
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
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeStartsWithFirstAdminAndHealth(t *testing.T) {
	dir := t.TempDir()
	base, out := startServe(t, dir)
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, "kesu_http_requests_total") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics: %d, missing kesu or go metrics", code)
	}
	if !strings.Contains(out.String(), `first administrator created: user "admin"`) {
		t.Fatalf("first start should print the admin password once, got %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "kesu.db")); err != nil {
		t.Fatalf("SQLite database not in the data folder: %v", err)
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
