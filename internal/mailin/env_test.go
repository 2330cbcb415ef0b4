package mailin_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/app"
	"kesu/internal/complaint"
	"kesu/internal/mailin"
)

// env is a kesu server with its mail intake on one engine.
type env struct {
	app   *app.App
	mail  *app.MailRunning
	close func() // stops the intake and closes the database (once)
}

// engines runs f on SQLite and, when KESU_TEST_POSTGRES_URL is set, on a
// fresh PostgreSQL schema.
func engines(t *testing.T, configure func(*app.Config), f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t, "", t.TempDir(), configure)) })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { f(t, newEnv(t, freshSchema(t, u), t.TempDir(), configure)) })
	}
}

func freshSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_mail_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// newEnv opens kesu on db (empty: SQLite in data) with its SMTP receiver
// on a free port accepting kesu.example.
func newEnv(t testing.TB, db, data string, configure func(*app.Config)) *env {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data, cfg.DB, cfg.AdminPassword = data, db, "admin-pass-123"
	cfg.MailListen, cfg.MailDomains = "127.0.0.1:0", "kesu.example"
	cfg.SMTPFrom = "complaints@kesu.example"
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now().Add(-time.Hour)}
	a, err := app.Open(context.Background(), cfg, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m, err := a.StartMail(context.Background())
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	var once sync.Once
	e := &env{app: a, mail: m, close: func() { once.Do(func() { m.Stop(); a.Close() }) }}
	t.Cleanup(e.close)
	return e
}

// send delivers raw over SMTP to complaints@kesu.example.
func (e *env) send(t testing.TB, from string, raw []byte) error {
	t.Helper()
	return smtp.SendMail(e.mail.Addr, nil, from, []string{"complaints@kesu.example"}, raw)
}

func (e *env) mustSend(t testing.TB, raw []byte) {
	t.Helper()
	if err := e.send(t, "sender@example.com", raw); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func (e *env) complaints(t testing.TB) []complaint.Complaint {
	t.Helper()
	p, err := e.app.DB.Complaints().List(context.Background(), complaint.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func (e *env) mails(t testing.TB, status ...string) []mailin.Record {
	t.Helper()
	l, err := e.app.DB.Mail().List(context.Background(), mailin.Filter{Status: status, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *env) timeline(t testing.TB, id int64) []complaint.Event {
	t.Helper()
	evs, err := e.app.DB.Complaints().Timeline(context.Background(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (e *env) attachments(t testing.TB, id int64) []complaint.Attachment {
	t.Helper()
	as, err := e.app.DB.Complaints().Attachments(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// done returns the mails taken in to an outcome (not those in progress).
func (e *env) done(t testing.TB) []mailin.Record {
	return e.mails(t, mailin.StatusComplaint, mailin.StatusThreaded, mailin.StatusIgnored, mailin.StatusUnparsed, mailin.StatusFailed)
}
