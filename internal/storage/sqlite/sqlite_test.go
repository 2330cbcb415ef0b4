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
	// Numbers may have gaps (branches reserve theirs): the newest wins.
	files, _ := fs.Glob(sqlite.Migrations(), "*.sql")
	newest, _ := strconv.Atoi(strings.SplitN(files[len(files)-1], "_", 2)[0])
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != newest {
		t.Fatalf("schema version %d, %v; want %d", v, err, newest)
	}
}
