package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/benchdata"
	"kesu/internal/casework"
	"kesu/internal/org"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/workflow"
)

// The case benchmarks (issue 5, Speed) run on 100,000 stored complaints
// generated once by benchdata into $TMPDIR/kesu-bench-case-100k.db and, when
// KESU_TEST_POSTGRES_URL is set, the schema kesu_bench_case_100k. A few
// thousand of them are then given holders and backups (a third of those
// closed), so that "my work" reads realistic lists. Delete the file or drop
// the schema to regenerate.
//
//	go test ./internal/bench -run XXX -bench 'Transition|MyWork' -benchtime 2000x -timeout 60m

const (
	caseN    = 100_000
	caseSeed = 20261125
	// assignEvery gives every assignEvery-th complaint a holder: 4,000.
	assignEvery = 25
)

type caseEngine struct {
	name    string
	db      *sqlstore.DB
	svc     *casework.Service
	actors  []casework.Actor // handlers and QA engineers holding cases
	err     error
	working []int64 // open cases held by actors[0], cycled by BenchmarkTransition
}

var (
	caseEnginesOnce sync.Once
	caseEngines     []*caseEngine
)

func openCaseEngines(b *testing.B) []*caseEngine {
	caseEnginesOnce.Do(func() {
		caseEngines = append(caseEngines, prepareCase(openCaseSQLite()))
		if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
			caseEngines = append(caseEngines, prepareCase(openCasePostgres(u)))
		}
	})
	for _, e := range caseEngines {
		if e.err != nil {
			b.Fatalf("%s: %v", e.name, e.err)
		}
	}
	return caseEngines
}

var benchLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// fillCases generates caseN complaints into db unless it holds them, then
// assigns holders.
func fillCases(ctx context.Context, name string, db *sqlstore.DB) error {
	var have int
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaints`).Scan(&have); err != nil || have >= caseN {
		return err
	}
	if have > 0 {
		return fmt.Errorf("%s holds %d complaints, not %d: delete it to regenerate", name, have, caseN)
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "generating %d complaints into %s…\n", caseN, name)
	if err := benchdata.Generate(ctx, db, caseN, caseSeed, benchdata.Options{}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generated in %v\n", time.Since(start).Round(time.Second))
	return assignHolders(ctx, db)
}

// assignHolders gives every assignEvery-th complaint a holder and a backup
// among the handlers and QA engineers, and closes a third of those.
func assignHolders(ctx context.Context, db *sqlstore.DB) error {
	users, err := staff(ctx, db)
	if err != nil {
		return err
	}
	if len(users) < 2 {
		return fmt.Errorf("need two handlers, have %d", len(users))
	}
	for i, u := range users {
		backup := users[(i+1)%len(users)]
		q := db.Dialect.Rebind(`UPDATE complaints SET holder_id = ?, backup_id = ?, status = 'accepted' WHERE id % ? = 0 AND (id / ?) % ? = ?`)
		if _, err := db.W.ExecContext(ctx, q, u.ID, backup.ID, assignEvery, assignEvery, len(users), i); err != nil {
			return fmt.Errorf("assign: %w", err)
		}
	}
	_, err = db.W.ExecContext(ctx, `UPDATE complaints SET status = 'closed' WHERE holder_id IS NOT NULL AND id % 3 = 0`)
	return err
}

func staff(ctx context.Context, db *sqlstore.DB) ([]*org.User, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, username, role FROM users WHERE role IN ('handler', 'qa_engineer') AND NOT disabled ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*org.User
	for rows.Next() {
		u := &org.User{}
		if err := rows.Scan(&u.ID, &u.Username, &u.Role); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func openCaseSQLite() *caseEngine {
	e := &caseEngine{name: "sqlite"}
	e.db, e.err = openCachedSQLite(context.Background(), "kesu-bench-case-100k.db", fillCases)
	return e
}

func openCasePostgres(base string) *caseEngine {
	ctx := context.Background()
	e := &caseEngine{name: "postgres"}
	const schema = "kesu_bench_case_100k"
	if e.db, e.err = openKeptSchema(ctx, base, schema); e.err != nil {
		return e
	}
	if e.err = fillCases(ctx, "schema "+schema, e.db); e.err == nil {
		_, e.err = e.db.W.ExecContext(ctx, `ANALYZE`)
	}
	return e
}

// prepareCase builds the service and picks the first holder's open cases.
func prepareCase(e *caseEngine) *caseEngine {
	if e.err != nil {
		return e
	}
	ctx := context.Background()
	e.svc, e.err = casework.NewService(e.db.Cases(), workflow.ProfileManufacturer, time.Now)
	if e.err != nil {
		return e
	}
	users, err := staff(ctx, e.db)
	if err != nil {
		e.err = err
		return e
	}
	for _, u := range users {
		e.actors = append(e.actors, casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username}})
	}
	if len(e.actors) == 0 {
		e.err = fmt.Errorf("no handlers")
		return e
	}
	items, err := e.db.Cases().MyWork(ctx, e.actors[0].User.ID, e.svc.Definition(&casework.Record{Profile: workflow.ProfileManufacturer}).OpenStates(), nil, 200)
	if err != nil {
		e.err = err
		return e
	}
	for _, it := range items {
		if !it.AsBackup {
			e.working = append(e.working, it.ComplaintID)
		}
	}
	if len(e.working) < 10 {
		e.err = fmt.Errorf("holder %d has %d open cases", e.actors[0].User.ID, len(e.working))
	}
	return e
}

// report records the median and 95th percentile of times.
func report(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*95/100]), "p95-ms")
}

// BenchmarkTransition times one workflow action through casework.Service.Do:
// load the case, check the rules, write the case, its timeline entry and
// its audit entry. Each pair of iterations puts one of the holder's cases
// on hold (wait_on_customer, with a reminder date) and resumes it, cycling
// over the holder's open cases so the data set stays as it was.
func BenchmarkTransition(b *testing.B) {
	for _, e := range openCaseEngines(b) {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			actor := e.actors[0]
			reminder := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
			// A Load outside the timer picks the action; Do (which loads again) is timed.
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				id := e.working[(i/2)%len(e.working)]
				b.StopTimer()
				r, err := e.svc.Load(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				action, in := "wait_on_customer", workflow.Input{"reminder_date": reminder, "reason": "等待客户寄回样品"}
				if r.Status == "waiting_on_customer" {
					action, in = "resume", nil
				}
				b.StartTimer()
				start := time.Now()
				_, err = e.svc.Do(ctx, id, r.Version, action, in, actor)
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatalf("%s on %d: %v", action, id, err)
				}
			}
			b.StopTimer()
			report(b, times)
		})
	}
}

// BenchmarkMyWork times the "my work" list (held and backed-up open cases,
// oldest change first, 50 rows) of the holders in turn.
func BenchmarkMyWork(b *testing.B) {
	for _, e := range openCaseEngines(b) {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			open := e.svc.Definition(&casework.Record{Profile: workflow.ProfileManufacturer}).OpenStates()
			rows := 0
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				u := e.actors[i%len(e.actors)].User.ID
				start := time.Now()
				items, err := e.db.Cases().MyWork(ctx, u, open, nil, 50)
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				rows += len(items)
			}
			b.StopTimer()
			report(b, times)
			b.ReportMetric(float64(rows)/float64(b.N), "rows")
		})
	}
}
