package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
)

// startApp opens kesu on SQLite in a temp folder, or on a fresh PostgreSQL
// schema when pgURL is set, and serves it on loopback. It returns the base
// URL and an agent's API token.
func startApp(b *testing.B, pgURL string) (string, string) {
	_, base, tok := serveApp(b, pgURL)
	return base, tok
}

// serveApp is startApp returning the application too.
func serveApp(b *testing.B, pgURL string) (*app.App, string, string) {
	b.Helper()
	cfg := app.Defaults()
	cfg.Data = b.TempDir()
	cfg.AdminPassword = "bench-admin-pass"
	if pgURL != "" {
		cfg.DB = freshSchema(b, pgURL)
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	u := &org.User{Username: "bench.agent", Name: "压测客服", Role: org.RoleAgent}
	if err := a.DB.Registers().CreateUser(ctx, u, auth.HashPassword("bench-agent-pass"), audit.System); err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.Deps.Auth.CreateToken(ctx, u.ID, "bench", audit.System)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	return a, srv.URL, tok
}

func freshSchema(b *testing.B, base string) string {
	buf := make([]byte, 6)
	rand.Read(buf)
	schema := "kesu_bench_" + hex.EncodeToString(buf)
	db, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

var subjects = []string{"净水器漏水", "滤芯更换后出水有异味", "安装师傅迟到两小时", "发货型号错误", "包装破损导致外壳划伤", "交期延误影响开业", "软水机不出水", "退货退款迟迟未处理"}

// BenchmarkIntakeHTTP registers complaints through POST /api/v1/complaints
// with 16 concurrent clients, each request with its own Idempotency-Key, and
// reports complaints per second.
func BenchmarkIntakeHTTP(b *testing.B) {
	engines := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{"postgres", u})
	}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			base, tok := startApp(b, eng.url)
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
			var seq atomic.Int64
			var failed atomic.Int64
			b.SetParallelism(16 / max(1, testingProcs()))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					body := fmt.Sprintf(`{"channel":"phone","subject":%q,"description":"客户反映第%d台设备使用三个月后出现问题，滤芯接口处有裂纹，要求上门维修或者更换新机。","category":"quality.leak","severity":"major","requests":["repair"],"complainant":{"name":"张先生","phone":"138-0013-8000"},"batch_no":"20260512-A03","qty_shipped":10,"qty_defective":1}`,
						subjects[n%int64(len(subjects))], n)
					req, _ := http.NewRequest("POST", base+"/api/v1/complaints", bytes.NewBufferString(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(n, 10))
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
			el := time.Since(start)
			b.StopTimer()
			if f := failed.Load(); f > 0 {
				b.Fatalf("%d of %d requests failed", f, b.N)
			}
			b.ReportMetric(float64(b.N)/el.Seconds(), "complaints/s")
			b.ReportMetric(PeakRSSMB(), "peakRSS-MB")
		})
	}
}
