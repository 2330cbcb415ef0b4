package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/enum"
	"kesu/internal/export"
	"kesu/internal/incident"
	"kesu/internal/jobs"
	"kesu/internal/letter"
	"kesu/internal/mailin"
	"kesu/internal/money"
	"kesu/internal/notify"
	"kesu/internal/org"
	"kesu/internal/privacy"
	"kesu/internal/queue"
	"kesu/internal/recall"
	"kesu/internal/report"
	"kesu/internal/sla"
	"kesu/internal/storage/postgres"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/web"
	"kesu/internal/web/api"
	"kesu/internal/web/ui"
)

// Version is set at build time with -ldflags "-X kesu/internal/app.Version=…".
var Version = "dev"

// App is a running kesu: its database, services and HTTP handler.
type App struct {
	Config Config
	DB     *sqlstore.DB
	Deps   *web.Deps
	Log    *slog.Logger
	Now    func() time.Time
	// Cases runs the complaint lifecycle; Worker runs the durable jobs.
	Cases  *casework.Service
	Worker *jobs.Worker
	SLA    *SLA // time limits: clock timers and fixed-date schedules
	// Privacy erases personal data on request and after the retention
	// period.
	Privacy *privacy.Service
	// Anchors exports the audit chain's head outside the database; nil
	// when the audit-anchor setting is empty.
	Anchors *audit.Anchors
	// Mail takes complaint mail in (the SMTP receiver and the IMAP poller
	// feed it; see StartMail).
	Mail *mailin.Intake
	mail *MailRunning
	// Queue is the branch queue; its Hub carries changes to the live
	// pages' watchers (RunQueue polls for other servers' changes).
	Queue *queue.Service
	// Org changes departments and users; the caches built below hear of
	// each change through it.
	Org *org.Service
}

