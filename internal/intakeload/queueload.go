package intakeload

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kesu/internal/app"
)

// The queue scenario measures the branch queue 叫号 as deployed: "kesu
// serve" as a child process on a fresh database, branches, service types
// and counters set up through the REST API by an administrator's token, a
// finished day of history written straight into the database, then
// customers taking tickets (POST /api/v1/queue/tickets) and counter staff
// calling, serving and finishing them (POST /api/v1/queue/counters/{id}/…)
// from this process, optionally with live-page watchers on one branch's
// event stream. The floor of the same run stands beside it.

// QueueConfig says what the queue scenario measures.
type QueueConfig struct {
	Engine      string // "sqlite" or "postgres"
	PostgresURL string
	Kesu        string // kesu binary; built from the current module when empty
	// Rates are the runs, one on a fresh database each: tickets per second
	// over all branches (Poisson arrivals, sent whatever the answers), or 0
	// for a max-throughput run (Issuers clients taking tickets back to
	// back, counters without handle time).
	Rates    []float64
	Issuers  int // clients of a max-throughput run; also the floor's client count
	Duration time.Duration
	// Warmup is a load of the same kind run before the measured one and
	// not counted: the server's pool opens its connections, PostgreSQL's
	// backends fill their caches, the history's writes settle.
	Warmup   time.Duration
	Branches int
	Counters int // per branch
	// History is the finished tickets per branch written for the day
	// before, so that the tables are not empty when the load starts.
	History int
	// Handle is the mean time a counter holds a ticket between serve and
	// finish in a rate run (drawn from 0.5–1.5 × Handle).
	Handle time.Duration
	// Idle is how long a counter with nobody waiting at its branch (as the
	// lobby board shows it) waits before looking again; looking costs no
	// request.
	Idle     time.Duration
	Watchers int // live-page event streams on the first branch; 0 for none
	Floor    time.Duration
	Seed     uint64
	Progress io.Writer
	// CPUProfile, when set, writes CPU profiles of each measured load:
	// the server's (through its --debug-addr) to
	// CPUProfile-<engine>-<mode>-server.pprof and this process's to
	// …-load.pprof, so that the load generator's own cost can be seen.
	CPUProfile string
	// ServerLog, when set, keeps a copy of each run's server output (with
	// GODEBUG=gctrace=1 in the environment, its garbage collections) as
	// ServerLog-<engine>-<mode>.log.
	ServerLog string
}

// QueueResult is one queue run.
type QueueResult struct {
	Engine   string  `json:"engine"`
	Mode     string  `json:"mode"`      // "75/s" or "max"
	Rate     float64 `json:"rate"`      // asked tickets per second; 0 for max
	Issuers  int     `json:"issuers"`   // max runs: closed-loop ticket clients
	Branches int     `json:"branches"`  //
	Counters int     `json:"counters"`  // in all
	History  int     `json:"history"`   // finished tickets written for the day before, in all
	HandleMs float64 `json:"handle_ms"` // mean serve → finish at the counter (client side)
	Seconds  float64 `json:"load_seconds"`

	// The warm-up before the load (not in any figure): its tickets and
	// calls, and its failed requests.
	WarmupSeconds float64 `json:"warmup_seconds,omitempty"`
	WarmupIssued  int     `json:"warmup_issued,omitempty"`
	WarmupCalls   int     `json:"warmup_calls,omitempty"`
	WarmupErrors  int     `json:"warmup_errors,omitempty"`

	Issued      int            `json:"issued"` // HTTP 201 answers
	IssueRate   float64        `json:"issued_per_s"`
	IssueErrors int            `json:"issue_errors"`
	Dropped     int            `json:"arrivals_dropped"` // rate runs: arrivals not sent, too many outstanding
	IssueP50Ms  float64        `json:"issue_p50_ms"`
	IssueP99Ms  float64        `json:"issue_p99_ms"`
	IssueMaxMs  float64        `json:"issue_max_ms"`
	IssueIn5ms  float64        `json:"issue_within_5ms"` // share of the answered within 5 ms
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`

	Calls       int     `json:"calls"` // call-next answered with a ticket
	CallRate    float64 `json:"calls_per_s"`
	CallP50Ms   float64 `json:"call_p50_ms"`
	CallP99Ms   float64 `json:"call_p99_ms"`
	CallMaxMs   float64 `json:"call_max_ms"`
	CallIn5ms   float64 `json:"call_within_5ms"`
	EmptyCalls  int     `json:"empty_calls"` // call-next answered 404: nobody left for the counter
	CallErrors  int     `json:"call_errors"`
	Finished    int     `json:"finished"` // serve and finish both answered 200
	ActErrors   int     `json:"action_errors"`
	ActionP99Ms float64 `json:"action_p99_ms"` // serve and finish requests

	// What the server's database says after the load.
	ServerTickets  int `json:"server_tickets"` // taken today
	ServerCalled   int `json:"server_called"`  // of them, called
	ServerWaiting  int `json:"server_waiting"` // of them, still waiting
	DistinctCalled int `json:"distinct_called"`
	DuplicateCalls int `json:"duplicate_calls"` // calls answered with a ticket another call had

	Watchers       int     `json:"watchers"`         // streams open when the load started
	WatchedCalls   int     `json:"watched_calls"`    // calls on the watched branch
	FanoutP50Ms    float64 `json:"fanout_p50_ms"`    // call's answer → the last watcher shows the number
	FanoutP99Ms    float64 `json:"fanout_p99_ms"`    //
	FanoutMaxMs    float64 `json:"fanout_max_ms"`    //
	FanoutMissed   int     `json:"fanout_missed"`    // watched calls some watcher never showed
	WatcherDropped int     `json:"watchers_dropped"` // streams that ended during the load

	// The server's own time for the two routes over the load: its
	// request-duration histogram, without the network and the load
	// generator (servertime.go).
	ServerIssue *ServerTime `json:"server_issue,omitempty"`
	ServerCall  *ServerTime `json:"server_call,omitempty"`

	ServerPeakRSSMB  float64 `json:"server_peak_rss_mb"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	MachineBusy      float64 `json:"machine_busy"`

	Floor        Floor   `json:"floor"`
	IssueOfFloor float64 `json:"issued_of_floor"`
	// FloorAtRate is the database alone at the run's arrival rate (rate
	// runs only): what a ticket's transaction cannot beat.
	FloorAtRate *PacedFloor `json:"floor_at_rate,omitempty"`
	// CommitRate is the load's answered issues, calls, serves and
	// finishes per second, each one transaction; FloorAtCommits the
	// database alone at that rate (rate runs only): the flushes the disk
	// saw, one row each.
	CommitRate     float64     `json:"commits_per_s"`
	FloorAtCommits *PacedFloor `json:"floor_at_commit_rate,omitempty"`

	Notes []string `json:"notes,omitempty"`
}

