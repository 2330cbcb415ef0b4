package benchdata_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kesu/internal/app"
	"kesu/internal/demo"
)

// BenchmarkDashboardPage times the dashboard page through the whole server
// — session, handler, report queries, template — on the generated data
// set, signed in as a demo manager: the server's share of the page's first
// paint (the browser then draws the charts from data in the page).
func BenchmarkDashboardPage(b *testing.B) {
	for _, e := range openEngines(b) {
		b.Run(e.name, func(b *testing.B) {
			cfg := app.Defaults()
			cfg.Data = b.TempDir()
			cfg.AdminPassword = "bench-admin-pass"
			if e.name == "postgres" {
				cfg.DB = e.url
			} else {
				// The server's SQLite file is <data>/kesu.db: point it at the
				// generated one.
				if err := os.Symlink(e.path, filepath.Join(cfg.Data, "kesu.db")); err != nil {
					b.Fatal(err)
				}
			}
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			a, err := app.Open(ctx, cfg, nil, quiet, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			var manager string
			if err := e.db.R.QueryRowContext(ctx, `SELECT username FROM users WHERE role = 'manager' ORDER BY id LIMIT 1`).Scan(&manager); err != nil {
				b.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.PostForm(srv.URL+"/login", url.Values{"username": {manager}, "password": {demo.DefaultPassword}})
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				b.Fatalf("sign in as %s: %d", manager, resp.StatusCode)
			}
			timed(b, func(ctx context.Context) (int, error) {
				resp, err := client.Get(srv.URL + "/dashboard")
				if err != nil {
					return 0, err
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="open-count"`) {
					b.Fatalf("dashboard: %d %v", resp.StatusCode, err)
				}
				return len(body), nil
			})
		})
	}
}
