package benchdata_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"kesu/internal/bench"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create the schema

	"kesu/internal/benchdata"
	"kesu/internal/complaint"
	"kesu/internal/storage/postgres"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
)

// The benchmarks run against a database of KESU_BENCH_N complaints
// (default 100,000) received over the last KESU_BENCH_MONTHS months
// (default 36) and handled up to now, generated once and kept between
// runs: a SQLite file in the temporary directory, and, when
// KESU_TEST_POSTGRES_URL is set, a PostgreSQL schema, both named after
// size and span. Delete the file or drop the schema to regenerate.
//
//	go test ./internal/benchdata -run XXX -bench . -benchtime 200x

const seed = 20260512

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func benchN() int {
	if s := os.Getenv("KESU_BENCH_N"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 100_000
}

func benchMonths() int {
	if s := os.Getenv("KESU_BENCH_MONTHS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 36
}

// label names a data set by size and span, e.g. 100k-36mo.
func label(n int) string {
	size := strconv.Itoa(n)
	if n%1000 == 0 {
		size = strconv.Itoa(n/1000) + "k"
	}
	return size + "-" + strconv.Itoa(benchMonths()) + "mo"
}

type engine struct {
	name string
	db   *sqlstore.DB
	err  error
	path string // the SQLite file
	url  string // the PostgreSQL URL with the data set's schema
}

var (
	enginesOnce sync.Once
	engines     []*engine
)

// openEngines opens (generating when needed) each available engine once
// for all benchmarks of the run.
func openEngines(b *testing.B) []*engine {
	enginesOnce.Do(func() {
		n := benchN()
		engines = append(engines, openSQLite(n))
		if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
			engines = append(engines, openPostgres(u, n))
		}
	})
	for _, e := range engines {
		if e.err != nil {
			b.Fatalf("%s: %v", e.name, e.err)
		}
	}
	return engines
}

func count(ctx context.Context, db *sqlstore.DB) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaints`).Scan(&n)
	return n, err
}

// fill generates n complaints into db unless it already holds them.
func fill(ctx context.Context, name string, db *sqlstore.DB, n int) error {
	have, err := count(ctx, db)
	if err != nil || have >= n {
		return err
	}
	if have > 0 {
		return fmt.Errorf("%s holds %d complaints, not %d: delete it to regenerate", name, have, n)
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "generating %d complaints into %s…\n", n, name)
	err = benchdata.Generate(ctx, db, n, seed, benchdata.Options{Months: benchMonths(), Lifecycle: true, Progress: func(done int) {
		if done%20000 == 0 {
			fmt.Fprintf(os.Stderr, "  %d (%.0f/s)\n", done, float64(done)/time.Since(start).Seconds())
		}
	}})
	if err == nil {
		fmt.Fprintf(os.Stderr, "generated %d complaints in %v\n", n, time.Since(start).Round(time.Second))
	}
	return err
}

func openSQLite(n int) *engine {
	ctx := context.Background()
	e := &engine{name: "sqlite"}
	path := filepath.Join(os.TempDir(), "kesu-bench-"+label(n)+".db")
	if _, err := os.Stat(path); err != nil {
		// Generate beside it and rename, so an interrupted run leaves no
		// half-filled cache.
		tmp := path + ".part"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := sqlite.Open(ctx, tmp, time.Now, quiet)
		if err != nil {
			e.err = err
			return e
		}
		if e.err = fill(ctx, tmp, db, n); e.err == nil {
			_, e.err = db.W.ExecContext(ctx, `PRAGMA optimize; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		db.Close()
		if e.err != nil {
			return e
		}
		if e.err = os.Rename(tmp, path); e.err != nil {
			return e
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
	}
	e.path = path
	e.db, e.err = sqlite.Open(ctx, path, time.Now, quiet)
	return e
}

func openPostgres(base string, n int) *engine {
	ctx := context.Background()
	e := &engine{name: "postgres"}
	schema := "kesu_bench_" + strings.ReplaceAll(label(n), "-", "_")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		e.err = err
		return e
	}
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema)
	admin.Close()
	if err != nil {
		e.err = fmt.Errorf("create schema %s: %w", schema, err)
		return e
	}
	u, err := url.Parse(base)
	if err != nil {
		e.err = err
		return e
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	e.url = u.String()
	if e.db, e.err = postgres.Open(ctx, u.String(), time.Now, quiet); e.err != nil {
		return e
	}
	if e.err = fill(ctx, "schema "+schema, e.db, n); e.err == nil {
		// The lifecycle is written as updates; vacuum their old versions.
		if _, e.err = e.db.W.ExecContext(ctx, `VACUUM complaints, complaint_clocks`); e.err == nil {
			_, e.err = e.db.W.ExecContext(ctx, `ANALYZE`)
		}
	}
	return e
}

// measure runs list b.N times and reports the median and 95th percentile
// besides Go's mean, and the size of the first page.
func measure(b *testing.B, db *sqlstore.DB, f complaint.Filter) {
	timed(b, func(ctx context.Context) (int, error) {
		p, err := db.Complaints().List(ctx, f)
		if err != nil {
			return 0, err
		}
		return len(p.Items), nil
	})
}

// timed runs op once to warm the cache, then b.N times, and reports the
// median, 95th and 99th percentile besides Go's mean, and the rows op
// returned.
func timed(b *testing.B, op func(ctx context.Context) (rows int, err error)) {
	ctx := context.Background()
	if _, err := op(ctx); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	rows := 0
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		n, err := op(ctx)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	b.StopTimer()
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*95/100]), "p95-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(bench.PeakRSSMB(), "peakRSS-MB")
}

func run(b *testing.B, cases []struct {
	name string
	f    complaint.Filter
}) {
	for _, e := range openEngines(b) {
		for _, c := range cases {
			b.Run(e.name+"/"+c.name, func(b *testing.B) { measure(b, e.db, c.f) })
		}
	}
}

func BenchmarkListFirstPage(b *testing.B) {
	crit := []string{"critical"}
	since := time.Now().AddDate(0, -1, 0)
	run(b, []struct {
		name string
		f    complaint.Filter
	}{
		{"all", complaint.Filter{}},
		{"open", complaint.Filter{State: "open"}},
		{"open+category+severity", complaint.Filter{State: "open", Category: "quality", Severity: crit}},
		{"status+category", complaint.Filter{Status: []string{complaint.StatusRegistered}, Category: "quality"}},
		{"category2+severity", complaint.Filter{Category: "quality.leak", Severity: crit}},
		{"channel+class+month", complaint.Filter{Channel: []string{"wechat"}, CustomerClass: "dealer", From: &since}},
		{"safety", complaint.Filter{Safety: new(true)}},
		{"number_desc", complaint.Filter{Sort: "number_desc", Category: "delivery"}},
	})
}

func BenchmarkSearch2(b *testing.B) {
	run(b, []struct {
		name string
		f    complaint.Filter
	}{
		{"漏水", complaint.Filter{Query: "漏水"}},
		{"退货", complaint.Filter{Query: "退货"}},
		{"漏水+quality", complaint.Filter{Query: "漏水", Category: "quality"}},
	})
}

func BenchmarkSearch3(b *testing.B) {
	run(b, []struct {
		name string
		f    complaint.Filter
	}{
		{"水器漏", complaint.Filter{Query: "水器漏"}},
		{"滤芯更换后", complaint.Filter{Query: "滤芯更换后"}},
		{"digits-20260", complaint.Filter{Query: "20260"}},
		{"rare-安装师傅迟到", complaint.Filter{Query: "安装师傅迟到"}},
	})
}
