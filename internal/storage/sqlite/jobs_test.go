package sqlite_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

// openPair opens two handles on one fresh file, as two processes would.
func openPair(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
	path := filepath.Join(t.TempDir(), "kesu.db")
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := sqlite.Open(t.Context(), path, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestJobs runs the job-table suite with two handles on one file.
func TestJobs(t *testing.T) { storetest.RunJobs(t, openPair) }

// TestSLA runs the SLA clock suite with two handles on one file.
func TestSLA(t *testing.T) { storetest.RunSLA(t, openPair) }

// TestCalendar runs the calendar-years suite with two handles on one file.
func TestCalendar(t *testing.T) { storetest.RunCalendar(t, openPair) }
