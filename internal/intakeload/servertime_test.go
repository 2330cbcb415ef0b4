package intakeload

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The server's figures come from its /metrics: a histogram read before
// and after, less the earlier reading, and its quantiles estimated as
// Prometheus does.
func TestServerTimeFromMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kesu_http_request_duration_seconds",
		Buckets: []float64{.001, .002, .005, .01}}, []string{"route"})
	reg.MustRegister(h)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	ctx := context.Background()
	obs := func(route string, d time.Duration, n int) {
		for range n {
			h.WithLabelValues(route).Observe(d.Seconds())
		}
	}
	obs(issueRoute, 20*time.Millisecond, 50) // before the load: not counted
	obs("GET /other", time.Millisecond, 5)
	before, err := scrapeHists(ctx, srv.URL, issueRoute, callRoute)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := before["GET /other"]; ok || before[issueRoute].total != 50 {
		t.Fatalf("before: %+v", before)
	}
	// The load: 60 in (1, 2] ms, 39 in (2, 5] ms, 1 in (5, 10] ms.
	obs(issueRoute, 1500*time.Microsecond, 60)
	obs(issueRoute, 3*time.Millisecond, 39)
	obs(issueRoute, 7*time.Millisecond, 1)
	after, err := scrapeHists(ctx, srv.URL, issueRoute, callRoute)
	if err != nil {
		t.Fatal(err)
	}
	st := after[issueRoute].since(before[issueRoute]).serverTime()
	// p50: rank 50 of 60 in (1, 2] ms → 1 + 50/60 ms. p99: rank 99, the
	// last of the 39 in (2, 5] ms → 5 ms. 99 of 100 within 5 ms.
	if st.N != 100 || math.Abs(st.P50Ms-(1+50.0/60)) > 1e-9 || math.Abs(st.P99Ms-5) > 1e-9 || st.Within5ms != 0.99 {
		t.Fatalf("issue in the server: %+v", *st)
	}
	if c := after[callRoute].since(before[callRoute]).serverTime(); c.N != 0 || c.P99Ms != 0 {
		t.Fatalf("no calls, got %+v", *c)
	}
	bad := httptest.NewServer(http.NotFoundHandler())
	defer bad.Close()
	if _, err := scrapeHists(ctx, bad.URL, issueRoute); err == nil {
		t.Fatal("a 404 from /metrics read as no figures")
	}
}
