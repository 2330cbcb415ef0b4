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

// The monitor benchmark (issues 6, 16) runs on the clocks of 1,000,000
// complaints, one running clock each, stored directly (no complaints
// behind them) into $TMPDIR/kesu-bench-sla-1m.db and, when
// KESU_TEST_POSTGRES_URL is set, the schema kesu_bench_sla_1m. Complaint
// i's clock is due slaBase + i seconds. Delete the file or drop the schema
// to regenerate.
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
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaint_clocks`).Scan(&have); err != nil {
		return err
	}
	if have < slaN {
		if _, err := db.W.ExecContext(ctx, `DELETE FROM complaint_clocks`); err != nil {
			return err
		}
		if _, err := db.W.ExecContext(ctx, insert); err != nil {
			return fmt.Errorf("insert clocks: %w", err)
		}
	}
	_, err := db.W.ExecContext(ctx, `UPDATE complaint_clocks SET clocks = 'sla_1@1,r,0,' || (due_at - base) || ',s,e0', next_at = due_at
WHERE clocks NOT LIKE 'sla_1@1,r,%'`)
	return err
}

// slaInsert writes complaint i's clock: started a day before it is due,
// its reminder's time passed and its escalation marked done, so that each
// pass fires the breaches of the 100 clocks due in it and nothing else.
func slaInsert(series string) string {
	base := slaBase.UnixMicro()
	return fmt.Sprintf(`INSERT INTO complaint_clocks (complaint_id, base, clocks, next_at, due_at)
SELECT 1 + i, %d, 'sla_1@1,r,0,' || (86400000000 + i * CAST(1000000 AS BIGINT)) || ',s,e0', %d + i * CAST(1000000 AS BIGINT),
  %d + i * CAST(1000000 AS BIGINT) FROM %s`, base-86_400_000_000, base, base, series)
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
		_, e.err = e.db.W.ExecContext(ctx, `VACUUM ANALYZE complaint_clocks`)
	}
	return e
}

// BenchmarkSLAMonitorPass times one monitor pass over the clocks of
// 1,000,000 complaints: find the complaints with a firing due by now
// through the next_at index, claim them, fire (mark the clocks breached
// with lateness and holder), store them with their next firing and read
// who to notify, in one transaction. Each pass moves now on by 100 s, so
// 100 clocks are due per pass.
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
			e.db.SLA = rules
			st := e.db.SLAClocks()
			m := &sla.Monitor{Store: st, Policies: rules, Now: time.Now}
			times := make([]time.Duration, 0, b.N)
			now := slaBase
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now = now.Add(slaDuePerPass * time.Second)
				t0 := time.Now()
				n, _, err := st.FireDue(ctx, now, 1000, m.Compose)
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if n != slaDuePerPass && !(i == 0 && n == slaDuePerPass+1) {
					b.Fatalf("pass %d claimed %d complaints, want %d", i, n, slaDuePerPass)
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
	p, _ := rules.Policies().Get("sla_5")
	start := time.Date(2026, 9, 24, 10, 0, 0, 0, sla.Shanghai())
	for b.Loop() {
		if _, err := sla.Due(rules.Calendar(), p, start); err != nil {
			b.Fatal(err)
		}
	}
}
