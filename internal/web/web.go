// Package web holds what every HTTP handler of kesu shares: the router
// set-up, middleware (logging, recovery, security headers, sign-in,
// CSRF, rate limits), the mapping of apperr codes to HTTP statuses and the
// message catalogues for Chinese and English.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/desk"
	"kesu/internal/export"
	"kesu/internal/incident"
	"kesu/internal/jobs"
	"kesu/internal/mailin"
	"kesu/internal/money"
	"kesu/internal/notify"
	"kesu/internal/org"
	"kesu/internal/privacy"
	"kesu/internal/product"
	"kesu/internal/queue"
	"kesu/internal/recall"
	"kesu/internal/report"
	"kesu/internal/sla"
)

// Deps is everything the handlers use. cmd/kesu builds it once.
type Deps struct {
	Complaints *complaint.Service
	// AuditAnchors checks the audit chain against the heads exported
	// outside the database; nil when anchoring is off.
	AuditAnchors *audit.Anchors
	// Privacy erases personal data on request (SEC-2).
	Privacy        *privacy.Service
	ComplaintStore complaint.Store
	Customers      customer.Store
	Products       product.Store
	// Org changes departments and users (and reads them).
	Org       *org.Service
	Audit     audit.Store
	Auth      *auth.Service
	AuthStore auth.Store
	Files     *blob.Store
	// Exports requests export files and serves them when ready.
	Exports *export.Service
	Mailer  notify.Mailer // nil when SMTP is not configured
	// Registered, when set, is called after a complaint registered through
	// the API or the pages is committed (tests watch registrations with
	// it). What follows registration — time-limit clocks, the batch-incident
	// rule, the acknowledgement letter — runs through the job table.
	Registered func(ctx context.Context, c *complaint.Complaint)
	// Cases runs the complaint lifecycle.
	Cases *casework.Service
	// Reports computes statistics, KPIs and the dashboard (issue 7).
	Reports *report.Service
	// Queue is the branch queue 叫号 (issue 14).
	Queue *queue.Service
	// Money builds the monthly reward/penalty list (FIN-2).
	Money *money.Reports
	// Receivables records receivables and collections and builds the
	// collection-bonus report.
	Receivables *money.Receivables
	// Incidents, Links and Ledger serve batch incidents (TRI-6), duplicate
	// and repeat complaints (INT-6) and dealer after-sales accounts (CUS-3).
	Incidents *incident.Service
	// Recalls runs product recalls (REC-1).
	Recalls *recall.Service
	Links   *incident.Links
	Ledger  *incident.Ledger
	// Inbox is the staff's in-app notifications; Jobs the durable job
	// table (its dead letters); Schedules the fixed-date jobs and DryRun
	// what would fire in (from, to] (issue 6). Nil where not wired.
	Inbox Inbox
	// Desk runs the service desk's operations (OPS-1…OPS-5): roster,
	// handovers, swaps, knowledge base, contacts; DeskContacts is what
	// contacts need from the rest of kesu. Nil where not wired.
	Desk         *desk.Service
	DeskContacts desk.ContactDeps
	Jobs         jobs.Store
	Schedules    *sla.Scheduler
	DryRun       func(ctx context.Context, from, to time.Time) ([]sla.Firing, error)
	// Clocks reads a complaint's time-limit clocks; the calendar in force
	// and Policies turn them into due times and remaining working time
	// (issue 6). Calendars also takes an administrator's calendar changes,
	// PolicyBook their new versions of the policies. Nil when time limits
	// are off.
	Clocks     ClockReader
	Calendars  *sla.Calendars
	Policies   sla.Lookup
	PolicyBook *sla.PolicyBook
	Now        func() time.Time
	Log        *slog.Logger
	Metrics    *prometheus.Registry
	// MetricsToken is the bearer token /metrics requires; MetricsOnMain
	// serves /metrics with the other routes (only when MetricsToken is
	// set), else it is served on a listener of its own (MetricsHandler).
	MetricsToken  string
	MetricsOnMain bool
	// Ready reports whether the server can take traffic (database reachable).
	Ready func(ctx context.Context) error
	// BaseURL is the public address of this kesu, for links in letters.
	BaseURL string
	// MaxUpload is the largest attachment accepted, in bytes.
	MaxUpload int64
	// PublicRate is how many public form submissions one address may make
	// per minute.
	PublicRate int
	// Company is the organisation name shown on letters and public pages.
	Company string
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// HSTS, when positive, sends Strict-Transport-Security with this
	// max-age (for deployments served over HTTPS only).
	HSTS    time.Duration
	Version string
	// Mail is the mail intake (received mail, the administrator's list of
	// mail it could not take in, retry); MailStatus reports the SMTP
	// receiver and IMAP pollers running on this server. Nil where not wired.
	Mail       *mailin.Intake
	MailStatus func(ctx context.Context) (*mailin.Status, error)
	// ReplyReach tells how a reply reaches the complainant of a complaint:
	// the channel (email, sms or "") and the address or number.
	ReplyReach func(ctx context.Context, complaintID int64) (channel, to string, err error)
}

// Inbox lists and marks a user's in-app notifications.
type Inbox interface {
	Notifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]sla.Notice, error)
	MarkRead(ctx context.Context, userID, id int64) error
	UnreadCount(ctx context.Context, userID int64) (int, error)
}

// Router is a ServeMux with the shared middleware applied per route.
type Router struct {
	Mux  *http.ServeMux
	Deps *Deps
}

// Mount is how a handler package adds its routes.
type Mount func(r *Router)

// NewHandler builds the whole HTTP handler: health and metrics endpoints,
// the routes of each mount, and the outer middleware.
func NewHandler(d *Deps, mounts ...Mount) http.Handler {
	r := &Router{Mux: http.NewServeMux(), Deps: d}
	r.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	r.Mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if d.Ready != nil {
			if err := d.Ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte("not ready\n"))
				return
			}
		}
		w.Write([]byte("ready\n"))
	})
	if d.Metrics != nil && d.MetricsOnMain && d.MetricsToken != "" {
		r.Mux.Handle("GET /metrics", MetricsHandler(d.Metrics, d.MetricsToken))
	}
	for _, m := range mounts {
		m(r)
	}
	var h http.Handler = recordPattern(r.Mux)
	h = apiPaths(h)
	h = d.authenticate(h)
	h = rejectNUL(h)
	h = language(h)
	h = securityHeaders(d.HSTS, h)
	h = d.instrument(h)
	h = d.recoverer(h)
	return h
}
