package intakeload

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// TestRun runs the whole benchmark small — 2 clients for 2 s after a short
// warm-up, on SQLite and, with KESU_TEST_POSTGRES_URL, on PostgreSQL — and
// checks its own invariants: every acknowledged complaint is stored and
// becomes fully registered, each letter due is sent once, and the figures
// agree with each other.
func TestRun(t *testing.T) {
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
			floor := 500 * time.Millisecond
			if _, err := exec.LookPath("pgbench"); err != nil && e.name == enginePostgres {
				t.Log("no pgbench: the PostgreSQL floor is left out")
				floor = 0
			}
			var progress bytes.Buffer
			rs, err := Run(ctx, Config{Engine: e.name, PostgresURL: e.url, Clients: []int{2}, Duration: 2 * time.Second,
				Warmup: 300 * time.Millisecond, Floor: floor, DrainTimeout: time.Minute, Kesu: bin,
				Seed: 7, Progress: &progress})
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if len(rs) != 1 {
				t.Fatalf("%d results for one client count", len(rs))
			}
			r := rs[0]
			var table bytes.Buffer
			WriteTable(&table, rs)
			t.Log("\n" + table.String())
			switch {
			case r.Acknowledged == 0 || r.Errors > 0:
				t.Fatalf("%d acknowledged, %d errors %v", r.Acknowledged, r.Errors, r.ErrorKinds)
			case r.Stored != r.Acknowledged:
				t.Fatalf("%d complaints stored for %d acknowledged", r.Stored, r.Acknowledged)
			case !r.Drained || r.Registered != r.Stored:
				t.Fatalf("%d of %d complaints fully registered (drained %v)", r.Registered, r.Stored, r.Drained)
			case r.Complaints <= int64(r.Stored):
				t.Fatalf("%d complaints in the database, %d of the load: the warm-up's are missing", r.Complaints, r.Stored)
			case r.LettersDue == 0 || r.LettersDone != r.LettersDue || r.LettersReceived != int64(r.LettersDue) || r.DeadJobs > 0:
				t.Fatalf("letters: %d due, %d done, %d received; %d dead jobs", r.LettersDue, r.LettersDone, r.LettersReceived, r.DeadJobs)
			case r.RegisteredSeconds < r.Seconds*0.9 || r.RegisteredRate <= 0 || r.DrainSeconds < 0:
				t.Fatalf("fully registered over %.2f s of a %.2f s load (%.0f/s, drain %.2f s)", r.RegisteredSeconds, r.Seconds, r.RegisteredRate, r.DrainSeconds)
			case r.LagP50Ms < 0 || r.LagP99Ms < r.LagP50Ms || r.P99Ms < r.P50Ms || r.P50Ms <= 0:
				t.Fatalf("percentiles out of order: latency %.1f/%.1f ms, lag %.1f/%.1f ms", r.P50Ms, r.P99Ms, r.LagP50Ms, r.LagP99Ms)
			case r.TextPerComplaint <= 0 || r.BytesWithoutText <= 0 || r.DatabaseBytes <= 0:
				t.Fatalf("storage: %d bytes, %.0f per complaint of which text %.0f", r.DatabaseBytes, r.BytesPerComplaint, r.TextPerComplaint)
			case r.ServerPeakRSSMB <= 0 || r.ServerCPUSeconds <= 0:
				t.Fatalf("server RSS %.0f MB, CPU %.1f s", r.ServerPeakRSSMB, r.ServerCPUSeconds)
			case floor > 0 && (r.Floor.Rate <= 0 || r.RegisteredOfFloor <= 0):
				t.Fatalf("floor %+v", r.Floor)
			}
		})
	}
}

// TestRegistrationState checks the definition of "fully registered"
// against the worker run by hand: a complaint waiting for its letter is
// not, one without a letter is from its commit, and all are once the
// letters are sent.
func TestRegistrationState(t *testing.T) {
	ctx := context.Background()
	sink, err := startMailSink()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.AdminPassword = "load-admin-pass"
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS, cfg.SMTPFrom = sink.Host, sink.Port, "none", "kefu@example.com"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	obs, err := openObserver(ctx, engineSQLite, cfg.SQLiteFile())
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	start := time.Now()
	for _, email := range []string{"", "wang.fang@example.com"} {
		c := &complaint.Complaint{Channel: "phone", Subject: "净水器漏水", Description: "安装三天后底部漏水，地板被泡。",
			Category: "quality.leak", Severity: "major", Complainant: complaint.Complainant{Name: "王芳", Phone: "138-0013-8000", Email: email}}
		if _, err := a.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, registered, letters int, due bool) {
		t.Helper()
		st, err := obs.registration(ctx, 0, start)
		if err != nil {
			t.Fatal(err)
		}
		n, err := obs.dueRegistration(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st.Complaints != 2 || st.Registered != registered || st.LettersDue != 1 || st.LettersDone != letters || (n > 0) != due {
			t.Fatalf("%s: %+v, %d registration jobs due; want %d registered, %d letters done, jobs due %v", step, st, n, registered, letters, due)
		}
		if len(st.Lags) != registered || (registered > 0) != !st.LastFinish.IsZero() {
			t.Fatalf("%s: %d lags, last finish %v for %d registered", step, len(st.Lags), st.LastFinish, registered)
		}
	}
	// The registration transaction started the clocks and enqueued the
	// letter job: the complaint without an address is registered at once,
	// the other when its letter is sent.
	check("after intake", 1, 0, true)
	if _, err := a.Worker.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the letter", 2, 1, false)
	if got := sink.Received(); got != 1 {
		t.Fatalf("the sink received %d letters, want 1", got)
	}
}
