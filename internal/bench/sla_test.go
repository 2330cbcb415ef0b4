package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kesu/internal/sla"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
)

// The monitor benchmark (issue 6, Speed) runs on 1,000,000 running clocks
// stored directly (no complaints behind them) into
// $TMPDIR/kesu-bench-sla-1m.db and, when KESU_TEST_POSTGRES_URL is set, the
// schema kesu_bench_sla_1m. Clock i is due slaBase + i seconds. Delete the
// file or drop the schema to regenerate.
//
//	go test ./internal/bench -run XXX -bench 'SLA' -benchtime 1000x -timeout 30m

const (
	slaN = 1_000_000
	// slaDuePerPass clocks fall due between two passes.
	slaDuePerPass = 100
)

var slaBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type slaEngine struct {
	name string
	db   *sqlstore.DB
	err  error
}

var (
	slaEnginesOnce sync.Once
	slaEngines     []*slaEngine
)

func openSLAEngines(b *testing.B) []*slaEngine {
	slaEnginesOnce.Do(func() {
		slaEngines = append(slaEngines, openSLASQLite())
		if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
			slaEngines = append(slaEngines, openSLAPostgres(u))
		}
	})
	for _, e := range slaEngines {
		if e.err != nil {
			b.Fatalf("%s: %v", e.name, e.err)
		}
	}
	return slaEngines
}

// fillClocks stores slaN running clocks unless they are there, and puts
// back any a previous run breached.
func fillClocks(ctx context.Context, db *sqlstore.DB, insert string) error {
	var have int
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM sla_clocks`).Scan(&have); err != nil {
		return err
	}
	if have < slaN {
		if _, err := db.W.ExecContext(ctx, `DELETE FROM sla_clocks`); err != nil {
			return err
		}
		if _, err := db.W.ExecContext(ctx, insert); err != nil {
			return fmt.Errorf("insert clocks: %w", err)
		}
	}
	_, err := db.W.ExecContext(ctx, `UPDATE sla_clocks SET state = 'running', breached_at = NULL, lateness = 0, holder_id = NULL WHERE state <> 'running'`)
	return err
}

func slaInsert(series string) string {
	base := slaBase.UnixMicro()
	return fmt.Sprintf(`INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, version)
SELECT 1 + i %% 100000, 'sla_1', %d, %d + i * CAST(1000000 AS BIGINT), 'running', 1 FROM %s`, base-86_400_000_000, base, series)
}

func openSLASQLite() *slaEngine {
	ctx := context.Background()
	e := &slaEngine{name: "sqlite"}
	path := filepath.Join(os.TempDir(), "kesu-bench-sla-1m.db")
	if e.db, e.err = sqlite.Open(ctx, path, time.Now, benchLog); e.err != nil {
		return e
	}
	ins := `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(slaN-1) + `) ` + slaInsert("n")
	if e.err = fillClocks(ctx, e.db, ins); e.err == nil {
		_, e.err = e.db.W.ExecContext(ctx, `ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	return e
}

func openSLAPostgres(base string) *slaEngine {
	ctx := context.Background()
	e := &slaEngine{name: "postgres"}
	const schema = "kesu_bench_sla_1m"
	if e.db, e.err = openKeptSchema(ctx, base, schema); e.err != nil {
		return e
	}
	ins := slaInsert(fmt.Sprintf("generate_series(0, %d) AS g(i)", slaN-1))
	if e.err = fillClocks(ctx, e.db, ins); e.err == nil {
		_, e.err = e.db.W.ExecContext(ctx, `VACUUM ANALYZE sla_clocks`)
	}
	return e
}

// BenchmarkSLAMonitorPass times one monitor pass over 1,000,000 open
// clocks: find the running clocks due by now through the (state, due_at)
// index, claim them (mark breached with lateness and holder) and read who
// to notify, in one transaction. Each pass moves now on by 100 s, so 100
// clocks are due per pass.
func BenchmarkSLAMonitorPass(b *testing.B) {
	rules, err := sla.NewRules()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range openSLAEngines(b) {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			if err := fillClocks(ctx, e.db, ""); err != nil {
				b.Fatal(err)
			}
			st := e.db.SLAClocks()
			m := &sla.Monitor{Store: st, Policies: rules.Policies, Now: time.Now}
			times := make([]time.Duration, 0, b.N)
			now := slaBase
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now = now.Add(slaDuePerPass * time.Second)
				t0 := time.Now()
				n, err := st.BreachDue(ctx, now, 1000, m.Compose)
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if n != slaDuePerPass && !(i == 0 && n == slaDuePerPass+1) {
					b.Fatalf("pass %d claimed %d clocks, want %d", i, n, slaDuePerPass)
				}
			}
			b.StopTimer()
			report(b, times)
			if err := fillClocks(ctx, e.db, ""); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSLADue times one deadline computation: 10 working days on the
// PRC calendar across National Day.
func BenchmarkSLADue(b *testing.B) {
	rules, err := sla.NewRules()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := rules.Policies.Get("sla_5")
	start := time.Date(2026, 9, 24, 10, 0, 0, 0, sla.Shanghai())
	for b.Loop() {
		if _, err := sla.Due(rules.Calendar(), p, start); err != nil {
			b.Fatal(err)
		}
	}
}
