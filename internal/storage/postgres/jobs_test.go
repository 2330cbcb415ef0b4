package postgres

import (
	"testing"

	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

// openPair opens two servers' connection pools on one fresh schema.
func openPair(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
	u := freshSchema(t)
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := Open(t.Context(), u, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestJobs runs the job-table suite on PostgreSQL.
func TestJobs(t *testing.T) {
	serverURL(t)
	storetest.RunJobs(t, openPair)
}

// TestSLA runs the SLA clock suite on PostgreSQL.
func TestSLA(t *testing.T) {
	serverURL(t)
	storetest.RunSLA(t, openPair)
}

// TestCalendar runs the calendar-years suite on PostgreSQL.
func TestCalendar(t *testing.T) {
	serverURL(t)
	storetest.RunCalendar(t, openPair)
}
