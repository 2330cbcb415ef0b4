package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/app"
	"kesu/internal/backup"
	"kesu/internal/storage/sqlstore"
)

// dataSet is a running kesu with an agent's API token.
type dataSet struct {
	base, tok string
}

func (d dataSet) do(t *testing.T, method, path, ctype string, body io.Reader) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, d.base+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+d.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// complaint registers a complaint with a text attachment and returns its
// number and the attachment's content.
func (d dataSet) complaint(t *testing.T, i int) (string, string) {
	body := fmt.Sprintf(`{"channel":"phone","subject":"备份样例 %d","description":"净水器漏水","category":"quality.leak","severity":"minor","complainant":{"name":"客户%d","phone":"13800138%03d"}}`, i, i, i)
	var c struct{ Number string }
	json.Unmarshal(d.do(t, "POST", "/api/v1/complaints", "application/json", strings.NewReader(body)), &c)
	if c.Number == "" {
		return "", ""
	}
	content := fmt.Sprintf("现场记录 %d：滤芯接口渗水。\n", i)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", fmt.Sprintf("记录%d.txt", i))
	fw.Write([]byte(content))
	mw.Close()
	d.do(t, "POST", "/api/v1/complaints/"+c.Number+"/attachments", mw.FormDataContentType(), &buf)
	return c.Number, content
}

// backupWhileWriting backs up a running kesu (settings in conn) while
// complaints keep arriving, restores the archive with restoreArgs into a
// fresh data folder, and checks that every complaint registered before
// the backup began is there with its attachment and an intact audit chain.
func backupWhileWriting(t *testing.T, conn []string, restoreArgs func(newDir string) []string) {
	ctx := context.Background()
	dir := t.TempDir()
	settings := append([]string{"--data", dir}, conn...)
	if err := run(ctx, append([]string{"user", "add", "--username", "kefu", "--name", "客服", "--role", "agent",
		"--password", "agent-pass-1"}, settings...), io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, append([]string{"token", "create", "--user", "kefu"}, settings...), &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, dir, conn...)
	d := dataSet{base: base, tok: strings.TrimSpace(out.String())}
	want := map[string]string{}
	for i := range 5 {
		n, content := d.complaint(t, i)
		want[n] = content
	}

	// Complaints keep arriving while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
				d.complaint(t, i)
			}
		}
	}()
	archive := filepath.Join(t.TempDir(), "kesu-backup.tar.gz")
	out.Reset()
	err := run(ctx, append([]string{"backup", archive}, settings...), &out, io.Discard, env(nil))
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "backup written to") {
		t.Errorf("backup said %q", out.String())
	}
	if err := run(ctx, append([]string{"backup", archive}, settings...), io.Discard, io.Discard, env(nil)); err == nil ||
		!strings.Contains(err.Error(), "exists") {
		t.Errorf("a backup over an existing file: %v", err)
	}

	newDir := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	if err := run(ctx, append([]string{"restore", archive}, restoreArgs(newDir)...), &out, io.Discard, env(nil)); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "audit chain intact") {
		t.Errorf("restore said %q", out.String())
	}
	// A second restore into the same folder is refused and leaves it alone.
	err = run(ctx, append([]string{"restore", archive}, restoreArgs(newDir)...), io.Discard, io.Discard, env(nil))
	if !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore into a non-empty folder: %v", err)
	}

	// The stores open on the restored folder and find the complaints, their
	// attachments and an intact audit chain.
	c, err := app.Load(flagSet(), restoreArgs(newDir), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, c, time.Now, app.NewLogger(c, io.Discard), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for number, content := range want {
		got, err := a.Deps.ComplaintStore.GetByNumber(ctx, number)
		if err != nil {
			t.Errorf("complaint %s after restore: %v", number, err)
			continue
		}
		atts, err := a.Deps.ComplaintStore.Attachments(ctx, got.ID)
		if err != nil || len(atts) != 1 {
			t.Errorf("complaint %s has %d attachments after restore: %v", number, len(atts), err)
			continue
		}
		b, err := os.ReadFile(filepath.Join(newDir, "attachments", atts[0].SHA256[:2], atts[0].SHA256[2:4], atts[0].SHA256))
		if err != nil || string(b) != content {
			t.Errorf("attachment of %s after restore: %q, %v", number, b, err)
		}
	}
	db, err := app.OpenDB(ctx, c, time.Now, app.NewLogger(c, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if bad, checked, err := (sqlstore.AuditStore{DB: db}).Verify(ctx); err != nil || bad != 0 || checked < 10 {
		t.Errorf("audit chain after restore: bad %d, %d checked, %v", bad, checked, err)
	}
	// Every attachment row of the snapshot has its file.
	h, err := db.Holdings(ctx)
	if err != nil || h.Complaints < 5 || h.Attachments < 5 {
		t.Errorf("restored holdings %+v, %v", h, err)
	}
	files := 0
	filepath.WalkDir(filepath.Join(newDir, "attachments"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files++
		}
		return nil
	})
	if int64(files) < h.Attachments {
		t.Errorf("%d attachment rows but %d files restored", h.Attachments, files)
	}
}

func flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// TestBackupRestoreSQLite: a backup of a running SQLite kesu restores
// into a fresh data folder that kesu opens with everything in it.
func TestBackupRestoreSQLite(t *testing.T) {
	backupWhileWriting(t, nil, func(newDir string) []string { return []string{"--data", newDir} })
}

// TestBackupRestorePostgres: the same on PostgreSQL, with pg_dump into
// the archive and pg_restore into a new database.
func TestBackupRestorePostgres(t *testing.T) {
	base := os.Getenv("KESU_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("KESU_TEST_POSTGRES_URL not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_backup_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	newDB := schema + "_restored"
	if _, err := admin.Exec("CREATE DATABASE " + newDB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Exec("DROP DATABASE " + newDB + " WITH (FORCE)")
	})
	with := func(u string) string {
		p, _ := url.Parse(u)
		q := p.Query()
		q.Set("search_path", schema)
		p.RawQuery = q.Encode()
		return p.String()
	}
	src := with(base)
	p, _ := url.Parse(base)
	p.Path = "/" + newDB
	dst := with(p.String())
	backupWhileWriting(t, []string{"--db", src}, func(newDir string) []string { return []string{"--data", newDir, "--db", dst} })
}
