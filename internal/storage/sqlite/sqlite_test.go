package sqlite_test

import (
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

func open(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kesu.db"), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) { storetest.Run(t, open) }

// TestReopen checks that opening a migrated file again applies nothing and
// keeps the data.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kesu.db")
	db, err := sqlite.Open(t.Context(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(t.Context(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Setting(t.Context(), "k"); err != nil || v != "v" {
		t.Fatalf("setting after reopen = %q, %v", v, err)
	}
	// The schema is at the highest migration; numbers may have gaps while
	// branches are merged.
	files, _ := fs.Glob(sqlite.Migrations(), "*.sql")
	last, _ := strconv.Atoi(strings.SplitN(files[len(files)-1], "_", 2)[0])
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != last {
		t.Fatalf("schema version %d, want %d, %v", v, last, err)
	}
}

// TestMissingMigrationApplied: a database that recorded a later migration
// but not an earlier one (branches merged in another order) gets the
// earlier one on the next start.
func TestMissingMigrationApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sqlite.Open(t.Context(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(t.Context(), `DROP TABLE calendar_years; DROP TABLE calendar_state; DELETE FROM schema_migrations WHERE version = 9`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(t.Context(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.R.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations WHERE version = 9`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration 9 recorded %d times, %v", n, err)
	}
	if err := db.R.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM calendar_state`).Scan(&n); err != nil {
		t.Fatalf("calendar_state after the missing migration ran: %v", err)
	}
}

// TestClockMigration runs the one-row-per-complaint migration on a file
// with clocks in the former table.
func TestClockMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	storetest.RunClockMigration(t, func() *sqlstore.DB {
		db, err := sqlite.Open(t.Context(), path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}, sqlite.Migrations())
}

// Two stores (as two servers would have) on one database file: every
// counter of both calls at once, and no ticket is called twice.
func TestQueueTwoServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kesu.db")
	var dbs []*sqlstore.DB
	for range 2 {
		db, err := sqlite.Open(t.Context(), path, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	storetest.QueueConcurrentCalls(t, dbs...)
}
