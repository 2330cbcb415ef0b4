package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kesu/internal/storage/sqlstore"
)

// registerMetrics adds kesu's own metrics beside the HTTP ones: the Go
// runtime and process, the database pools, intake batch sizes and the
// job and time-limit gauges read from the database at each scrape.
func registerMetrics(reg *prometheus.Registry, db *sqlstore.DB) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// One pool on PostgreSQL; a writer connection and a reader pool on
	// SQLite.
	if db.R == db.W {
		reg.MustRegister(collectors.NewDBStatsCollector(db.W, "kesu"))
	} else {
		reg.MustRegister(collectors.NewDBStatsCollector(db.W, "kesu_write"), collectors.NewDBStatsCollector(db.R, "kesu_read"))
	}
	batch := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kesu_intake_batch_size",
		Help:    "Complaints written per intake transaction (group commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
	})
	reg.MustRegister(batch, &storeGauges{db: db})
	db.IntakeBatch = func(n int) { batch.Observe(float64(n)) }
}

var (
	jobsDesc = prometheus.NewDesc("kesu_jobs", "Jobs not done, by kind and status (pending, running, dead).",
		[]string{"kind", "status"}, nil)
	clocksDesc = prometheus.NewDesc("kesu_sla_clocks", "Time-limit clocks of open cases by state (running, paused, breached).",
		[]string{"state"}, nil)
	scrapeErrDesc = prometheus.NewDesc("kesu_metrics_store_errors", "1 when the last scrape could not read the job or clock counts.",
		nil, nil)
)

// storeGauges reads the job and clock counts when scraped.
type storeGauges struct{ db *sqlstore.DB }

func (g *storeGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- clocksDesc
	ch <- scrapeErrDesc
}

func (g *storeGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	jobs, err := g.db.JobCounts(ctx)
	if err != nil {
		failed = 1
	}
	for _, c := range jobs {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(c.N), c.Kind, c.Status)
	}
	clocks, err := g.db.ClockCounts(ctx)
	if err != nil {
		failed = 1
	} else {
		// Every state is reported, zero included, so a breach count that
		// falls back to zero is seen.
		for _, s := range []string{"running", "paused", "breached"} {
			ch <- prometheus.MustNewConstMetric(clocksDesc, prometheus.GaugeValue, float64(clocks[s]), s)
		}
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed)
}
