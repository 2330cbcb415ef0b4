package benchdata_test

import (
	"context"
	"testing"
	"time"

	"kesu/internal/report"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/workflow"
)

// reports returns the report service over db as the server sets it up.
func reports(b *testing.B, db *sqlstore.DB) *report.Service {
	def, err := workflow.LoadProfile(workflow.ProfileManufacturer)
	if err != nil {
		b.Fatal(err)
	}
	pols, err := sla.DefaultPolicies()
	if err != nil {
		b.Fatal(err)
	}
	return &report.Service{Store: db.Reports(), Now: db.Now, Loc: sla.Shanghai(), Labels: report.DefaultLabels(def.StateSet()),
		Policies: pols.Set, OpenStatuses: def.OpenStates()}
}

// lastMonths is the n whole months before the current one.
func lastMonths(n int) report.Query {
	now := time.Now().In(sla.Shanghai())
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	return report.Query{From: to.AddDate(0, -n, 0), To: to}
}

// BenchmarkReports times the statistics table of the last whole month and
// of the twelve before this one, the KPIs by holder of the last month
// (with the month before for comparison) and the live dashboard.
func BenchmarkReports(b *testing.B) {
	for _, e := range openEngines(b) {
		svc := reports(b, e.db)
		month, year := lastMonths(1), lastMonths(12)
		b.Run(e.name+"/stats-month", func(b *testing.B) {
			timed(b, func(ctx context.Context) (int, error) {
				st, err := svc.Statistics(ctx, month)
				return statsRows(st), err
			})
		})
		b.Run(e.name+"/stats-year", func(b *testing.B) {
			timed(b, func(ctx context.Context) (int, error) {
				st, err := svc.Statistics(ctx, year)
				return statsRows(st), err
			})
		})
		b.Run(e.name+"/kpi-holder-month", func(b *testing.B) {
			timed(b, func(ctx context.Context) (int, error) {
				k, err := svc.KPIs(ctx, month, "holder", true)
				if err != nil {
					return 0, err
				}
				return len(k.Rows), nil
			})
		})
		b.Run(e.name+"/dashboard", func(b *testing.B) {
			timed(b, func(ctx context.Context) (int, error) {
				d, err := svc.Dashboard(ctx, nil)
				if err != nil {
					return 0, err
				}
				return d.Open, nil
			})
		})
	}
}

// statsRows is the number of complaints a statistics table covers.
func statsRows(st *report.Stats) int {
	if st == nil {
		return 0
	}
	return st.Total
}
