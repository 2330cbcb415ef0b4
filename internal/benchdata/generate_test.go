package benchdata_test

import (
	"context"
	"path/filepath"
	"testing"

	"kesu/internal/benchdata"
	"kesu/internal/storage/sqlite"
)

// Generated data is as the server would hold it after handling — every
// complaint with its clocks and outcomes — and leaves no work behind: no
// pending job, no job per timer.
func TestGenerateLeavesNoWork(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 300
	if err := benchdata.Generate(ctx, db, n, seed, benchdata.Options{Months: 6, Lifecycle: true}); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var v int
		if err := db.R.QueryRowContext(ctx, q).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := count(`SELECT COUNT(*) FROM complaint_clocks k JOIN complaints c ON c.id = k.complaint_id WHERE c.sla_outcomes <> ''`); got != n {
		t.Errorf("%d of %d complaints with clocks and outcomes", got, n)
	}
	if got := count(`SELECT COUNT(*) FROM jobs`); got != 0 {
		t.Errorf("%d jobs left behind", got)
	}
}
