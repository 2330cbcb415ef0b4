// Package intakeload measures complaint registration end to end, as kesu
// is deployed: it starts "kesu serve" as a child process on a fresh
// database with its workers running and its SMTP pointed at a sink in this
// process, registers complaints through POST /api/v1/complaints from
// concurrent clients in this process, waits until the registration work
// left to the worker (time-limit clocks, batch rule, acknowledgement
// letters) is done, and measures the database's one-row insert floor in
// the same run. cmd/kesu-load is its command line; docs/benchmarks.md
// records the figures.
package intakeload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The engines a run can use.
const (
	engineSQLite   = "sqlite"
	enginePostgres = "postgres"
)

// Config says what to measure.
type Config struct {
	Engine      string // "sqlite" or "postgres"
	PostgresURL string // a PostgreSQL database; each run creates a schema in it and drops it after
	Clients     []int  // one run, on a fresh database, per client count
	Duration    time.Duration
	// Warmup is a load before the measured one whose complaints are
	// registered completely before the measurement starts.
	Warmup time.Duration
	// Floor is the length of the floor measurement; 0 leaves it out.
	Floor time.Duration
	// DrainTimeout bounds the wait for the registration work after the
	// load.
	DrainTimeout time.Duration
	Kesu         string // kesu binary; built from the current module when empty
	Seed         uint64 // of the complaints' texts
	Progress     io.Writer
	// CPUProfile, when set, names the files the server's CPU profile of
	// each measured load is written to: CPUProfile-<engine>-<clients>.pprof.
	CPUProfile string
}

// Result is one run: an engine at one client count.
type Result struct {
	Engine  string  `json:"engine"`
	Clients int     `json:"clients"`
	Seconds float64 `json:"load_seconds"` // first request to last answer of the measured load
	Mix     Mix     `json:"mix"`

	Acknowledged     int            `json:"acknowledged"` // HTTP 201 answers during the load
	AcknowledgedRate float64        `json:"acknowledged_per_s"`
	Errors           int            `json:"errors"`
	ErrorKinds       map[string]int `json:"error_kinds,omitempty"`
	P50Ms            float64        `json:"p50_ms"`
	P99Ms            float64        `json:"p99_ms"`

	// Stored are the complaints the load left in the database; equal to
	// Acknowledged when nothing failed.
	Stored            int     `json:"stored"`
	Registered        int     `json:"fully_registered"`
	RegisteredSeconds float64 `json:"fully_registered_seconds"` // load start → last one finished
	RegisteredRate    float64 `json:"fully_registered_per_s"`
	LagP50Ms          float64 `json:"registration_lag_p50_ms"` // commit → registration work done, per complaint
	LagP99Ms          float64 `json:"registration_lag_p99_ms"`

	BacklogJobs       int     `json:"backlog_jobs"`       // due jobs not done at the end of the load
	BacklogComplaints int     `json:"backlog_complaints"` // complaints not fully registered then
	DrainSeconds      float64 `json:"drain_seconds"`      // load end → last one finished
	// JobsDrainSeconds and LettersDrainSeconds are how long after the load
	// the last registration job and the last letter finished.
	JobsDrainSeconds    float64 `json:"registration_jobs_drain_seconds"`
	LettersDrainSeconds float64 `json:"letters_drain_seconds"`
	Drained             bool    `json:"drained"` // every complaint fully registered in time

	LettersDue      int   `json:"letters_due"` // whole run, warm-up included
	LettersDone     int   `json:"letters_done"`
	LettersReceived int64 `json:"letters_received"` // by the SMTP sink
	StaffMails      int64 `json:"staff_mails"`      // notices mailed to staff (safety pages, time limits), by the sink
	DeadJobs        int   `json:"dead_jobs"`

	Complaints        int64       `json:"complaints"`     // in the database, warm-up included
	DatabaseBytes     int64       `json:"database_bytes"` // growth from before the warm-up
	BytesPerComplaint float64     `json:"bytes_per_complaint"`
	TextPerComplaint  float64     `json:"text_bytes_per_complaint"` // subject + description
	BytesWithoutText  float64     `json:"bytes_per_complaint_without_text"`
	Tables            []TableSize `json:"largest_tables"`
	JobRows           int         `json:"job_rows"`
	ScheduledJobs     int         `json:"scheduled_jobs"` // pending with a later run time (timers)

	ServerPeakRSSMB  float64 `json:"server_peak_rss_mb"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"` // load and drain
	ClientCPUSeconds float64 `json:"client_cpu_seconds"` // this process, load and drain
	MachineBusy      float64 `json:"machine_busy"`       // share of all cores busy, load and drain

	Floor               Floor   `json:"floor"`
	RegisteredOfFloor   float64 `json:"fully_registered_of_floor"`
	AcknowledgedOfFloor float64 `json:"acknowledged_of_floor"`

	Notes []string `json:"notes,omitempty"`
}

