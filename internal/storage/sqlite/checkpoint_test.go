package sqlite_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/storage/sqlite"
)

// The pages written reach the database file in the background, without
// the writer checkpointing (it does so only past 4,000 pages).
func TestWALCheckpointedInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kesu.db")
	db, err := sqlite.Open(t.Context(), path, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.W.Exec(`CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	size := func(name string) int64 {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size(path)
	body := strings.Repeat("x", 3000) // a page per row
	const rows = 500
	for range rows {
		if _, err := db.W.Exec(`INSERT INTO wal_probe (body) VALUES (?)`, body); err != nil {
			t.Fatal(err)
		}
	}
	// Each one-row transaction appends a frame or two: 500 rows stay well
	// below the writer's own threshold of 4,000 pages, yet the rows must
	// reach the database file.
	deadline := time.Now().Add(5 * time.Second)
	for size(path)-before < rows*3000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file grew %d bytes for %d rows of 3,000 bytes, WAL %d bytes: no background checkpoint",
				size(path)-before, rows, size(path+"-wal"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
