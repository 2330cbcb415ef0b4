package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/benchdata"
	"kesu/internal/export"
	"kesu/internal/storage/sqlstore"
)

// The export benchmark (issue 7, Speed) writes the whole complaint
// register — 100,000 complaints generated once by benchdata into
// $TMPDIR/kesu-bench-export-100k.db and, when KESU_TEST_POSTGRES_URL is
// set, the schema kesu_bench_export_100k — as one streamed .xlsx file, and
// reports the time, the file size, the peak Go heap and the peak resident
// set of the export alone. Target: ≤ 20 s and < 300 MB.
//
//	go test ./internal/bench -run XXX -bench ExportXLSX -benchtime 3x -timeout 60m

const (
	exportN    = 100_000
	exportSeed = 20261207
)

type exportEngine struct {
	name string
	db   *sqlstore.DB
	err  error
}

var (
	exportEnginesOnce sync.Once
	exportEngines     []*exportEngine
)

func openExportEngines(b *testing.B) []*exportEngine {
	exportEnginesOnce.Do(func() {
		exportEngines = append(exportEngines, openExportSQLite())
		if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
			e := &exportEngine{name: "postgres"}
			ctx := context.Background()
			if e.db, e.err = openKeptSchema(ctx, u, "kesu_bench_export_100k"); e.err == nil {
				if e.err = fillExport(ctx, "schema kesu_bench_export_100k", e.db); e.err == nil {
					_, e.err = e.db.W.ExecContext(ctx, `ANALYZE`)
				}
			}
			exportEngines = append(exportEngines, e)
		}
	})
	for _, e := range exportEngines {
		if e.err != nil {
			b.Fatalf("%s: %v", e.name, e.err)
		}
	}
	return exportEngines
}

func fillExport(ctx context.Context, name string, db *sqlstore.DB) error {
	var have int
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaints`).Scan(&have); err != nil || have >= exportN {
		return err
	}
	if have > 0 {
		return fmt.Errorf("%s holds %d complaints, not %d: delete it to regenerate", name, have, exportN)
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "generating %d complaints into %s…\n", exportN, name)
	if err := benchdata.Generate(ctx, db, exportN, exportSeed, benchdata.Options{}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generated in %v\n", time.Since(start).Round(time.Second))
	return nil
}

func openExportSQLite() *exportEngine {
	e := &exportEngine{name: "sqlite"}
	e.db, e.err = openCachedSQLite(context.Background(), "kesu-bench-export-100k.db", fillExport)
	return e
}

// resetPeakRSS makes VmHWM start again from the current resident set, so
// that the peak measured is the export's (Linux; ignored elsewhere).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkExportXLSX exports all complaints as .xlsx through
// export.Service.Write — the same path the export job takes — into a file.
func BenchmarkExportXLSX(b *testing.B) {
	for _, e := range openExportEngines(b) {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			cats, err := e.db.Complaints().Categories(ctx)
			if err != nil {
				b.Fatal(err)
			}
			catName := map[string]string{}
			for _, c := range cats {
				catName[c.Code] = c.ZH
			}
			svc := &export.Service{Complaints: e.db.Complaints(), Now: time.Now, Loc: time.FixedZone("CST", 8*3600),
				Labels: func(context.Context, string) (export.Labels, error) {
					return export.Labels{Category: func(c string) string { return catName[c] }}, nil
				}}
			ex := &export.Export{Kind: export.KindComplaints, Format: "xlsx", Filter: []byte(`{}`), Personal: true, Lang: "zh"}
			dir := b.TempDir()
			var worst time.Duration
			var peakHeap, peakRSS float64
			var size int64
			for i := 0; b.Loop(); i++ {
				runtime.GC()
				resetPeakRSS()
				stop, heap := sampleHeap()
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("export-%d.xlsx", i)))
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				rows, err := svc.Write(ctx, f, ex, nil)
				took := time.Since(start)
				stop()
				if err != nil {
					b.Fatal(err)
				}
				if rows != exportN {
					b.Fatalf("exported %d rows, want %d", rows, exportN)
				}
				st, _ := f.Stat()
				size = st.Size()
				f.Close()
				os.Remove(f.Name())
				worst = max(worst, took)
				peakHeap = max(peakHeap, float64(heap.Load())/(1<<20))
				peakRSS = max(peakRSS, PeakRSSMB())
			}
			b.ReportMetric(worst.Seconds(), "worst-s")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
			b.ReportMetric(peakHeap, "peak-heap-MB")
			b.ReportMetric(peakRSS, "peak-RSS-MB")
		})
	}
}

// sampleHeap records the largest heap in use every 20 ms until stopped.
func sampleHeap() (stop func(), peak *atomic.Uint64) {
	peak = &atomic.Uint64{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, peak
}
