package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"kesu/internal/app"
	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/demo"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// Main is the serve command: ParseFlags, then Run until the context ends.
// End-to-end tests start it for real.
type Main struct {
	Config app.Config
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Now is the clock; nil for the real one.
	Now func() time.Time

	// Addr is the address actually listened on, set once Run listens.
	Addr chan string
	app  *app.App
	log  *slog.Logger
}

// NewMain returns a serve command writing to stdout and stderr.
func NewMain(stdout, stderr io.Writer, getenv func(string) string) *Main {
	return &Main{Stdout: stdout, Stderr: stderr, Getenv: getenv, Addr: make(chan string, 1)}
}

// ParseFlags reads the configuration.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("kesu serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	c, err := app.Load(fs, args, m.Getenv)
	if err != nil {
		return err
	}
	m.Config = c
	return nil
}

// Run opens the database, serves HTTP and stops gracefully when ctx ends.
func (m *Main) Run(ctx context.Context) error {
	tuneGC()
	m.log = app.NewLogger(m.Config, m.Stderr)
	a, err := app.Open(ctx, m.Config, m.Now, m.log, m.Stdout)
	if err != nil {
		return err
	}
	m.app = a
	defer a.Close()
	if m.Config.Demo {
		sum, err := demo.Load(ctx, a.DB, a.Deps.Complaints, demo.Options{})
		switch {
		case apperr.Is(err, apperr.Conflict):
			m.log.Info("demo data not loaded", "reason", err)
		case err != nil:
			return fmt.Errorf("demo data: %w", err)
		default:
			m.log.Info("demo data loaded", "complaints", sum.Complaints, "customers", sum.Customers, "users", sum.Users)
			fmt.Fprintf(m.Stdout, "demo data loaded: %d complaints; demo staff accounts use the password %q\n", sum.Complaints, demo.DefaultPassword)
		}
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	engine := "sqlite"
	if m.Config.DB != "" {
		engine = "postgres"
	}
	m.log.Info("kesu listening", "addr", ln.Addr().String(), "engine", engine, "data", m.Config.Data, "version", app.Version)
	fmt.Fprintf(m.Stdout, "kesu is running at http://%s/ (stop with Ctrl-C)\n", ln.Addr().String())
	select {
	case m.Addr <- ln.Addr().String():
	default:
	}
	// The job worker, the time-limit monitor, and the checks for calendar,
	// policy and workflow-definition changes made on another server, run
	// until shutdown.
	wctx, stopWorker := context.WithCancel(context.Background())
	var background sync.WaitGroup
	background.Go(func() { a.Worker.Run(wctx) })
	background.Go(func() { a.SLA.Monitor.Run(wctx) })
	background.Go(func() { a.SLA.Calendars.Watch(wctx, sla.CalendarPoll, m.log) })
	background.Go(func() { a.Cases.Definitions.Watch(wctx, casework.DefinitionPoll, m.log) })
	background.Go(func() { a.SLA.Policies.Watch(wctx, sla.PolicyPoll, m.log) })
	background.Go(func() { a.Privacy.Run(wctx, time.Hour) })
	if a.Anchors != nil {
		background.Go(func() { a.Anchors.Run(wctx, time.Duration(m.Config.AuditAnchorMinutes)*time.Minute) })
	}
	background.Go(func() { a.Queue.Hub.Run(wctx) })
	defer func() { stopWorker(); background.Wait() }()
	// The mail intake (SMTP receiver, IMAP poller) when configured.
	mail, err := a.StartMail(wctx)
	if err != nil {
		return err
	}
	defer mail.Stop()
	if m.Config.DebugAddr != "" {
		dbg, err := debugServer(m.Config.DebugAddr)
		if err != nil {
			return err
		}
		defer dbg.Close()
		m.log.Info("profiler listening", "addr", m.Config.DebugAddr)
	}
	switch {
	case m.Config.MetricsAddr != "":
		ms, err := metricsServer(m.Config.MetricsAddr, web.MetricsHandler(a.Deps.Metrics, m.Config.MetricsToken))
		if err != nil {
			return err
		}
		defer ms.Close()
		m.log.Info("metrics listening", "addr", m.Config.MetricsAddr, "token", m.Config.MetricsToken != "")
	case m.Config.MetricsToken == "":
		m.log.Info("metrics off: set metrics-token or metrics-addr to serve /metrics")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// metricsServer serves /metrics on its own listener.
func metricsServer(addr string, h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// debugServer serves the Go profiler on its own listener, apart from the
// application's routes and their sign-in.
func debugServer(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// Garbage collection of the server, unless GOGC or GOMEMLIMIT say
// otherwise: a collection when the heap has grown by twice what is live
// (Go's default is once), which halves the collector's share of the CPU
// under a steady load, and a soft limit of 120 MB on the Go runtime's
// memory, which makes it collect sooner when much is live (docs/operations.md).
const (
	gcPercent   = 200
	memoryLimit = 120 << 20
)

func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
}