// Run measures each client count of cfg on a fresh database and returns
// the results in order.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Engine != engineSQLite && cfg.Engine != enginePostgres {
		return nil, fmt.Errorf("engine %q: want sqlite or postgres", cfg.Engine)
	}
	if cfg.Engine == enginePostgres && cfg.PostgresURL == "" {
		return nil, errors.New("postgres needs a database URL")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Minute
	}
	bin, done, err := kesuBinary(ctx, cfg.Kesu, cfg.Progress)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []Result
	for _, n := range cfg.Clients {
		r, err := runOne(ctx, cfg, bin, n)
		if err != nil {
			return out, fmt.Errorf("%s, %d clients: %w", cfg.Engine, n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runOne is one run on a fresh database. Everything it starts or creates
// is stopped and removed when it returns, whatever happened.
func runOne(ctx context.Context, cfg Config, bin string, clients int) (res Result, err error) {
	res = Result{Engine: cfg.Engine, Clients: clients}
	say := func(format string, a ...any) {
		fmt.Fprintf(cfg.Progress, "%s, %d clients: %s\n", cfg.Engine, clients, fmt.Sprintf(format, a...))
	}
	dir, err := os.MkdirTemp("", "kesu-load-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	t, err := newTarget(ctx, cfg.Engine, cfg.PostgresURL, dir)
	if err != nil {
		return res, err
	}
	defer func() {
		if derr := t.drop(); derr != nil && err == nil {
			err = fmt.Errorf("drop schema %s: %w", t.schema, derr)
		}
	}()

	say("creating registers")
	refs, err := t.registers(ctx, cfg.Seed)
	if err != nil {
		return res, fmt.Errorf("registers: %w", err)
	}
	env := childEnv("KESU_ADMIN_PASSWORD=" + randomHex(12))
	if _, err := cli(ctx, bin, env, append([]string{"user", "add", "--username", "load.api", "--name", "接口压测",
		"--role", "agent", "--department", "cs", "--password", randomHex(12)}, t.args()...)...); err != nil {
		return res, err
	}
	tok, err := cli(ctx, bin, env, append([]string{"token", "create", "--user", "load.api", "--name", "load"}, t.args()...)...)
	if err != nil {
		return res, err
	}
	token := strings.TrimSpace(tok)

	sink, err := startMailSink()
	if err != nil {
		return res, err
	}
	defer sink.Close()
	var debug []string
	if cfg.CPUProfile != "" {
		addr, err := freeAddr()
		if err != nil {
			return res, err
		}
		debug = []string{"--debug-addr", addr}
	}
	srv, err := startServer(ctx, bin, env, filepath.Join(dir, "server.log"), append(append(t.args(), debug...),
		"--addr", "127.0.0.1:0", "--smtp-host", sink.Host, "--smtp-port", strconv.Itoa(sink.Port),
		"--smtp-tls", "none", "--smtp-from", "kefu@example.com", "--company", "华东净水科技有限公司")...)
	if err != nil {
		return res, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	obs, err := openObserver(ctx, cfg.Engine, t.observed())
	if err != nil {
		return res, err
	}
	defer obs.Close()

	bodies, mix, err := composeBodies(refs, 2048, cfg.Seed)
	if err != nil {
		return res, err
	}
	res.Mix = mix
	size0, _, err := obs.storage(ctx)
	if err != nil {
		return res, err
	}
	d := newDriver(srv.Base, token, bodies, clients, "load-"+randomHex(4)+"-")

	if cfg.Warmup > 0 {
		say("warm-up %v", cfg.Warmup)
		w := d.run(ctx, clients, cfg.Warmup)
		if w.Created == 0 {
			return res, fmt.Errorf("warm-up registered nothing: %v", w.ErrorKinds)
		}
		if _, ok, err := waitRegistered(ctx, obs, srv, 0, time.Time{}, cfg.DrainTimeout); err != nil || !ok {
			return res, fmt.Errorf("warm-up not registered within %v (%v)", cfg.DrainTimeout, err)
		}
	}
	base, err := obs.maxComplaintID(ctx)
	if err != nil {
		return res, err
	}

	say("load %v", cfg.Duration)
	cpu0, self0 := procCPU(srv.Pid), selfCPU()
	busy0, total0 := machineCPU()
	var profiled chan error
	if cfg.CPUProfile != "" {
		profiled = make(chan error, 1)
		file := fmt.Sprintf("%s-%s-%d.pprof", cfg.CPUProfile, cfg.Engine, clients)
		go func() { profiled <- cpuProfile(ctx, debug[1], cfg.Duration, file) }()
	}
	l := d.run(ctx, clients, cfg.Duration)
	if profiled != nil {
		if err := <-profiled; err != nil {
			return res, err
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.Seconds = l.End.Sub(l.Start).Seconds()
	res.Acknowledged, res.Errors, res.ErrorKinds = l.Created, l.Errors, l.ErrorKinds
	res.AcknowledgedRate = float64(l.Created) / res.Seconds
	res.P50Ms, res.P99Ms = ms(percentile(l.Latencies, 50)), ms(percentile(l.Latencies, 99))

	// The backlog as the load ends.
	jc, err := obs.jobs(ctx, time.Now())
	if err != nil {
		return res, err
	}
	at, err := obs.registration(ctx, base, time.Time{})
	if err != nil {
		return res, err
	}
	res.BacklogJobs, res.BacklogComplaints = jc.DueTotal(), at.Complaints-at.Registered
	say("%d acknowledged (%.0f/s); at the end %d jobs due, %d complaints not fully registered; waiting",
		l.Created, res.AcknowledgedRate, res.BacklogJobs, res.BacklogComplaints)

	st, drained, err := waitRegistered(ctx, obs, srv, base, l.Start, cfg.DrainTimeout)
	if err != nil {
		return res, err
	}
	busy1, total1 := machineCPU()
	res.ServerCPUSeconds = (procCPU(srv.Pid) - cpu0).Seconds()
	res.ClientCPUSeconds = (selfCPU() - self0).Seconds()
	if total1 > total0 {
		res.MachineBusy = float64(busy1-busy0) / float64(total1-total0)
	}
	res.Drained, res.Stored, res.Registered = drained, st.Complaints, st.Registered
	if !st.LastFinish.IsZero() {
		res.RegisteredSeconds = st.LastFinish.Sub(l.Start).Seconds()
		res.RegisteredRate = float64(st.Registered) / res.RegisteredSeconds
		res.DrainSeconds = max(0, st.LastFinish.Sub(l.End).Seconds())
	}
	if !st.LastJob.IsZero() {
		res.JobsDrainSeconds = max(0, st.LastJob.Sub(l.End).Seconds())
	}
	if !st.LastLetter.IsZero() {
		res.LettersDrainSeconds = max(0, st.LastLetter.Sub(l.End).Seconds())
	}
	res.LagP50Ms, res.LagP99Ms = ms(percentile(st.Lags, 50)), ms(percentile(st.Lags, 99))
	if !drained {
		res.Notes = append(res.Notes, fmt.Sprintf("%d of %d complaints not fully registered after %v", st.Complaints-st.Registered, st.Complaints, cfg.DrainTimeout))
	}
	if st.Complaints != l.Created {
		res.Notes = append(res.Notes, fmt.Sprintf("%d complaints stored for %d acknowledged", st.Complaints, l.Created))
	}

	// The whole run, warm-up included: letters and storage.
	all, err := obs.registration(ctx, 0, time.Time{})
	if err != nil {
		return res, err
	}
	res.LettersDue, res.LettersDone, res.DeadJobs = all.LettersDue, all.LettersDone, all.Dead
	res.LettersReceived, res.StaffMails = sink.Received(), sink.Staff()
	if jc, err = obs.jobs(ctx, time.Now()); err != nil {
		return res, err
	}
	res.JobRows, res.ScheduledJobs = jc.Rows, jc.Scheduled
	size1, tables, err := obs.storage(ctx)
	if err != nil {
		return res, err
	}
	n, text, err := obs.textBytes(ctx)
	if err != nil {
		return res, err
	}
	res.Complaints, res.DatabaseBytes, res.Tables = n, size1-size0, tables[:min(8, len(tables))]
	if n > 0 {
		res.BytesPerComplaint = float64(res.DatabaseBytes) / float64(n)
		res.TextPerComplaint = float64(text) / float64(n)
		res.BytesWithoutText = res.BytesPerComplaint - res.TextPerComplaint
	}
	res.ServerPeakRSSMB = float64(procStatusKB(srv.Pid, "VmHWM")) / 1024
	say("fully registered %d (%.0f/s), backlog gone %.1f s after the load", res.Registered, res.RegisteredRate, res.DrainSeconds)

	// The floor, with the server stopped so that the two do not share the
	// machine.
	obs.Close()
	if err := srv.stop(); err != nil {
		return res, err
	}
	if cfg.Floor > 0 {
		say("floor %v", cfg.Floor)
		if cfg.Engine == enginePostgres {
			res.Floor, err = postgresFloor(ctx, cfg.PostgresURL, clients, cfg.Floor, dir)
		} else {
			res.Floor, err = sqliteFloor(ctx, dir, clients, cfg.Floor)
		}
		if err != nil {
			return res, err
		}
		if res.Floor.Rate > 0 {
			res.RegisteredOfFloor = res.RegisteredRate / res.Floor.Rate
			res.AcknowledgedOfFloor = res.AcknowledgedRate / res.Floor.Rate
		}
	}
	return res, nil
}

// waitRegistered waits until every complaint with id > after is fully
// registered, or timeout. It polls the cheap count of due registration
// jobs and reads the complaints only when that is zero; the finish times
// come from the database, so polling does not blur them.
func waitRegistered(ctx context.Context, obs *observer, srv *server, after int64, since time.Time, timeout time.Duration) (registration, bool, error) {
	deadline := time.Now().Add(timeout)
	finishedSince := since
	if finishedSince.IsZero() {
		finishedSince = time.Unix(0, 0)
	}
	var st registration
	for {
		if !srv.alive() {
			return st, false, fmt.Errorf("kesu serve stopped: %s", tail(srv.Log))
		}
		due, err := obs.dueRegistration(ctx, time.Now())
		if err != nil {
			return st, false, err
		}
		if due == 0 {
			if st, err = obs.registration(ctx, after, finishedSince); err != nil {
				return st, false, err
			}
			if st.Registered == st.Complaints {
				return st, true, nil
			}
			if st.Dead > 0 {
				return st, false, nil // failed for good: no point waiting
			}
		}
		if time.Now().After(deadline) {
			if due > 0 {
				if st, err = obs.registration(ctx, after, finishedSince); err != nil {
					return st, false, err
				}
			}
			return st, false, nil
		}
		select {
		case <-ctx.Done():
			return st, false, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
