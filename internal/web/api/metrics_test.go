package api_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/jobs"
	"kesu/internal/org"
)

const testMetricsToken = "metrics-token-0123456789"

// scrape reads /metrics with token ("" for none) and returns the status
// and body.
func (e *env) scrape(token string) (int, string) {
	e.t.Helper()
	hr, _ := http.NewRequest("GET", e.srv.URL+"/metrics", nil)
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// metric returns the value of the sample whose name and labels start the
// line as given (labels in the order Prometheus writes them), or -1.
func metric(body, sample string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// /metrics needs its token; it labels requests by route pattern and
// reports jobs by kind and status, open clocks by state, intake batch sizes
// and the database pools.
func TestMetrics(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.MetricsToken = testMetricsToken }, func(t *testing.T, e *env) {
		if code, _ := e.scrape(""); code != http.StatusUnauthorized {
			t.Fatalf("without token: %d", code)
		}
		if code, _ := e.scrape("wrong-token-0123456789"); code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d", code)
		}
		// A user's API token is not the metrics token.
		if code, _ := e.scrape(e.tokens[org.RoleAdmin]); code != http.StatusUnauthorized {
			t.Fatalf("API token: %d", code)
		}
		c := e.create(minimal("计量测试"))
		number := c["number"].(string)
		e.get(org.RoleAgent, "/api/v1/complaints/"+number).want(http.StatusOK)
		e.get(org.RoleAgent, "/api/v1/complaints/KS-19990101-0001").want(http.StatusNotFound)
		e.get(org.RoleAgent, "/api/v1/no-such-route").want(http.StatusNotFound)

		ctx := context.Background()
		dead := &jobs.Job{Kind: "test.unknown", RunAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		if err := e.app.DB.Jobs().Enqueue(ctx, dead); err != nil {
			t.Fatal(err)
		}
		code, body := e.scrape(testMetricsToken)
		if code != http.StatusOK {
			t.Fatalf("metrics: %d", code)
		}
		for _, s := range []string{
			`kesu_http_requests_total{code="2xx",route="POST /api/v1/complaints"}`,
			`kesu_http_requests_total{code="2xx",route="GET /api/v1/complaints/{number}"}`,
			`kesu_http_requests_total{code="4xx",route="GET /api/v1/complaints/{number}"}`,
			`kesu_http_requests_total{code="4xx",route="/api/v1/"}`,
			`kesu_jobs{kind="test.unknown",status="pending"}`,
			`kesu_intake_batch_size_count`,
		} {
			if v := metric(body, s); v != 1 {
				t.Errorf("%s = %v, want 1", s, v)
			}
		}
		if strings.Contains(body, `route="unmatched"`) {
			t.Errorf("requests of known routes counted as unmatched")
		}
		running := metric(body, `kesu_sla_clocks{state="running"}`)
		if running < 1 {
			t.Errorf("running clocks %v, want at least the new complaint's", running)
		}
		if v := metric(body, `kesu_sla_clocks{state="breached"}`); v != 0 {
			t.Errorf("breached clocks %v, want 0", v)
		}
		if v := metric(body, `kesu_metrics_store_errors`); v != 0 {
			t.Errorf("store errors %v", v)
		}
		pool := `go_sql_max_open_connections{db_name="kesu_read"}`
		if e.app.DB.R == e.app.DB.W {
			pool = `go_sql_max_open_connections{db_name="kesu"}`
		}
		if v := metric(body, pool); v < 1 {
			t.Errorf("%s = %v", pool, v)
		}

		// The job goes dead, a clock breaches: the gauges follow.
		e.runJobs()
		if _, err := e.app.DB.W.Exec(e.app.DB.Dialect.Rebind("UPDATE complaint_clocks SET clocks = REPLACE(clocks, ',r,', ',b,')")); err != nil {
			t.Fatal(err)
		}
		_, body = e.scrape(testMetricsToken)
		if v := metric(body, `kesu_jobs{kind="test.unknown",status="dead"}`); v != 1 {
			t.Errorf("dead job %v, want 1", v)
		}
		if v := metric(body, `kesu_jobs{kind="test.unknown",status="pending"}`); v != -1 {
			t.Errorf("pending job still counted: %v", v)
		}
		if v := metric(body, `kesu_sla_clocks{state="breached"}`); v != running {
			t.Errorf("breached clocks %v, want %v", v, running)
		}
		if v := metric(body, `kesu_sla_clocks{state="running"}`); v != 0 {
			t.Errorf("running clocks %v, want 0", v)
		}
	})
}

// Without a token (and with metrics on another address) the main
// listener does not serve /metrics.
func TestMetricsOffWithoutToken(t *testing.T) {
	e := newEnv(t, "")
	if code, _ := e.scrape(""); code == http.StatusOK {
		t.Fatalf("/metrics served without a metrics token")
	}
	e = newEnvWith(t, "", func(c *app.Config) { c.MetricsToken, c.MetricsAddr = testMetricsToken, "127.0.0.1:1" })
	if code, _ := e.scrape(testMetricsToken); code == http.StatusOK {
		t.Fatalf("/metrics served on the main address with metrics-addr set")
	}
}
