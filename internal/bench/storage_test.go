package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/app"
)

// BenchmarkStoragePerComplaint registers KESU_BENCH_STORAGE_N complaints
// (default 20,000) through the HTTP API as the intake benchmark does, runs
// the worker until it is idle, and reports the database's bytes per
// complaint: every table and index (SQLite: dbstat; PostgreSQL:
// pg_total_relation_size), and the same without the complaints' own text
// (subject and description) and its search index. The time-limit clocks'
// share (complaint_clocks) is reported apart. b.N is not used.
//
//	go test ./internal/bench -run XXX -bench StoragePerComplaint -benchtime 1x
func BenchmarkStoragePerComplaint(b *testing.B) {
	n := 20_000
	if s := os.Getenv("KESU_BENCH_STORAGE_N"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	engines := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{"postgres", u})
	}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			a, base, tok := serveApp(b, eng.url)
			register(b, base, tok, n)
			ctx := context.Background()
			for {
				got, err := a.Worker.RunDue(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if got == 0 {
					break
				}
			}
			sizes, err := tableSizes(ctx, a)
			if err != nil {
				b.Fatal(err)
			}
			var text int64
			textQuery := `SELECT SUM(LENGTH(CAST(subject AS BLOB)) + LENGTH(CAST(description AS BLOB))) FROM complaints`
			if a.DB.Dialect.Name() == "postgres" {
				textQuery = `SELECT SUM(octet_length(subject) + octet_length(description)) FROM complaints`
			}
			if err := a.DB.R.QueryRowContext(ctx, textQuery).Scan(&text); err != nil {
				b.Fatal(err)
			}
			// The search index: SQLite's FTS5 table; PostgreSQL's tsvector
			// column and its GIN index.
			search := sizes["complaint_fts"]
			if a.DB.Dialect.Name() == "postgres" {
				if err := a.DB.R.QueryRowContext(ctx, `SELECT pg_relation_size('complaints_search') + (SELECT SUM(pg_column_size(search)) FROM complaints)`).
					Scan(&search); err != nil {
					b.Fatal(err)
				}
			}
			var total int64
			names := make([]string, 0, len(sizes))
			for t, sz := range sizes {
				total += sz
				names = append(names, t)
			}
			slices.Sort(names)
			for _, t := range names {
				if sizes[t] >= int64(n) {
					b.Logf("%-24s %8.0f bytes/complaint", t, float64(sizes[t])/float64(n))
				}
			}
			per := func(v int64) float64 { return float64(v) / float64(n) }
			b.ReportMetric(per(total), "bytes/complaint")
			b.ReportMetric(per(total-search-text), "bytes/complaint-without-text")
			b.ReportMetric(per(sizes["complaint_clocks"]), "clock-bytes/complaint")
		})
	}
}

// register files n complaints with 16 concurrent clients.
func register(b *testing.B, base, tok string, n int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	var seq, failed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := seq.Add(1)
				if i > int64(n) {
					return
				}
				body := fmt.Sprintf(`{"channel":"phone","subject":%q,"description":"客户反映第%d台设备使用三个月后出现问题，滤芯接口处有裂纹，要求上门维修或者更换新机。","category":"quality.leak","severity":"major","requests":["repair"],"complainant":{"name":"张先生","phone":"138-0013-8000"},"batch_no":"20260512-A03","qty_shipped":10,"qty_defective":1}`,
					subjects[i%int64(len(subjects))], i)
				req, _ := http.NewRequest("POST", base+"/api/v1/complaints", bytes.NewBufferString(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Idempotency-Key", "storage-"+strconv.FormatInt(i, 10))
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d registrations failed", f, n)
	}
}

// tableSizes returns the bytes of each table with its indexes (FTS5
// shadow tables under their virtual table).
func tableSizes(ctx context.Context, a *app.App) (map[string]int64, error) {
	q := `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r'`
	if a.DB.Dialect.Name() == "sqlite" {
		if _, err := a.DB.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return nil, err
		}
		q = `SELECT CASE WHEN m.tbl_name LIKE 'complaint_fts%' THEN 'complaint_fts' ELSE COALESCE(m.tbl_name, s.name) END, SUM(s.pgsize)
FROM dbstat s LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1`
	} else if _, err := a.DB.W.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return nil, err
	}
	rows, err := a.DB.R.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			return nil, err
		}
		out[name] += size
	}
	return out, rows.Err()
}
