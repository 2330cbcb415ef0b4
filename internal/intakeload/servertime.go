package intakeload

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The server's own view of a request's time: kesu's request-duration
// histogram (kesu_http_request_duration_seconds, by route), read from its
// /metrics before and after the load. It covers the request inside the
// server, from the outermost middleware to the handler's last write, and
// leaves out the network, the kernel's queues and the load generator:
// set beside the client's figure it says where a tail comes from.

// hist is one route's cumulative histogram: counts[i] requests took at
// most bounds[i] seconds; total is every request (the +Inf bucket).
type hist struct {
	bounds []float64
	counts []uint64
	total  uint64
}

// ServerTime is the server's figures for one route over the load.
type ServerTime struct {
	N     uint64  `json:"n"`
	P50Ms float64 `json:"p50_ms"` // estimated within the bucket, as histogram_quantile does
	P99Ms float64 `json:"p99_ms"`
	// Within5ms is the share answered within 5 ms (a bucket bound: exact).
	Within5ms float64 `json:"within_5ms"`
}

// scrapeHists reads the duration histograms of routes from a /metrics URL.
func scrapeHists(ctx context.Context, url string, routes ...string) (map[string]hist, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	out := map[string]hist{}
	fam := fams["kesu_http_request_duration_seconds"]
	if fam == nil {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		var route string
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				route = l.GetValue()
			}
		}
		if !slices.Contains(routes, route) {
			continue
		}
		h := hist{total: m.GetHistogram().GetSampleCount()}
		for _, b := range m.GetHistogram().GetBucket() {
			if math.IsInf(b.GetUpperBound(), 1) {
				continue
			}
			h.bounds = append(h.bounds, b.GetUpperBound())
			h.counts = append(h.counts, b.GetCumulativeCount())
		}
		out[route] = h
	}
	return out, nil
}

// since is h less an earlier reading of the same histogram.
func (h hist) since(before hist) hist {
	if len(before.counts) != len(h.counts) {
		return h
	}
	d := hist{bounds: h.bounds, counts: make([]uint64, len(h.counts)), total: h.total - before.total}
	for i := range h.counts {
		d.counts[i] = h.counts[i] - before.counts[i]
	}
	return d
}

// quantile estimates the q-quantile in milliseconds by linear
// interpolation inside its bucket; past the last bound it is that bound.
func (h hist) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	rank := q * float64(h.total)
	lo, below := 0.0, uint64(0)
	for i, c := range h.counts {
		if float64(c) >= rank {
			inBucket := float64(c - below)
			if inBucket == 0 {
				return 1000 * h.bounds[i]
			}
			return 1000 * (lo + (h.bounds[i]-lo)*(rank-float64(below))/inBucket)
		}
		lo, below = h.bounds[i], c
	}
	return 1000 * lo
}

// within is the share of requests that took at most sec seconds, when sec
// is a bucket bound (0 otherwise, and with no requests).
func (h hist) within(sec float64) float64 {
	if h.total == 0 {
		return 0
	}
	for i, b := range h.bounds {
		if math.Abs(b-sec) < 1e-9 {
			return float64(h.counts[i]) / float64(h.total)
		}
	}
	return 0
}

func (h hist) serverTime() *ServerTime {
	return &ServerTime{N: h.total, P50Ms: h.quantile(0.5), P99Ms: h.quantile(0.99), Within5ms: h.within(0.005)}
}
