package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// serverURL returns KESU_TEST_POSTGRES_URL or skips t.
func serverURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("KESU_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("KESU_TEST_POSTGRES_URL not set: skipping PostgreSQL tests (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// freshSchema creates an empty schema, dropped when t ends, and returns a
// URL whose connections use it.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := serverURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := Open(t.Context(), freshSchema(t), nil, quiet)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	serverURL(t)
	storetest.Run(t, open)
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{`name LIKE ? ESCAPE '\' OR code LIKE ? ESCAPE '\'`, `name LIKE $1 ESCAPE '\' OR code LIKE $2 ESCAPE '\'`},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{"x = 'it''s ?' AND y = ? AND z = ''", "x = 'it''s ?' AND y = $1 AND z = ''"},
		{"c.search @@ ?::tsquery", "c.search @@ $1::tsquery"},
		{strings.Repeat("?,", 11) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
	} {
		if got := (Dialect{}).Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for code, want := range map[string]apperr.Code{
		"23505": apperr.Conflict, "23503": apperr.Invalid, "42501": apperr.Forbidden,
		"40001": apperr.Conflict, "40P01": apperr.Conflict,
		"08006": apperr.Unavailable, "57P01": apperr.Unavailable, "53300": apperr.Unavailable,
		"42P01": apperr.Internal,
	} {
		err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code, Message: "duplicate key value violates unique constraint"})
		got := (Dialect{}).Classify(err)
		if c := apperr.CodeOf(got); c != want {
			t.Errorf("SQLSTATE %s → %q, want %q", code, c, want)
		}
		if !errors.Is(got, err) && !errors.Is(got, errors.Unwrap(err)) {
			t.Errorf("SQLSTATE %s: cause lost", code)
		}
	}
	if got := (Dialect{}).Classify(errors.New("unique constraint")); apperr.CodeOf(got) != apperr.Internal {
		t.Errorf("plain error classified as %q; message text must not matter", apperr.CodeOf(got))
	}
}

// TestUnavailable checks that an unreachable server is reported as
// Unavailable, not as an internal error.
func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://kesu@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", nil, quiet)
	if !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("Open(unreachable) = %v, want Unavailable", err)
	}
}

