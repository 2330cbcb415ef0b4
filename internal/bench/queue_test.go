package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/org"
	"kesu/internal/queue"
	"kesu/internal/storage/storetest"
)

// The queue benchmarks (issue 14, Speed): 50 branches with 20 counters
// each and three service types; every branch has a finished day of 2,000
// tickets behind it and a line of waiting customers today. Issue and
// call-next run from 8 concurrent clients through queue.Service, as the
// API calls it.
//
//	go test ./internal/bench -run XXX -bench 'Queue' -benchtime 4000x

const (
	queueBranches = 50
	queueCounters = 20
	queueDay      = 2000
)

type queueBranch struct {
	b        *queue.Branch
	types    []int64
	counters []int64
}

// queueFixture sets up the branches in a served application, in the
// customer-service department, and fills yesterday's history. It returns
// them with a clerk of that department who calls at their counters.
func queueFixture(b *testing.B, a *app.App) ([]queueBranch, queue.Actor) {
	b.Helper()
	ctx := context.Background()
	s := a.Queue.Store
	cs, err := a.DB.Cases().DepartmentByCode(ctx, "cs")
	if err != nil {
		b.Fatal(err)
	}
	clerk := &org.User{Username: "bench.clerk", Name: "柜员", Role: org.RoleAgent, DepartmentID: &cs}
	if err := a.DB.Registers().CreateUser(ctx, clerk, "!", audit.System); err != nil {
		b.Fatal(err)
	}
	var out []queueBranch
	for i := range queueBranches {
		names := []string{"A", "B", "C"}
		profiles := make([]string, queueCounters)
		for c := range profiles {
			profiles[c] = []string{"A", "AB", "B", "C", "ABC"}[c%5]
		}
		br, ty, ctrs := storetest.QueueBranch(b, ctx, s, fmt.Sprintf("b%02d", i), queue.Priority, profiles...)
		br.DepartmentID = &cs
		if err := s.SaveBranch(ctx, br, audit.System, nil); err != nil {
			b.Fatal(err)
		}
		qb := queueBranch{b: br}
		for _, n := range names {
			qb.types = append(qb.types, ty[n].ID)
		}
		for _, ctr := range ctrs {
			qb.counters = append(qb.counters, ctr.ID)
		}
		out = append(out, qb)
	}
	// Yesterday: 2,000 finished tickets per branch.
	yesterday := time.Now().In(a.Config.Loc).AddDate(0, 0, -1)
	day := yesterday.Format(time.DateOnly)
	tx, err := a.DB.W.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins := a.DB.Dialect.Rebind(`INSERT INTO queue_tickets (branch_id, type_id, day, number, seq, status, channel, lang, token, issued_at,
		called_at, served_at, finished_at, counter_id, calls) VALUES (?, ?, ?, ?, ?, 'done', 'kiosk', 'zh', 't', ?, ?, ?, ?, ?, 1)`)
	stmt, err := tx.PrepareContext(ctx, ins)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	open := time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 9, 0, 0, 0, a.Config.Loc)
	for _, qb := range out {
		for n := range queueDay {
			at := open.Add(time.Duration(n) * 8 * time.Hour / queueDay)
			called := at.Add(time.Duration(r.IntN(900)) * time.Second)
			fin := called.Add(time.Duration(60+r.IntN(600)) * time.Second)
			typ := qb.types[r.IntN(3)]
			if _, err := stmt.ExecContext(ctx, qb.b.ID, typ, day, fmt.Sprintf("X%04d", n+1), n+1, at.UnixMicro(), called.UnixMicro(),
				called.UnixMicro(), fin.UnixMicro(), qb.counters[r.IntN(queueCounters)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if a.DB.Dialect.Name() == "postgres" {
		a.DB.W.ExecContext(ctx, `ANALYZE`)
	} else {
		a.DB.W.ExecContext(ctx, `PRAGMA optimize; ANALYZE`)
	}
	return out, queue.Actor{User: clerk, Audit: audit.Actor{UserID: clerk.ID, Name: clerk.Username}}
}

func queueEngines() []struct{ name, url string } {
	engines := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{"postgres", u})
	}
	return engines
}

// timed runs n operations from clients goroutines and reports p50, p99
// and max.
func timed(b *testing.B, n, clients int, op func(i int) error) {
	b.Helper()
	times := make([]time.Duration, n)
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	var failed error
	b.ResetTimer()
	for range clients {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= n {
					return
				}
				t0 := time.Now()
				if err := op(k); err != nil {
					next.Lock()
					failed = err
					next.Unlock()
					return
				}
				times[k] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(times[n/2]), "p50-ms")
	b.ReportMetric(ms(times[n*99/100]), "p99-ms")
	b.ReportMetric(ms(times[n-1]), "max-ms")
}

// BenchmarkQueueIssueAndCall issues b.N tickets across the branches, then
// calls b.N tickets from random counters.
func BenchmarkQueueIssueAndCall(b *testing.B) {
	for _, eng := range queueEngines() {
		b.Run(eng.name, func(b *testing.B) {
			a, _, _ := serveApp(b, eng.url)
			brs, clerk := queueFixture(b, a)
			ctx := context.Background()
			for _, clients := range []int{1, 8} {
				b.Run(fmt.Sprintf("issue/clients=%d", clients), func(b *testing.B) {
					timed(b, b.N, clients, func(i int) error {
						qb := brs[i%len(brs)]
						_, err := a.Queue.Issue(ctx, queue.IssueRequest{BranchID: qb.b.ID, TypeID: qb.types[i%3], Channel: "kiosk"})
						return err
					})
				})
				b.Run(fmt.Sprintf("call-next/clients=%d", clients), func(b *testing.B) {
					// Enough waiting for every call: b.N more tickets.
					for i := range b.N + queueBranches*queueCounters {
						qb := brs[i%len(brs)]
						if _, err := a.Queue.Issue(ctx, queue.IssueRequest{BranchID: qb.b.ID, TypeID: qb.types[i%3], Channel: "kiosk"}); err != nil {
							b.Fatal(err)
						}
					}
					timed(b, b.N, clients, func(i int) error {
						qb := brs[i%len(brs)]
						_, err := a.Queue.CallNext(ctx, clerk, qb.counters[(i/len(brs))%queueCounters])
						return err
					})
				})
			}
		})
	}
}

// BenchmarkQueueWatchers holds 1,000 live-page watchers (server-sent
// events) on one branch and times, per call, how long until every watcher
// has the new figures; it reports the slowest watcher's delay and the Go
// heap in use with the watchers connected (server and clients share the
// process, so it is an upper bound for the server).
func BenchmarkQueueWatchers(b *testing.B) {
	const watchers = 1000
	for _, eng := range queueEngines() {
		b.Run(eng.name, func(b *testing.B) {
			a, base, _ := serveApp(b, eng.url)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go a.Queue.Hub.Run(ctx)
			brs, clerk := queueFixture(b, a)
			qb := brs[0]
			for i := range b.N + 10 {
				if _, err := a.Queue.Issue(ctx, queue.IssueRequest{BranchID: qb.b.ID, TypeID: qb.types[i%3], Channel: "kiosk"}); err != nil {
					b.Fatal(err)
				}
			}
			tr := &http.Transport{MaxIdleConnsPerHost: watchers, MaxConnsPerHost: 0}
			client := &http.Client{Transport: tr}
			got := make(chan string, watchers*4)
			var ready sync.WaitGroup
			ready.Add(watchers)
			for range watchers {
				go func() {
					req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/queue/branches/%d/events", base, qb.b.ID), nil)
					res, err := client.Do(req)
					if err != nil {
						ready.Done()
						return
					}
					defer res.Body.Close()
					sc := bufio.NewScanner(res.Body)
					sc.Buffer(make([]byte, 64<<10), 1<<20)
					first := true
					for sc.Scan() {
						if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
							if first {
								first = false
								ready.Done()
								continue
							}
							got <- id
						}
					}
				}()
			}
			ready.Wait()
			if n := a.Queue.Hub.Watchers(); n != watchers {
				b.Fatalf("%d watchers connected, want %d", n, watchers)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap := float64(ms.HeapInuse) / (1 << 20)
			var worst []time.Duration
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if _, err := a.Queue.CallNext(ctx, clerk, qb.counters[i%queueCounters]); err != nil {
					b.Fatal(err)
				}
				for range watchers {
					select {
					case <-got:
					case <-time.After(5 * time.Second):
						b.Fatalf("call %d: a watcher got nothing within 5 s", i)
					}
				}
				worst = append(worst, time.Since(t0))
				// Let the line settle so each call is one event.
				time.Sleep(20 * time.Millisecond)
			}
			b.StopTimer()
			slices.Sort(worst)
			b.ReportMetric(float64(worst[len(worst)/2])/1e6, "all-watchers-p50-ms")
			b.ReportMetric(float64(worst[len(worst)-1])/1e6, "all-watchers-max-ms")
			b.ReportMetric(heap, "heap-MB")
			b.ReportMetric(PeakRSSMB(), "peak-rss-MB")
			cancel()
		})
	}
}
