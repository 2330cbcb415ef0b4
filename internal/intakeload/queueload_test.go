package intakeload

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestRunQueue runs the queue scenario small — 3 branches of 4 counters,
// 40 tickets/s and a max run of 2 s each, 5 watchers — on SQLite and, with
// KESU_TEST_POSTGRES_URL, on PostgreSQL, and checks its own invariants:
// every ticket issued is stored, every call got a ticket nobody else got
// and the server counts the same calls, no call found the line empty, every
// called ticket was served and finished, the rest still wait, and the
// figures agree with each other.
func TestRunQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts kesu")
	}
	engines := []struct{ name, url string }{{engineSQLite, ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{enginePostgres, u})
	}
	ctx := context.Background()
	bin, err := Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			floor := 300 * time.Millisecond
			if _, err := exec.LookPath("pgbench"); err != nil && e.name == enginePostgres {
				t.Log("no pgbench: the PostgreSQL floor is left out")
				floor = 0
			}
			var progress bytes.Buffer
			rs, err := RunQueue(ctx, QueueConfig{Engine: e.name, PostgresURL: e.url, Kesu: bin, Rates: []float64{40, 0}, Issuers: 2,
				Duration: 2 * time.Second, Warmup: time.Second, Branches: 3, Counters: 4, History: 50, Handle: 500 * time.Millisecond,
				Idle: 50 * time.Millisecond, Watchers: 5, Floor: floor, Seed: 7, Progress: &progress})
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if len(rs) != 2 {
				t.Fatalf("%d results for two rates", len(rs))
			}
			var table bytes.Buffer
			WriteQueueTable(&table, rs)
			t.Log("\n" + table.String())
			for _, r := range rs {
				switch {
				case r.Issued == 0 || r.IssueErrors+r.CallErrors+r.ActErrors > 0 || r.Dropped > 0:
					t.Fatalf("%s: %d issued, errors %v, %d dropped", r.Mode, r.Issued, r.ErrorKinds, r.Dropped)
				case r.WarmupIssued == 0 || r.WarmupCalls == 0 || r.WarmupErrors > 0:
					t.Fatalf("%s: warm-up %d issued, %d called, %d errors", r.Mode, r.WarmupIssued, r.WarmupCalls, r.WarmupErrors)
				case r.ServerTickets != r.Issued+r.WarmupIssued:
					t.Fatalf("%s: %d tickets on the server for %d issued and %d in the warm-up", r.Mode, r.ServerTickets, r.Issued, r.WarmupIssued)
				case r.Calls == 0 || r.DuplicateCalls > 0 || r.DistinctCalled != r.Calls || r.ServerCalled != r.Calls+r.WarmupCalls:
					t.Fatalf("%s: %d calls, %d distinct tickets, %d twice, %d called on the server",
						r.Mode, r.Calls, r.DistinctCalled, r.DuplicateCalls, r.ServerCalled)
				case r.EmptyCalls > 0:
					// A clerk calls only for a ticket the server has
					// answered and no other clerk went for.
					t.Fatalf("%s: %d calls found nobody waiting", r.Mode, r.EmptyCalls)
				case r.Finished != r.Calls || r.ServerWaiting != r.Issued+r.WarmupIssued-r.Calls-r.WarmupCalls:
					t.Fatalf("%s: %d calls, %d finished; %d waiting on the server for %d issued", r.Mode, r.Calls, r.Finished, r.ServerWaiting, r.Issued)
				case r.IssueP50Ms <= 0 || r.IssueP99Ms < r.IssueP50Ms || r.IssueMaxMs < r.IssueP99Ms ||
					r.CallP50Ms <= 0 || r.CallP99Ms < r.CallP50Ms || r.CallMaxMs < r.CallP99Ms:
					t.Fatalf("%s: percentiles out of order: issue %.1f/%.1f/%.1f ms, call %.1f/%.1f/%.1f ms", r.Mode,
						r.IssueP50Ms, r.IssueP99Ms, r.IssueMaxMs, r.CallP50Ms, r.CallP99Ms, r.CallMaxMs)
				case r.IssueRate <= 0 || r.CallRate <= 0 || r.Calls > r.Issued+r.WarmupIssued-r.WarmupCalls:
					// The load calls its own tickets and those the warm-up
					// left waiting, no more.
					t.Fatalf("%s: %.1f issued/s, %.1f called/s; %d calls for %d issued and %d left by the warm-up", r.Mode,
						r.IssueRate, r.CallRate, r.Calls, r.Issued, r.WarmupIssued-r.WarmupCalls)
				case r.Watchers != 5 || r.WatcherDropped > 0 || r.WatchedCalls == 0 || r.FanoutMissed >= r.WatchedCalls:
					t.Fatalf("%s: %d watchers (%d ended), %d watched calls, %d not shown", r.Mode, r.Watchers, r.WatcherDropped, r.WatchedCalls, r.FanoutMissed)
				case r.FanoutMaxMs < r.FanoutP50Ms || r.FanoutMaxMs > 10_000:
					t.Fatalf("%s: fan-out p50 %.1f ms, max %.1f ms", r.Mode, r.FanoutP50Ms, r.FanoutMaxMs)
				case r.ServerIssue == nil || r.ServerCall == nil ||
					r.ServerIssue.N != uint64(r.Issued+r.IssueErrors) || r.ServerCall.N < uint64(r.Calls) ||
					r.ServerIssue.P50Ms <= 0 || r.ServerIssue.P99Ms < r.ServerIssue.P50Ms || r.ServerIssue.Within5ms <= 0 || r.ServerIssue.Within5ms > 1:
					// The server counts every issue request of the load and
					// every call (a call that found nobody too).
					t.Fatalf("%s: in the server issue %+v, call %+v for %d issued, %d calls", r.Mode, r.ServerIssue, r.ServerCall, r.Issued, r.Calls)
				case r.IssueIn5ms > r.ServerIssue.Within5ms:
					// A request the client saw answered within 5 ms took
					// no longer in the server.
					t.Fatalf("%s: %.3f of issues within 5 ms at the client, %.3f in the server", r.Mode, r.IssueIn5ms, r.ServerIssue.Within5ms)
				case r.ServerPeakRSSMB <= 0 || r.ServerCPUSeconds <= 0:
					t.Fatalf("%s: server RSS %.0f MB, CPU %.1f s", r.Mode, r.ServerPeakRSSMB, r.ServerCPUSeconds)
				case floor > 0 && (r.Floor.Rate <= 0 || r.IssueOfFloor <= 0):
					t.Fatalf("%s: floor %+v", r.Mode, r.Floor)
				case floor > 0 && (r.Rate > 0) != (r.FloorAtRate != nil):
					t.Fatalf("%s: floor at the rate %+v", r.Mode, r.FloorAtRate)
				}
				// A rate run's server commits for every issue, call, serve
				// and finish; the floor at that rate comes with it.
				if want := float64(r.Issued+r.Calls+2*r.Finished) / r.Seconds; r.Rate > 0 && floor > 0 &&
					(math.Abs(r.CommitRate-want) > 0.5*float64(r.Calls)/r.Seconds || r.FloorAtCommits == nil || r.FloorAtCommits.Rate != math.Round(r.CommitRate)) {
					t.Errorf("%s: %.1f commits/s for about %.1f, floor at it %+v", r.Mode, r.CommitRate, want, r.FloorAtCommits)
				}
				// The paced floor: about 40/s × 0.3 s transactions, timed.
				if f := r.FloorAtRate; f != nil && (f.Rate != r.Rate || f.N < 2 || f.N > 60 || f.P50Ms <= 0 || f.P99Ms < f.P50Ms || f.MaxMs < f.P99Ms) {
					t.Errorf("%s: floor at the rate %+v", r.Mode, *f)
				}
			}
			// The rate run sends Poisson arrivals at 40/s: about 80 in 2 s.
			if r := rs[0]; r.Issued < 40 || r.Issued > 130 {
				t.Errorf("40/s for %.1f s issued %d tickets", r.Seconds, r.Issued)
			}
			if rs[1].Mode != "max" || rs[1].Issuers != 2 || rs[1].HandleMs != 0 {
				t.Errorf("max run: %+v", rs[1])
			}
		})
	}
}

func TestCallingNumbers(t *testing.T) {
	data := []byte(`{"branch_id":1,"types":[{"prefix":"A","number":"X"}],"calling":[{"number":"A012","counter":"1号窗口"},{"number":"B003","counter":"2号窗口"}],"version":9}`)
	if got := callingNumbers(data); !slices.Equal(got, []string{"A012", "B003"}) {
		t.Errorf("calling numbers %v", got)
	}
	if got := callingNumbers([]byte(`{"calling":[],"version":3}`)); len(got) != 0 {
		t.Errorf("empty calling list gave %v", got)
	}
}