// TestConcurrentOpen starts several Opens on one empty schema at once: the
// advisory lock lets exactly one apply the migration.
func TestConcurrentOpen(t *testing.T) {
	u := freshSchema(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := Open(t.Context(), u, nil, quiet)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	db, err := Open(t.Context(), u, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, _ := fs.Glob(Migrations(), "*.sql")
	var n int
	if err := db.R.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) {
		t.Fatalf("schema_migrations rows = %d, %v; want one per migration (%d)", n, err, len(files))
	}
}

// The two-process numbering test re-executes this test binary as helpers.
const (
	helperURL = "KESU_TEST_HELPER_URL"
	helperN   = "KESU_TEST_HELPER_N"
	helperAt  = "KESU_TEST_HELPER_AT"
)

// TestHelperProcess is not a test: run by TestTwoProcessNumbering in a child
// process, it opens its own connection pool (migrating if it is first) and
// creates complaints.
func TestHelperProcess(t *testing.T) {
	u := os.Getenv(helperURL)
	if u == "" {
		t.Skip("helper process for TestTwoProcessNumbering")
	}
	n, _ := strconv.Atoi(os.Getenv(helperN))
	us, _ := strconv.ParseInt(os.Getenv(helperAt), 10, 64)
	at := time.UnixMicro(us)
	db, err := Open(t.Context(), u, func() time.Time { return at }, quiet)
	if err != nil {
		t.Fatalf("helper open: %v", err)
	}
	defer db.Close()
	nums := storetest.CreateConcurrently(t, db, at, n, 20)
	fmt.Printf("created %d\n", len(nums))
}

// TestTwoProcessNumbering has two OS processes, each with its own pool,
// migrate one empty schema and create 500 complaints each at the same time;
// the numbers must be exactly 0001…1000.
func TestTwoProcessNumbering(t *testing.T) {
	u := freshSchema(t)
	at := storetest.Start
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range 2 {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), helperURL+"="+u, helperN+"=500", helperAt+"="+strconv.FormatInt(at.UnixMicro(), 10))
		wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil || !strings.Contains(string(outs[i]), "created 500") {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	db, err := Open(t.Context(), u, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.R.QueryContext(t.Context(), `SELECT number FROM complaints`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var nums []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		nums = append(nums, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	storetest.AssertSequence(t, nums, storetest.Day.Spec(at.In(storetest.Zone)), 1000)
	if bad, checked, err := db.Audit().Verify(t.Context()); err != nil || bad != 0 || checked != 1000 {
		t.Fatalf("audit chain after two writers: bad=%d checked=%d err=%v", bad, checked, err)
	}
}

// TestAuditHashMatchesGo checks one entry written by kesu_audit_append_many
// against audit.ComputeHash, including multi-byte text.
func TestAuditHashMatchesGo(t *testing.T) {
	db := open(t)
	e := &audit.Entry{At: time.Date(2026, 11, 25, 1, 2, 3, 456789000, time.UTC), Actor: audit.Actor{UserID: 7, Name: "李四|:", IP: "::1"},
		Action: "export.csv", Object: "complaints", Detail: []byte(`{"q":"漏水"}`)}
	if err := db.Audit().Append(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	l, err := db.Audit().List(t.Context(), audit.Filter{})
	if err != nil || len(l) != 1 || l[0].ID != e.ID || e.ID != 1 {
		t.Fatalf("List = %+v %v", l, err)
	}
	if got, want := l[0].Hash, audit.ComputeHash("", &l[0]); got != want || l[0].PrevHash != "" {
		t.Fatalf("SQL hash %s, Go hash %s", got, want)
	}
	if !l[0].At.Equal(e.At) {
		t.Fatalf("at %v, want %v", l[0].At, e.At)
	}
}

// TestNumberWidth checks the SQL padding against NumberSpec.Format at the
// edges, beyond what the daily pattern reaches in the suite.
func TestNumberWidth(t *testing.T) {
	db := open(t)
	for _, tc := range []struct {
		spec complaint.NumberSpec
		seed int64
	}{
		{complaint.NumberSpec{Prefix: "A-", Width: 4}, 9998},
		{complaint.NumberSpec{Prefix: "B", Suffix: "-X", Width: 1}, 0},
		{complaint.NumberSpec{Prefix: "C", Width: 9}, 123456788},
	} {
		if _, err := db.W.ExecContext(t.Context(), `INSERT INTO number_counters (scope, value) VALUES ($1, $2)`,
			tc.spec.Prefix+"{SEQ}"+tc.spec.Suffix, tc.seed); err != nil {
			t.Fatal(err)
		}
		for i := int64(1); i <= 3; i++ {
			c := storetest.NewComplaint("宽度")
			c.Status, c.ReceivedAt, c.ExpectedBy = complaint.StatusRegistered, storetest.Start, storetest.Start
			if _, err := db.Complaints().Create(t.Context(), c, complaint.CreateOptions{Actor: audit.System, Number: tc.spec}); err != nil {
				t.Fatal(err)
			}
			if want := tc.spec.Format(tc.seed + i); c.Number != want {
				t.Errorf("number %q, want %q", c.Number, want)
			}
		}
	}
}

// TestClockMigration runs the one-row-per-complaint migration on a schema
// with clocks in the former table.
func TestClockMigration(t *testing.T) {
	u := freshSchema(t)
	storetest.RunClockMigration(t, func() *sqlstore.DB {
		db, err := Open(t.Context(), u, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}, Migrations())
}

// Two stores, each with its own pool as two servers have, on one schema:
// every counter of both calls at once, and no ticket is called twice.
func TestQueueTwoServers(t *testing.T) {
	u := freshSchema(t)
	var dbs []*sqlstore.DB
	for range 2 {
		db, err := Open(t.Context(), u, nil, quiet)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	storetest.QueueConcurrentCalls(t, dbs...)
}