// NewLogger returns the slog logger the configuration asks for.
func NewLogger(c Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OpenDB opens the configured database, applies migrations and keys the
// audit chain with the key file of audit-key-file (refusing a keyed chain
// without it).
func OpenDB(ctx context.Context, c Config, now func() time.Time, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := openDB(ctx, c, now, log)
	if err != nil {
		return nil, err
	}
	var key *audit.Key
	if c.AuditKeyFile != "" {
		if key, err = audit.LoadKey(c.AuditKeyFile); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.UseAuditKey(ctx, key); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return db, nil
}

func openDB(ctx context.Context, c Config, now func() time.Time, log *slog.Logger) (*sqlstore.DB, error) {
	if c.DB != "" {
		return postgres.Open(ctx, c.DB, now, log)
	}
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", c.Data, err)
	}
	return sqlite.Open(ctx, c.SQLiteFile(), now, log)
}

// SQLiteFile is the SQLite database in the data folder, used when no
// PostgreSQL URL is configured.
func (c Config) SQLiteFile() string { return filepath.Join(c.Data, "kesu.db") }

// Open opens the database, seeds defaults, creates the first administrator
// when there is no user, and builds the services and handler. now may be
// nil for the real clock; out receives the one-time admin password notice.
func Open(ctx context.Context, c Config, now func() time.Time, log *slog.Logger, out io.Writer) (*App, error) {
	if now == nil {
		now = time.Now
	}
	db, err := OpenDB(ctx, c, now, log)
	if err != nil {
		return nil, err
	}
	a := &App{Config: c, DB: db, Log: log, Now: now, Org: &org.Service{Store: db.Registers()}}
	if err := db.Seed(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("seed defaults: %w", err)
	}
	if err := a.ensureAdmin(ctx, out); err != nil {
		db.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	registerMetrics(reg, db)
	var mailer notify.Mailer
	if c.SMTPHost != "" {
		mailer = &notify.SMTP{Host: c.SMTPHost, Port: c.SMTPPort, User: c.SMTPUser, Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS}
	}
	cases, err := openCases(ctx, c, db, now, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Cases = cases
	// Cases in approval from before kesu recorded the awaited role get it
	// now, so their approvers see them in their work lists.
	if n, err := cases.MarkAwaiting(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mark plans awaiting approval: %w", err)
	} else if n > 0 {
		log.Info("plans awaiting approval marked", "cases", n)
	}
	incidents := &incident.Service{Store: db.Incidents(), Batches: db.Registers(), Now: now}
	// A batch incident tells the managers of QA, R&D, production and the
	// GM office (TRI-6) in their kesu inbox.
	incidents.Notify = func(ctx context.Context, inc *incident.Incident, recipients []int64) {
		ns := make([]sla.Notice, 0, len(recipients))
		for _, u := range recipients {
			cid := inc.TriggerComplaintID
			ns = append(ns, sla.Notice{UserID: u, Kind: "incident.batch", ComplaintID: &cid,
				Title: fmt.Sprintf("批次异常：%s %s", inc.BatchNo, inc.ProductName),
				Body:  fmt.Sprintf("批次 %s 已有 %d 宗质量投诉，共 %d 台不良，请评估是否隔离该批次或启动召回。", inc.BatchNo, inc.ComplaintCount, inc.UnitCount),
				Key:   fmt.Sprintf("incident:%d:%d", inc.ID, u)})
		}
		if err := db.SLAClocks().Notify(ctx, ns...); err != nil {
			log.Warn("batch incident notification", "incident", inc.ID, "err", err)
		}
	}
	links := &incident.Links{Store: db.Incidents(), Cases: cases, Now: now, Open: func(status string) bool {
		for _, d := range cases.Definitions.All() {
			if slices.Contains(d.OpenStates(), status) {
				return true
			}
		}
		return false
	}}
	ledger := &incident.Ledger{Store: db.Incidents(), Now: now, Rate: int(c.AllowanceRateBP)}
	var smsOn bool
	cc := &complainantChannels{db: db, email: mailer != nil, sms: func() bool { return smsOn }, company: c.Company,
		baseURL: c.BaseURL, domain: c.MailIDDomain()}
	cases.ReplyJob, cases.SurveyJob = cc.replyJob, cc.surveyJob
	exports := newExports(db, cases, c, now)
	a.Worker = &jobs.Worker{Store: db.Jobs(), Name: workerName(), Now: now, Log: log,
		Handlers: map[string]jobs.Handler{export.JobKind: exportHandler(exports)}, KeepKinds: []string{sla.JobSchedule}}
	exports.Wake = a.Worker.Wake
	if err := a.openSLA(ctx, cases); err != nil {
		db.Close()
		return nil, fmt.Errorf("time limits: %w", err)
	}
	outbox := a.openNotify(mailer)
	smsOn = outbox.SMS
	cases.StatusJobs = func(r *casework.Record, action, from, to string, at time.Time) []*jobs.Job {
		return outbox.Event(notify.EventStatusChanged, fmt.Sprintf("%s:%d:%d", notify.EventStatusChanged, r.ComplaintID, r.Version),
			statusChange{ComplaintID: r.ComplaintID, Number: r.Number, Action: action, From: from, To: to, At: at.UTC()})
	}
	svc := &complaint.Service{Store: db.Complaints(), Now: now, Loc: c.Loc, Pattern: c.Pattern, ExpectedDays: c.ExpectedDays,
		Expected: expectedFrom(a.SLA.Rules), Profile: cases.Default}
	type routeCustomer struct {
		class, region string
		dealer        int64
	}
	routeCustomers, routeLines := newRouteCache[routeCustomer](now), newRouteCache[string](now)
	svc.Route = cases.Router(casework.Lookups{
		Customer: func(ctx context.Context, id int64) (string, string, int64, error) {
			rc, err := routeCustomers.get(id, func() (routeCustomer, error) {
				cu, err := db.Registers().GetCustomer(ctx, id)
				if err != nil {
					return routeCustomer{}, err
				}
				rc := routeCustomer{class: cu.Class, region: cu.Region}
				if cu.DealerID != nil {
					rc.dealer = *cu.DealerID
				}
				return rc, nil
			})
			return rc.class, rc.region, rc.dealer, err
		},
		ProductLine: func(ctx context.Context, id int64) (string, error) {
			return routeLines.get(id, func() (string, error) {
				p, err := db.Registers().GetProduct(ctx, id)
				if err != nil {
					return "", err
				}
				return p.Line, nil
			})
		},
		Quality: qualityLookup(db),
	})
	ack := &letter.Sender{Mailer: mailer, Store: letterStore{db.Complaints(), cases}, Company: c.Company, BaseURL: c.BaseURL, Loc: c.Loc, Log: log,
		Thread: cc.thread}
	// Letters go out in batches: a few SMTP connections, one write for
	// their timeline entries.
	a.Worker.Batches = map[string]jobs.BatchHandler{letter.JobAck: ack.Batch()}
	// Notices by email share a connection per claimed batch too.
	if b := notify.EmailBatch(mailer); b != nil {
		a.Worker.Batches[notify.JobEmail] = b
	}
	register := registered(db, incidents, a.servedByDealer(mailer != nil))
	a.Worker.Handlers[sqlstore.JobRegistered] = registeredHandler(register)
	a.Worker.Batches[sqlstore.JobRegistered] = registeredBatch(register)
	db.Registration = registrationJobs(outbox, ack, cc)
	reports := &report.Service{Store: db.Reports(), Now: now, Loc: c.Loc, Labels: report.DefaultLabels(cases.States()),
		States: func() (enum.Set, []string) { return cases.States(), cases.OpenStates() }}
	reports.Policies = func() enum.Set { return a.SLA.Rules.Policies().Set() }
	a.SLA.Scheduler.Summaries = a.summaries(reports, outbox)
	tokens := auth.NewTokenCache(db.Auth(), 10*time.Second, now)
	files := &blob.Store{Dir: filepath.Join(c.Data, "attachments")}
	a.Privacy = &privacy.Service{Store: db.Privacy(), Files: files, Now: now, RetentionDays: c.RetentionDays, Log: log}
	if c.AuditAnchor != "" {
		a.Anchors = &audit.Anchors{Store: db.Audit(), Path: c.AuditAnchor, Now: now, Log: log}
	}
	a.Mail = &mailin.Intake{Store: db.Mail(), Complaints: svc, Read: db.Complaints(), Cases: cases, Files: files,
		MaxFile: int64(c.MaxUploadMB) << 20, Number: c.Pattern.Regexp(), Domain: c.MailIDDomain(), Now: now, Log: log}
	db.QueueSMS = outbox.SMS
	a.Queue = &queue.Service{Store: db.Queue(), Now: now, Loc: c.Loc,
		Calendar:    func() queue.WorkingDays { return a.SLA.Calendars.Current().Calendar },
		Hub:         &queue.Hub{Versions: db.Queue().Versions, ConfigVersions: db.Queue().ConfigVersions, Log: log},
		Departments: db.Cases().Departments}
	recalls := &recall.Service{Store: db.Recalls(), Now: now, BaseURL: c.BaseURL, Company: c.Company, Batches: db.Registers(),
		QuarantineIncident: func(ctx context.Context, id int64, actor casework.Actor) error {
			_, err := incidents.Quarantine(ctx, id, actor)
			return err
		}}
	a.Worker.Handlers[recall.JobRemind] = recalls.RemindHandler()
	penalties := &money.Reports{Store: db.Cases(), Loc: c.Loc, Now: now}
	a.SLA.Scheduler.Penalties = a.penaltyList(penalties, outbox)
	// What this server keeps of users and departments is dropped the
	// moment they change through it.
	a.Org.OnUserChange = append(a.Org.OnUserChange, tokens.ForgetUser)
	a.Org.OnDepartmentChange = append(a.Org.OnDepartmentChange, a.Queue.ForgetDepartments, cases.ForgetDepartments)
	deskSvc := &desk.Service{Store: db.Desk(), Now: now, Loc: c.Loc, Calendar: func() *sla.Calendar {
		if e := a.SLA.Calendars.Current(); e != nil {
			return e.Calendar
		}
		return nil
	}}
	cases.OutgoingGuard = deskSvc.CheckOutgoing
	cc.guard = deskSvc.CheckOutgoing
	cases.OnDuty = deskSvc.OnShift
	a.Worker.Handlers[desk.JobHandoverReminder] = handoverReminder(db, deskSvc)
	a.Deps = &web.Deps{
		AuditAnchors: a.Anchors,
		Privacy:      a.Privacy,
		Desk:         deskSvc,
		DeskContacts: desk.ContactDeps{
			Department: db.Cases().DepartmentByCode,
			Guard:      deskSvc.CheckOutgoing,
			Intake: func(ctx context.Context, cm *complaint.Complaint, actor audit.Actor) error {
				_, err := svc.Create(ctx, cm, complaint.CreateOptions{Actor: actor})
				return err
			},
		},
		Reports:        reports,
		Queue:          a.Queue,
		Money:          penalties,
		Receivables:    &money.Receivables{Store: db.Receivables(), Loc: c.Loc, Now: now},
		Complaints:     svc,
		ComplaintStore: db.Complaints(),
		Customers:      db.Registers(),
		Products:       db.Registers(),
		Org:            a.Org,
		Audit:          db.Audit(),
		Auth: &auth.Service{Store: db.Auth(), Now: now, Tokens: tokens,
			Idle: c.SessionIdle, MaxLifetime: c.SessionMax, AddrLimit: c.LoginRate},
		AuthStore:     tokens,
		Files:         files,
		Exports:       exports,
		Mailer:        mailer,
		Cases:         cases,
		Incidents:     incidents,
		Recalls:       recalls,
		Links:         links,
		Ledger:        ledger,
		Inbox:         db.SLAClocks(),
		Jobs:          db.Jobs(),
		Schedules:     a.SLA.Scheduler,
		DryRun:        a.dryRun,
		Clocks:        db.SLAClocks(),
		Calendars:     a.SLA.Calendars,
		Policies:      a.SLA.Rules,
		PolicyBook:    a.SLA.Policies,
		Now:           now,
		Log:           log,
		Metrics:       reg,
		MetricsToken:  c.MetricsToken,
		MetricsOnMain: c.MetricsAddr == "",
		Ready:         db.Ping,
		BaseURL:       c.BaseURL,
		MaxUpload:     int64(c.MaxUploadMB) << 20,
		PublicRate:    c.PublicRate,
		Company:       c.Company,
		SecureCookies: c.SecureCookies,
		HSTS:          c.HSTS,
		Version:       Version,
		Mail:          a.Mail,
		MailStatus:    a.MailStatus,
		ReplyReach:    cc.Reach,
	}
	return a, nil
}

// Handler returns the whole HTTP handler.
func (a *App) Handler() http.Handler {
	return web.NewHandler(a.Deps, api.Mount, ui.Mount)
}

// Close stops pending letter retries and releases the database.
func (a *App) Close() error {
	return a.DB.Close()
}

// ensureAdmin creates the administrator "admin" on an empty user table,
// with the configured password or a random one printed once.
func (a *App) ensureAdmin(ctx context.Context, out io.Writer) error {
	n, err := a.DB.Auth().CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := a.Config.AdminPassword
	printed := false
	if pw == "" {
		pw = auth.RandomToken(12)
		printed = true
	}
	u := &org.User{Username: "admin", Name: "系统管理员", Role: org.RoleAdmin, Lang: "zh"}
	hash := auth.HashPassword(pw)
	if err := a.Org.CreateUser(ctx, u, hash, audit.System); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return nil // another server created it at the same moment
		}
		return fmt.Errorf("create first administrator: %w", err)
	}
	if printed {
		// A generated password was shown on a console: whoever signs in
		// with it first must choose their own (not so for one given in
		// admin-password, which the operator chose).
		svc := &auth.Service{Store: a.DB.Auth(), Now: a.Now}
		if err := svc.MarkGenerated(ctx, u.ID, hash, audit.System); err != nil {
			return fmt.Errorf("first administrator: %w", err)
		}
	}
	if printed && out != nil {
		fmt.Fprintf(out, "\n%s\n  first administrator created: user \"admin\", password %q\n  (shown once; it must be changed at the first sign-in)\n%s\n\n",
			strings.Repeat("=", 60), pw, strings.Repeat("=", 60))
	}
	return nil
}

// qualityLookup tells whether a category is a quality one; categories are
// added, never reclassified, so known answers are remembered.
func qualityLookup(db *sqlstore.DB) func(ctx context.Context, code string) (bool, error) {
	var known sync.Map
	return func(ctx context.Context, code string) (bool, error) {
		if q, ok := known.Load(code); ok {
			return q.(bool), nil
		}
		cats, err := db.Complaints().Categories(ctx)
		if err != nil {
			return false, err
		}
		for _, k := range cats {
			known.Store(k.Code, k.Quality)
		}
		q, _ := known.Load(code)
		b, _ := q.(bool)
		return b, nil
	}
}

func workerName() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// letterStore reads complaints from the store and records on their
// timelines through the case service.
type letterStore struct {
	complaints sqlstore.ComplaintStore
	cases      *casework.Service
}

func (l letterStore) Get(ctx context.Context, id int64) (*complaint.Complaint, error) {
	return l.complaints.Get(ctx, id)
}

func (l letterStore) GetMany(ctx context.Context, ids []int64) (map[int64]*complaint.Complaint, error) {
	return l.complaints.GetMany(ctx, ids)
}

func (l letterStore) SystemEvent(ctx context.Context, id int64, e complaint.Event) error {
	return l.cases.SystemEvent(ctx, id, e)
}

func (l letterStore) SystemEvents(ctx context.Context, evs []complaint.Event) error {
	return l.cases.SystemEvents(ctx, evs)
}

// registered applies the batch-incident rule (TRI-6) to newly registered
// quality complaints about lots, reading them in one query, and names the
// dealer serving each complaint of a sub-distributor or end user (CUS-2);
// everything else registration does is in its transaction. It still
// starts the clocks of complaints an older kesu registered without them
// (its registration jobs may be left in the table). Safe to repeat.
func registered(db *sqlstore.DB, incidents *incident.Service, dealers func(ctx context.Context, ids []int64) error) func(ctx context.Context, ids []int64) error {
	return func(ctx context.Context, ids []int64) error {
		if err := db.SLAClocks().StartClocks(ctx, ids); err != nil {
			return err
		}
		if err := incidents.CheckAll(ctx, ids, audit.System); err != nil {
			return err
		}
		// 谁销售谁服务 (CUS-2): the dealer serving the customer is named
		// on the case and told.
		return dealers(ctx, ids)
	}
}

// registeredHandler runs the registration job of one intake batch.
func registeredHandler(run func(ctx context.Context, ids []int64) error) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var ids []int64
		if err := json.Unmarshal(j.Payload, &ids); err != nil {
			return jobs.Permanent(fmt.Errorf("registration payload: %w", err))
		}
		return run(ctx, ids)
	}
}

// registeredBatch runs the registration jobs the worker claimed together,
// as one job for all their complaints: one read of the complaints, of
// each lot's incident and of each customer, one write of the timeline
// entries, however many intake batches they come from. A failure fails
// them all, to be run again (each step is safe to repeat); a broken
// payload fails its own job only.
func registeredBatch(run func(ctx context.Context, ids []int64) error) jobs.BatchHandler {
	return func(ctx context.Context, js []jobs.Job) []error {
		errs := make([]error, len(js))
		var all []int64
		var at []int
		seen := map[int64]bool{}
		for i, j := range js {
			var ids []int64
			if err := json.Unmarshal(j.Payload, &ids); err != nil {
				errs[i] = jobs.Permanent(fmt.Errorf("registration payload: %w", err))
				continue
			}
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					all = append(all, id)
				}
			}
			at = append(at, i)
		}
		if len(all) > 0 {
			if err := run(ctx, all); err != nil {
				for _, i := range at {
					errs[i] = err
				}
			}
		}
		return errs
	}
}