// RunQueue runs the queue scenario once per rate of cfg.
func RunQueue(ctx context.Context, cfg QueueConfig) ([]QueueResult, error) {
	if cfg.Engine != engineSQLite && cfg.Engine != enginePostgres {
		return nil, fmt.Errorf("engine %q: want sqlite or postgres", cfg.Engine)
	}
	if cfg.Engine == enginePostgres && cfg.PostgresURL == "" {
		return nil, errors.New("postgres needs a database URL")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.Branches < 1 || cfg.Counters < 1 || cfg.Issuers < 1 || cfg.Duration <= 0 {
		return nil, errors.New("queue: branches, counters, issuers and duration must be positive")
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 200 * time.Millisecond
	}
	bin, done, err := kesuBinary(ctx, cfg.Kesu, cfg.Progress)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []QueueResult
	for _, rate := range cfg.Rates {
		r, err := runQueueOne(ctx, cfg, bin, rate)
		if err != nil {
			return out, fmt.Errorf("%s, queue %s: %w", cfg.Engine, r.Mode, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// qBranch is a branch as the load set it up.
type qBranch struct {
	id       int64
	types    []int64 // A, B, C
	counters []int64
	waiting  atomic.Int64 // tickets answered minus calls under way or done, as this process saw them
}

func runQueueOne(ctx context.Context, cfg QueueConfig, bin string, rate float64) (res QueueResult, err error) {
	res = QueueResult{Engine: cfg.Engine, Rate: rate, Branches: cfg.Branches, Counters: cfg.Branches * cfg.Counters,
		History: cfg.Branches * cfg.History, Mode: "max"}
	handle := time.Duration(0)
	if rate > 0 {
		res.Mode = strconv.FormatFloat(rate, 'f', -1, 64) + "/s"
		handle = cfg.Handle
	} else {
		res.Issuers = cfg.Issuers
	}
	res.HandleMs = ms(handle)
	say := func(format string, a ...any) {
		fmt.Fprintf(cfg.Progress, "%s, queue %s: %s\n", cfg.Engine, res.Mode, fmt.Sprintf(format, a...))
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
	say("creating registers and users")
	if _, err := t.registers(ctx, cfg.Seed); err != nil {
		return res, fmt.Errorf("registers: %w", err)
	}
	env := childEnv("KESU_ADMIN_PASSWORD=" + randomHex(12))
	token := func(user, role string) (string, error) {
		if _, err := cli(ctx, bin, env, append([]string{"user", "add", "--username", user, "--name", user,
			"--role", role, "--department", "cs", "--password", randomHex(12)}, t.args()...)...); err != nil {
			return "", err
		}
		tok, err := cli(ctx, bin, env, append([]string{"token", "create", "--user", user, "--name", "load"}, t.args()...)...)
		return strings.TrimSpace(tok), err
	}
	adminTok, err := token("load.admin", "admin")
	if err != nil {
		return res, err
	}
	staffTok, err := token("load.counter", "agent")
	if err != nil {
		return res, err
	}
	// The server's request-duration histograms, on a listener of their own.
	metricsAddr, err := freeAddr()
	if err != nil {
		return res, err
	}
	args := []string{"--metrics-addr", metricsAddr}
	var debugAddr string
	if cfg.CPUProfile != "" {
		if debugAddr, err = freeAddr(); err != nil {
			return res, err
		}
		args = append(args, "--debug-addr", debugAddr)
	}
	// Every kiosk of the load comes from one address: the per-address
	// ticket limit is lifted so that it does not refuse them.
	logPath := filepath.Join(dir, "server.log")
	srv, err := startServer(ctx, bin, env, logPath,
		append(append(t.args(), args...), "--addr", "127.0.0.1:0", "--public-rate", "1000000")...)
	if err != nil {
		return res, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
		if cfg.ServerLog != "" {
			if b, rerr := os.ReadFile(logPath); rerr == nil {
				os.WriteFile(fmt.Sprintf("%s-%s-%s.log", cfg.ServerLog, cfg.Engine, fileMode(res.Mode)), b, 0o644)
			}
		}
	}()
	c := newQueueClient(srv.Base, cfg.Branches*cfg.Counters+cfg.Issuers+64)

	say("setting up %d branches of %d counters through the API", cfg.Branches, cfg.Counters)
	branches, err := c.setup(ctx, adminTok, cfg.Branches, cfg.Counters)
	if err != nil {
		return res, fmt.Errorf("setup: %w", err)
	}
	loc, err := time.LoadLocation(app.Defaults().Timezone)
	if err != nil {
		return res, err
	}
	yesterday := time.Now().In(loc).AddDate(0, 0, -1)
	histDay := yesterday.Format(time.DateOnly)
	if cfg.History > 0 {
		say("writing %d finished tickets per branch for %s", cfg.History, histDay)
		if err := writeHistory(ctx, cfg.Engine, t.observed(), branches, cfg.History, yesterday, cfg.Seed); err != nil {
			return res, fmt.Errorf("history: %w", err)
		}
	}

	var warmCalled []int64
	if cfg.Warmup > 0 {
		say("warm-up %v, not counted", cfg.Warmup)
		wcfg := cfg
		wcfg.Duration = cfg.Warmup
		wl := c.drive(ctx, staffTok, branches, rate, wcfg, handle)
		res.WarmupSeconds = cfg.Warmup.Seconds()
		res.WarmupIssued, res.WarmupCalls, warmCalled = len(wl.issue), len(wl.call), wl.called
		res.WarmupErrors = wl.issueErrors + wl.callErrors + wl.actErrors
	}

	var w *watchers
	if cfg.Watchers > 0 {
		say("opening %d event streams on branch %d", cfg.Watchers, branches[0].id)
		if w, err = openWatchers(ctx, srv.Base, branches[0].id, cfg.Watchers); err != nil {
			return res, err
		}
		defer w.close()
		res.Watchers = w.open
	}

	say("load %v", cfg.Duration)
	metricsURL := "http://" + metricsAddr + "/metrics"
	before, err := scrapeHists(ctx, metricsURL, issueRoute, callRoute)
	if err != nil {
		return res, err
	}
	cpu0, self0 := procCPU(srv.Pid), selfCPU()
	busy0, total0 := machineCPU()
	var profiled chan error
	if cfg.CPUProfile != "" {
		base := fmt.Sprintf("%s-%s-%s", cfg.CPUProfile, cfg.Engine, fileMode(res.Mode))
		profiled = make(chan error, 1)
		go func() { profiled <- cpuProfile(ctx, debugAddr, cfg.Duration, base+"-server.pprof") }()
		f, err := os.Create(base + "-load.pprof")
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
	}
	l := c.drive(ctx, staffTok, branches, rate, cfg, handle)
	after, err := scrapeHists(ctx, metricsURL, issueRoute, callRoute)
	if err != nil {
		return res, err
	}
	res.ServerIssue = after[issueRoute].since(before[issueRoute]).serverTime()
	res.ServerCall = after[callRoute].since(before[callRoute]).serverTime()
	if profiled != nil {
		pprof.StopCPUProfile()
		if err := <-profiled; err != nil {
			return res, err
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	busy1, total1 := machineCPU()
	res.ServerCPUSeconds = (procCPU(srv.Pid) - cpu0).Seconds()
	res.ClientCPUSeconds = (selfCPU() - self0).Seconds()
	if total1 > total0 {
		res.MachineBusy = float64(busy1-busy0) / float64(total1-total0)
	}
	// The rates are over the tickets' and calls' time: from the first
	// request to the last answer, without the clerks' last finishes.
	res.Seconds = l.last.Sub(l.start).Seconds()
	if res.Seconds <= 0 {
		res.Seconds = l.end.Sub(l.start).Seconds()
	}
	res.Issued, res.IssueErrors, res.Dropped, res.ErrorKinds = len(l.issue), l.issueErrors, l.dropped, l.errorKinds
	res.IssueRate = float64(res.Issued) / res.Seconds
	res.IssueP50Ms, res.IssueP99Ms, res.IssueMaxMs = stats(l.issue)
	res.IssueIn5ms = within(l.issue, 5*time.Millisecond)
	res.Calls, res.EmptyCalls, res.CallErrors = len(l.call), l.empty, l.callErrors
	res.CallRate = float64(res.Calls) / res.Seconds
	res.CallP50Ms, res.CallP99Ms, res.CallMaxMs = stats(l.call)
	res.CallIn5ms = within(l.call, 5*time.Millisecond)
	res.Finished, res.ActErrors = l.finished, l.actErrors
	res.CommitRate = float64(len(l.issue)+len(l.call)+len(l.act)) / res.Seconds
	_, res.ActionP99Ms, _ = stats(l.act)
	// No ticket may be called twice, in the load or across the warm-up
	// and the load (a warm-up ticket still waiting is called in the load).
	seen := map[int64]bool{}
	for _, id := range warmCalled {
		seen[id] = true
	}
	warmDistinct := len(seen)
	for _, id := range l.called {
		if seen[id] {
			res.DuplicateCalls++
		}
		seen[id] = true
	}
	res.DistinctCalled = len(seen) - warmDistinct
	if w != nil {
		// The last calls' events are still on their way.
		time.Sleep(2 * time.Second)
		w.stop()
		res.WatchedCalls = len(l.watched)
		var fan []time.Duration
		fan, res.FanoutMissed, res.WatcherDropped = w.fanout(l.watched)
		res.FanoutP50Ms, res.FanoutP99Ms, res.FanoutMaxMs = stats(fan)
	}
	res.ServerPeakRSSMB = float64(procStatusKB(srv.Pid, "VmHWM")) / 1024

	obs, err := openObserver(ctx, cfg.Engine, t.observed())
	if err != nil {
		return res, err
	}
	err = obs.db.QueryRowContext(ctx, obs.q(`SELECT COUNT(*), COUNT(called_at), COALESCE(SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0)
		FROM queue_tickets WHERE day <> ?`), histDay).Scan(&res.ServerTickets, &res.ServerCalled, &res.ServerWaiting)
	obs.Close()
	if err != nil {
		return res, err
	}
	if res.ServerTickets != res.Issued+res.WarmupIssued {
		res.Notes = append(res.Notes, fmt.Sprintf("%d tickets stored for %d issued", res.ServerTickets, res.Issued+res.WarmupIssued))
	}
	if res.ServerCalled != res.DistinctCalled+warmDistinct {
		res.Notes = append(res.Notes, fmt.Sprintf("%d tickets called on the server for %d calls answered", res.ServerCalled, res.DistinctCalled+warmDistinct))
	}
	say("%d issued (%.0f/s), %d called (%.0f/s), %d still waiting", res.Issued, res.IssueRate, res.Calls, res.CallRate, res.ServerWaiting)

	if err := srv.stop(); err != nil {
		return res, err
	}
	if cfg.Floor > 0 {
		say("floor %v", cfg.Floor)
		if cfg.Engine == enginePostgres {
			res.Floor, err = postgresFloor(ctx, cfg.PostgresURL, cfg.Issuers, cfg.Floor, dir)
		} else {
			res.Floor, err = sqliteFloor(ctx, dir, cfg.Issuers, cfg.Floor)
		}
		if err != nil {
			return res, err
		}
		if res.Floor.Rate > 0 {
			res.IssueOfFloor = res.IssueRate / res.Floor.Rate
		}
		paced := func(rate float64) (*PacedFloor, error) {
			say("floor at %.0f/s, %v", rate, cfg.Floor)
			var pf PacedFloor
			var err error
			if cfg.Engine == enginePostgres {
				pf, err = postgresPacedFloor(ctx, cfg.PostgresURL, cfg.Issuers, rate, cfg.Floor, dir)
			} else {
				pf, err = sqlitePacedFloor(ctx, dir, rate, cfg.Floor)
			}
			return &pf, err
		}
		if rate > 0 {
			if res.FloorAtRate, err = paced(rate); err != nil {
				return res, err
			}
			// The server committed a transaction for every issue, call,
			// serve and finish: the disk saw that many flushes a second.
			if res.CommitRate > rate {
				if res.FloorAtCommits, err = paced(math.Round(res.CommitRate)); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// fileMode is a run's mode as part of a file name: "75" or "max".
func fileMode(mode string) string { return strings.TrimSuffix(mode, "/s") }

// stats are p50, p99 and max of durations, in milliseconds; it sorts d.
func stats(d []time.Duration) (p50, p99, mx float64) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return ms(percentile(d, 50)), ms(percentile(d, 99)), ms(d[len(d)-1])
}

// within is the share of d at most limit.
func within(d []time.Duration, limit time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	n := 0
	for _, x := range d {
		if x <= limit {
			n++
		}
	}
	return float64(n) / float64(len(d))
}

// queueClient talks to the server's queue API.
type queueClient struct {
	base   string
	client *http.Client
}

func newQueueClient(base string, conns int) *queueClient {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &queueClient{base: base, client: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// post sends a JSON body (nil for none) and decodes a 2xx answer into out
// when out is not nil; it returns the status.
func (c *queueClient) post(ctx context.Context, token, path string, body, out any) (int, error) {
	return c.do(ctx, http.MethodPost, token, path, body, out)
}

// department returns the id of the department with code.
func (c *queueClient) department(ctx context.Context, token, code string) (int64, error) {
	var list struct {
		Items []struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		} `json:"items"`
	}
	st, err := c.do(ctx, http.MethodGet, token, "/api/v1/departments", nil, &list)
	if err != nil {
		return 0, err
	}
	for _, d := range list.Items {
		if d.Code == code {
			return d.ID, nil
		}
	}
	return 0, fmt.Errorf("GET /api/v1/departments: HTTP %d, no department %q", st, code)
}

func (c *queueClient) do(ctx context.Context, method, token, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("transport: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, err
		}
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// setup creates the branches, each with three service types and its
// counters, through the API as an administrator, from a few clients.
func (c *queueClient) setup(ctx context.Context, token string, n, counters int) ([]*qBranch, error) {
	// The branches belong to customer service, the clerk's department:
	// queue.serve reaches a branch of the clerk's own department.
	dept, err := c.department(ctx, token, "cs")
	if err != nil {
		return nil, err
	}
	out := make([]*qBranch, n)
	errs := make([]error, n)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				out[i], errs[i] = c.setupBranch(ctx, token, dept, i, counters)
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, ctx.Err()
}

func (c *queueClient) setupBranch(ctx context.Context, token string, dept int64, i, counters int) (*qBranch, error) {
	var obj struct {
		ID int64 `json:"id"`
	}
	create := func(path string, body any) (int64, error) {
		st, err := c.post(ctx, token, path, body, &obj)
		if err == nil && st != http.StatusCreated {
			err = fmt.Errorf("POST %s: HTTP %d", path, st)
		}
		return obj.ID, err
	}
	// Open all day, every day, so that a run at any hour may take tickets.
	id, err := create("/api/v1/queue/branches", map[string]any{"code": fmt.Sprintf("load-%02d", i), "name": fmt.Sprintf("压测网点%02d", i),
		"name_en": fmt.Sprintf("Load branch %02d", i), "policy": "priority", "opens": "00:00", "closes": "23:59", "every_day": true,
		"department_id": dept})
	if err != nil {
		return nil, err
	}
	b := &qBranch{id: id}
	p := fmt.Sprintf("/api/v1/queue/branches/%d", id)
	for k, ty := range []struct {
		prefix, name, nameEN string
		minutes              float64
	}{{"A", "简单业务", "Simple", 3}, {"B", "复杂业务", "Complex", 10}, {"C", "对公业务", "Business", 6}} {
		tid, err := create(p+"/types", map[string]any{"prefix": ty.prefix, "name": ty.name, "name_en": ty.nameEN,
			"documents": "身份证", "handle_minutes": ty.minutes, "priority": k})
		if err != nil {
			return nil, err
		}
		b.types = append(b.types, tid)
	}
	for k := range counters {
		// Profiles as in the in-process benchmark: A, AB, B, C, ABC.
		var prof []int64
		for _, j := range [][]int{{0}, {0, 1}, {1}, {2}, {0, 1, 2}}[k%5] {
			prof = append(prof, b.types[j])
		}
		cid, err := create(p+"/counters", map[string]any{"name": fmt.Sprintf("%d号窗口", k+1), "types": prof, "open": true})
		if err != nil {
			return nil, err
		}
		b.counters = append(b.counters, cid)
	}
	return b, nil
}

// writeHistory writes perBranch finished tickets of day into every
// branch, straight into the database: the history is there to give the
// tables their size, not to be measured.
func writeHistory(ctx context.Context, engine, target string, branches []*qBranch, perBranch int, day time.Time, seed uint64) error {
	var db *sql.DB
	var err error
	if engine == enginePostgres {
		db, err = sql.Open("pgx", target)
	} else {
		db, err = sql.Open("sqlite", "file:"+target+"?"+url.Values{"_pragma": {"busy_timeout(10000)"}}.Encode())
	}
	if err != nil {
		return err
	}
	defer db.Close()
	o := &observer{db: db, engine: engine}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, o.q(`INSERT INTO queue_tickets (branch_id, type_id, day, number, seq, status, channel, lang, token,
		issued_at, called_at, served_at, finished_at, counter_id, calls) VALUES (?, ?, ?, ?, ?, 'done', 'kiosk', 'zh', 'history', ?, ?, ?, ?, ?, 1)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	r := rand.New(rand.NewPCG(seed, 0x71))
	open := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, day.Location())
	ds := day.Format(time.DateOnly)
	for _, b := range branches {
		for n := range perBranch {
			at := open.Add(time.Duration(n) * 8 * time.Hour / time.Duration(perBranch))
			called := at.Add(time.Duration(r.IntN(900)) * time.Second)
			fin := called.Add(time.Duration(60+r.IntN(600)) * time.Second)
			if _, err := stmt.ExecContext(ctx, b.id, b.types[r.IntN(len(b.types))], ds, fmt.Sprintf("H%04d", n+1), n+1,
				at.UnixMicro(), called.UnixMicro(), called.UnixMicro(), fin.UnixMicro(), b.counters[r.IntN(len(b.counters))]); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if engine == enginePostgres {
		_, err = db.ExecContext(ctx, `ANALYZE`)
	} else {
		_, err = db.ExecContext(ctx, `PRAGMA optimize; ANALYZE`)
	}
	return err
}

// queueLoad is what the load did, as this process saw it.
type queueLoad struct {
	start, end  time.Time
	last        time.Time // the last issue's or call's answer
	mu          sync.Mutex
	issue       []time.Duration // 201 answers
	issueErrors int
	dropped     int
	call        []time.Duration // call-next answered with a ticket
	called      []int64         // the tickets those calls got
	empty       int
	callErrors  int
	act         []time.Duration
	finished    int
	actErrors   int
	errorKinds  map[string]int
	watched     []watchedCall
}

// watchedCall is a call on the watched branch: the ticket's number and
// when the call's answer arrived.
type watchedCall struct {
	number string
	at     time.Time
}

// answered notes the time of an issue's or a call's answer; the latest
// ends the load's seconds. Called with l.mu held.
func (l *queueLoad) answered(at time.Time) {
	if at.After(l.last) {
		l.last = at
	}
}

func (l *queueLoad) fail(kind string, n *int) {
	l.mu.Lock()
	*n++
	l.errorKinds[kind]++
	l.mu.Unlock()
}

func kind(what string, status int, err error) string {
	if err != nil {
		return what + ": " + err.Error()
	}
	return what + ": HTTP " + strconv.Itoa(status)
}

// drive runs the load: customers taking tickets at rate per second
// (or back to back from cfg.Issuers clients when rate is 0) and one
// client per counter calling, serving and finishing, until cfg.Duration
// has passed. Requests under way at the end are finished and counted; a
// clerk serving at the end finishes after the handle time drawn.
func (c *queueClient) drive(ctx context.Context, staff string, branches []*qBranch, rate float64, cfg QueueConfig, handle time.Duration) *queueLoad {
	l := &queueLoad{errorKinds: map[string]int{}, start: time.Now()}
	deadline := l.start.Add(cfg.Duration)
	watched := branches[0].id
	issue := func(r *rand.Rand) {
		b := branches[r.IntN(len(branches))]
		// 60 % simple, 30 % complex, 10 % business.
		ty := b.types[0]
		if x := r.IntN(10); x >= 9 {
			ty = b.types[2]
		} else if x >= 6 {
			ty = b.types[1]
		}
		t0 := time.Now()
		st, err := c.post(ctx, "", "/api/v1/queue/tickets", map[string]any{"branch_id": b.id, "type_id": ty, "channel": "kiosk"}, nil)
		el := time.Since(t0)
		if err != nil || st != http.StatusCreated {
			l.fail(kind("issue", st, err), &l.issueErrors)
			return
		}
		b.waiting.Add(1)
		l.mu.Lock()
		l.issue = append(l.issue, el)
		l.answered(t0.Add(el))
		l.mu.Unlock()
	}
	var wg sync.WaitGroup
	if rate > 0 {
		// Open loop: Poisson arrivals sent at their times whatever the
		// answers, at most 512 outstanding.
		wg.Go(func() {
			r := rand.New(rand.NewPCG(cfg.Seed, 0x69))
			slots := make(chan struct{}, 512)
			var inner sync.WaitGroup
			next := time.Now()
			for ctx.Err() == nil {
				next = next.Add(time.Duration(r.ExpFloat64() / rate * float64(time.Second)))
				if next.After(deadline) {
					break
				}
				time.Sleep(time.Until(next))
				select {
				case slots <- struct{}{}:
				default:
					l.mu.Lock()
					l.dropped++
					l.mu.Unlock()
					continue
				}
				seed := r.Uint64()
				inner.Go(func() {
					issue(rand.New(rand.NewPCG(seed, 1)))
					<-slots
				})
			}
			inner.Wait()
		})
	} else {
		for k := range cfg.Issuers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(cfg.Seed, uint64(k)))
				for ctx.Err() == nil && time.Now().Before(deadline) {
					issue(r)
				}
			})
		}
	}
	idleFor := func(r *rand.Rand) time.Duration { return time.Duration((0.5 + r.Float64()) * float64(cfg.Idle)) }
	looks := startLookout(ctx, deadline, idleFor)
	for _, b := range branches {
		for k, cid := range b.counters {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(cid), uint64(k)))
				base := fmt.Sprintf("/api/v1/queue/counters/%d", cid)
				act := func(tid int64, action string) bool {
					t0 := time.Now()
					st, err := c.post(ctx, staff, fmt.Sprintf("%s/tickets/%d/%s", base, tid, action), nil, nil)
					el := time.Since(t0)
					if err != nil || st != http.StatusOK {
						l.fail(kind(action, st, err), &l.actErrors)
						return false
					}
					l.mu.Lock()
					l.act = append(l.act, el)
					l.mu.Unlock()
					return true
				}
				wake := make(chan bool, 1)
				for ctx.Err() == nil && time.Now().Before(deadline) {
					// The clerk calls when the lobby board shows someone
					// waiting whom no other clerk is going for (the claim);
					// otherwise looks again a little later: the lookout
					// makes the later looks and wakes the clerk with a claim.
					if !claim(b) {
						looks.add(look{at: time.Now().Add(idleFor(r)), b: b, r: r, wake: wake})
						if !<-wake {
							break
						}
					}
					var tk struct {
						ID     int64  `json:"id"`
						Number string `json:"number"`
					}
					t0 := time.Now()
					st, err := c.post(ctx, staff, base+"/call", nil, &tk)
					now := time.Now()
					switch {
					case err == nil && st == http.StatusNotFound:
						b.waiting.Add(1) // the claim was not used
						l.mu.Lock()
						l.empty++
						l.mu.Unlock()
						time.Sleep(time.Duration((0.5 + r.Float64()) * float64(cfg.Idle)))
						continue
					case err != nil || st != http.StatusOK:
						b.waiting.Add(1)
						l.fail(kind("call", st, err), &l.callErrors)
						time.Sleep(cfg.Idle)
						continue
					}
					l.mu.Lock()
					l.call = append(l.call, now.Sub(t0))
					l.answered(now)
					l.called = append(l.called, tk.ID)
					if b.id == watched {
						l.watched = append(l.watched, watchedCall{number: tk.Number, at: now})
					}
					l.mu.Unlock()
					if !act(tk.ID, "serve") {
						continue
					}
					if handle > 0 {
						// The clerk finishes when done, the end of the load
						// or not: had every clerk finished at the deadline,
						// the burst would have met the last tickets and
						// calls, and told nothing of a working branch.
						time.Sleep(time.Duration((0.5 + r.Float64()) * float64(handle)))
					}
					if act(tk.ID, "finish") {
						l.mu.Lock()
						l.finished++
						l.mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	l.end = time.Now()
	looks.stop()
	return l
}

// The routes of the two timed requests, as the server's metrics name them.
const (
	issueRoute = "POST /api/v1/queue/tickets"
	callRoute  = "POST /api/v1/queue/counters/{id}/call"
)

// claim takes one of the branch's waiting tickets for a clerk, as far as
// this process knows (tickets answered minus calls under way or done).
func claim(b *qBranch) bool {
	n := b.waiting.Load()
	return n > 0 && b.waiting.CompareAndSwap(n, n-1)
}

// look is an idle clerk's next look at the lobby board.
type look struct {
	at   time.Time
	b    *qBranch
	r    *rand.Rand // the clerk's, while it waits
	wake chan bool  // true: a ticket was claimed for the clerk; false: the load is over
}

// lookout makes the idle clerks' looks: a thousand clerks each sleeping
// 0.5–1.5 × the idle time between looks cost the load generator about five
// thousand goroutine wake-ups a second, its biggest CPU cost, on the
// machine the server runs on. The lookout keeps the looks in time order
// and makes those due every few milliseconds from one goroutine; a clerk
// wakes only with a claim. Each look is at the time drawn, a few
// milliseconds late at most, and claims exactly as the clerk would.
type lookout struct {
	mu       sync.Mutex
	h        lookHeap
	over     bool // every clerk was sent home; later looks are answered at once
	deadline time.Time
	idle     func(*rand.Rand) time.Duration
	done     chan struct{}
	wg       sync.WaitGroup
}

const lookTick = 2 * time.Millisecond

func startLookout(ctx context.Context, deadline time.Time, idle func(*rand.Rand) time.Duration) *lookout {
	o := &lookout{deadline: deadline, idle: idle, done: make(chan struct{})}
	o.wg.Go(func() {
		t := time.NewTicker(lookTick)
		defer t.Stop()
		ctxDone := ctx.Done()
		for {
			select {
			case <-o.done:
				o.flush()
				return
			case <-ctxDone:
				o.flush()
				ctxDone = nil
			case now := <-t.C:
				o.due(now)
			}
		}
	})
	return o
}

func (o *lookout) add(l look) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.over {
		l.wake <- false
		return
	}
	heap.Push(&o.h, l)
}

// due makes the looks due at now; past the deadline it sends every clerk
// home.
func (o *lookout) due(now time.Time) {
	if !now.Before(o.deadline) {
		o.flush()
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for !o.over && len(o.h) > 0 && !o.h[0].at.After(now) {
		l := heap.Pop(&o.h).(look)
		if claim(l.b) {
			l.wake <- true
			continue
		}
		l.at = now.Add(o.idle(l.r))
		heap.Push(&o.h, l)
	}
}

func (o *lookout) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.over = true
	for _, l := range o.h {
		l.wake <- false
	}
	o.h = o.h[:0]
}

// stop ends the lookout once no clerk waits any more.
func (o *lookout) stop() {
	close(o.done)
	o.wg.Wait()
}

type lookHeap []look

func (h lookHeap) Len() int           { return len(h) }
func (h lookHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h lookHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lookHeap) Push(x any)        { *h = append(*h, x.(look)) }
func (h *lookHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// watchers are live-page event streams on one branch. Each records when
// it first showed each ticket number among the tickets at the counters.
type watchers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	open   int
	seen   []map[string]time.Time // per watcher; written by its goroutine until stop
	ended  []bool
}

// openWatchers opens n streams and waits until each has its first event.
func openWatchers(ctx context.Context, base string, branch int64, n int) (*watchers, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watchers{cancel: cancel, seen: make([]map[string]time.Time, n), ended: make([]bool, n)}
	// Streams hold their connection: a transport of their own.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}}
	ready := make(chan error, n)
	for i := range n {
		w.seen[i] = map[string]time.Time{}
		w.wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/queue/branches/%d/events", base, branch), nil)
			if err != nil {
				ready <- err
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				ready <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				ready <- fmt.Errorf("event stream: HTTP %d", resp.StatusCode)
				return
			}
			first := true
			rd := bufio.NewReaderSize(resp.Body, 16<<10)
			for {
				line, err := rd.ReadSlice('\n')
				if err != nil {
					if ctx.Err() == nil {
						w.ended[i] = true
					}
					return
				}
				data, ok := bytes.CutPrefix(line, []byte("data: "))
				if !ok {
					continue
				}
				at := time.Now()
				for _, num := range callingNumbers(data) {
					if _, ok := w.seen[i][num]; !ok {
						w.seen[i][num] = at
					}
				}
				if first {
					first = false
					ready <- nil
				}
			}
		})
	}
	var errs []error
	timeout := time.After(time.Minute)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				errs = append(errs, err)
			} else {
				w.open++
			}
		case <-timeout:
			w.stop()
			return nil, fmt.Errorf("%d of %d event streams open after a minute", w.open, n)
		}
	}
	if len(errs) > 0 {
		w.stop()
		return nil, fmt.Errorf("%d of %d event streams failed: %w", len(errs), n, errs[0])
	}
	return w, nil
}

// callingNumbers are the ticket numbers of a status event's "calling"
// list (the tickets at the counters), found without decoding the rest.
func callingNumbers(data []byte) []string {
	i := bytes.Index(data, []byte(`"calling":[`))
	if i < 0 {
		return nil
	}
	rest := data[i:]
	if j := bytes.IndexByte(rest, ']'); j >= 0 {
		rest = rest[:j]
	}
	var out []string
	key := []byte(`"number":"`)
	for {
		k := bytes.Index(rest, key)
		if k < 0 {
			return out
		}
		rest = rest[k+len(key):]
		e := bytes.IndexByte(rest, '"')
		if e < 0 {
			return out
		}
		out = append(out, string(rest[:e]))
		rest = rest[e:]
	}
}

// stop closes the streams and waits for their readers.
func (w *watchers) stop() {
	w.cancel()
	w.wg.Wait()
}

func (w *watchers) close() { w.stop() }

// fanout is, for each watched call, the time from the call's answer to the
// moment the last watcher showed its number (0 when every watcher had it
// before the answer arrived), the calls some watcher never showed, and the
// streams that ended during the load. Call after stop.
func (w *watchers) fanout(calls []watchedCall) (d []time.Duration, missed, dropped int) {
	for _, e := range w.ended {
		if e {
			dropped++
		}
	}
	for _, c := range calls {
		var last time.Time
		ok := true
		for i, s := range w.seen {
			if w.ended[i] {
				continue
			}
			at, found := s[c.number]
			if !found {
				ok = false
				break
			}
			if at.After(last) {
				last = at
			}
		}
		if !ok {
			missed++
			continue
		}
		d = append(d, max(0, last.Sub(c.at)))
	}
	return d, missed, dropped
}
