// Command kesu-load measures complaint registration end to end from a
// process of its own: it builds kesu, starts "kesu serve" on a fresh
// database, registers complaints through the REST API from concurrent
// clients, waits until the server's background registration work is done,
// and prints acknowledged and fully registered complaints per second beside
// the database's own insert floor. With --scenario queue it drives the
// branch queue instead: tickets taken and counters calling, serving and
// finishing through the API, optionally with live-page watchers. See
// docs/benchmarks.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"kesu/internal/intakeload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kesu-load:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kesu-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "registration", "registration (complaints) or queue (branch queue tickets and counters)")
	engines := fs.String("engine", "sqlite", "sqlite, postgres, or both: sqlite,postgres")
	pgURL := fs.String("postgres", os.Getenv("KESU_TEST_POSTGRES_URL"), "PostgreSQL database URL; each run uses a new schema in it (default $KESU_TEST_POSTGRES_URL)")
	clients := fs.String("clients", "8,16", "concurrent clients, one run on a fresh database per count")
	duration := fs.Duration("duration", 60*time.Second, "measured load per run")
	warmup := fs.Duration("warmup", 5*time.Second, "load before the measurement, not counted: registration waits until it is registered completely; queue runs it at the same rate (0 for none)")
	floor := fs.Duration("floor", 10*time.Second, "length of the database floor measurement (0 leaves it out)")
	drain := fs.Duration("drain-timeout", 10*time.Minute, "longest wait for the registration work after the load")
	kesu := fs.String("kesu", "", "kesu binary to start (default: build ./cmd/kesu of the current module)")
	seed := fs.Uint64("seed", 2026, "seed of the complaints' texts")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	profile := fs.String("cpuprofile", "", "write the server's CPU profile of each measured load to FILE-<engine>-<clients>.pprof (queue: FILE-<engine>-<rate>-server.pprof and the load generator's -load.pprof)")
	mdOut := fs.String("markdown", "", "also write the results as a markdown table to this file")
	rates := fs.String("rates", "75,max", "queue: runs, tickets per second over all branches or max (back to back from --issuers clients)")
	issuers := fs.Int("issuers", 8, "queue: ticket clients of a max run, and the floor's client count")
	branches := fs.Int("branches", 50, "queue: branches")
	counters := fs.Int("counters", 20, "queue: counters per branch")
	history := fs.Int("history", 2000, "queue: finished tickets per branch written for the day before")
	handle := fs.Duration("handle", 5*time.Second, "queue: mean time a counter holds a ticket between serve and finish (rate runs; max runs use 0)")
	idle := fs.Duration("counter-idle", 200*time.Millisecond, "queue: how long a counter with nobody waiting at its branch waits before looking again")
	watchers := fs.Int("watchers", 0, "queue: live-page event streams to open on the first branch")
	serverLog := fs.String("server-log", "", "queue: keep each run's server output as FILE-<engine>-<rate>.log (GODEBUG=gctrace=1 adds its garbage collections)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kesu-load [flags]\n\nRegisters complaints (or, with --scenario queue, takes and calls branch queue tickets) in a kesu\nstarted as a child process and reports how fast it answers. Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scenario != "registration" && *scenario != "queue" {
		return fmt.Errorf("--scenario %q: want registration or queue", *scenario)
	}
	var rs []float64 // queue runs; 0 is a max run
	for _, s := range strings.Split(*rates, ",") {
		s = strings.TrimSpace(s)
		if s == "max" {
			rs = append(rs, 0)
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("--rates %q: want positive numbers or max, separated by commas", *rates)
		}
		rs = append(rs, v)
	}
	var counts []int
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("--clients %q: want positive numbers separated by commas", *clients)
		}
		counts = append(counts, n)
	}
	if *duration <= 0 {
		return errors.New("--duration must be positive")
	}
	if *kesu == "" {
		// One build for every engine.
		dir, err := os.MkdirTemp("", "kesu-load-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(stderr, "building kesu")
		if *kesu, err = intakeload.Build(ctx, dir); err != nil {
			return err
		}
	}
	if *scenario == "queue" {
		cfg := intakeload.QueueConfig{PostgresURL: *pgURL, Kesu: *kesu, Rates: rs, Issuers: *issuers, Duration: *duration, Warmup: *warmup,
			Branches: *branches, Counters: *counters, History: *history, Handle: *handle, Idle: *idle, Watchers: *watchers,
			Floor: *floor, Seed: *seed, Progress: stderr, CPUProfile: *profile, ServerLog: *serverLog}
		return runQueue(ctx, cfg, *engines, stdout, *jsonOut, *mdOut)
	}
	var all []intakeload.Result
	for _, e := range strings.Split(*engines, ",") {
		cfg := intakeload.Config{Engine: strings.TrimSpace(e), PostgresURL: *pgURL, Clients: counts, Duration: *duration,
			Warmup: *warmup, Floor: *floor, DrainTimeout: *drain, Kesu: *kesu, Seed: *seed, Progress: stderr, CPUProfile: *profile}
		if cfg.Engine == "postgres" && cfg.PostgresURL == "" {
			return errors.New("postgres: give --postgres or set KESU_TEST_POSTGRES_URL")
		}
		rs, err := intakeload.Run(ctx, cfg)
		all = append(all, rs...)
		if err != nil {
			if len(all) > 0 {
				intakeload.WriteTable(stdout, all)
			}
			return err
		}
	}
	if err := intakeload.WriteTable(stdout, all); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *mdOut != "" {
		f, err := os.Create(*mdOut)
		if err != nil {
			return err
		}
		if err := intakeload.WriteMarkdown(f, all); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}

// runQueue runs the queue scenario on each engine and writes its results.
func runQueue(ctx context.Context, cfg intakeload.QueueConfig, engines string, stdout io.Writer, jsonOut, mdOut string) error {
	var all []intakeload.QueueResult
	for _, e := range strings.Split(engines, ",") {
		cfg.Engine = strings.TrimSpace(e)
		if cfg.Engine == "postgres" && cfg.PostgresURL == "" {
			return errors.New("postgres: give --postgres or set KESU_TEST_POSTGRES_URL")
		}
		rs, err := intakeload.RunQueue(ctx, cfg)
		all = append(all, rs...)
		if err != nil {
			if len(all) > 0 {
				intakeload.WriteQueueTable(stdout, all)
			}
			return err
		}
	}
	if err := intakeload.WriteQueueTable(stdout, all); err != nil {
		return err
	}
	if jsonOut != "" {
		b, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if mdOut != "" {
		f, err := os.Create(mdOut)
		if err != nil {
			return err
		}
		if err := intakeload.WriteQueueMarkdown(f, all); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
