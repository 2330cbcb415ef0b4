package postgres

import (
	"testing"

	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

// TestSLA runs the SLA clock suite with two servers' connection pools on
// one schema.
func TestSLA(t *testing.T) {
	serverURL(t)
	storetest.RunSLA(t, func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
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
	})
}
