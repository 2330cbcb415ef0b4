package app_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/notify/webhook"
	"kesu/internal/org"
	"kesu/internal/smtptest"

	"github.com/thedatashed/xlsxreader"
)

const hookSecret = "test-webhook-secret-0123"

// clock is a settable fake clock shared by two servers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver is a webhook receiver that verifies signatures against the fake
// clock, keeps the events it accepts and answers 503 while down.
type receiver struct {
	clock    *clock
	mu       sync.Mutex
	down     bool
	events   []notify.Event
	refused  int
	failures map[string]int // by event type
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := webhook.Verify(hookSecret, req.Header.Get(webhook.SignatureHeader), body, r.clock.Now(), 0); err != nil {
		r.refused++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.down {
		r.failures[req.Header.Get(webhook.EventHeader)]++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	var ev notify.Event
	if err := json.Unmarshal(body, &ev); err != nil || req.Header.Get(webhook.DeliveryHeader) != ev.ID {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	r.events = append(r.events, ev)
}

func (r *receiver) byType(typ string) []notify.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []notify.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// smsGateway records the request bodies of the SMS HTTP provider.
type smsGateway struct {
	mu     sync.Mutex
	bodies []string
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	if req.Header.Get("X-Api-Key") != "k-1" {
		http.Error(w, "no key", http.StatusUnauthorized)
		return
	}
	g.mu.Lock()
	g.bodies = append(g.bodies, string(b))
	g.mu.Unlock()
}

// notifyEnv is two kesu servers on one database with mail, SMS and
// webhooks pointed at local receivers.
type notifyEnv struct {
	t                        *testing.T
	ctx                      context.Context
	clock                    *clock
	a, b                     *app.App
	mail                     *smtptest.Server
	hook                     *receiver
	sms                      *smsGateway
	holder, backup, mgr, agt *org.User
}

func eachEngine(t *testing.T, f func(t *testing.T, e *notifyEnv)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newNotifyEnv(t, "")) })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { f(t, newNotifyEnv(t, freshSchema(t, u))) })
	}
}

func freshSchema(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_notify_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func newNotifyEnv(t *testing.T, pgURL string) *notifyEnv {
	e := &notifyEnv{t: t, ctx: t.Context(), clock: &clock{t: time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)}, // Tuesday 09:00 in Beijing
		mail: smtptest.Start(t), sms: &smsGateway{}}
	e.hook = &receiver{clock: e.clock, failures: map[string]int{}}
	hooks := httptest.NewServer(e.hook)
	t.Cleanup(hooks.Close)
	gateway := httptest.NewServer(e.sms)
	t.Cleanup(gateway.Close)
	data := t.TempDir()
	open := func() *app.App {
		cfg, err := app.Load(flag.NewFlagSet("kesu", flag.ContinueOnError), []string{
			"--data", data, "--db", pgURL, "--admin-password", "admin-pass-123", "--base-url", "https://kesu.example",
			"--smtp-host", e.mail.Host, "--smtp-port", strconv.Itoa(e.mail.Port), "--smtp-from", "kesu@example.com", "--smtp-tls", "none",
			"--sms-url", gateway.URL + "/send", "--sms-headers", "X-Api-Key: k-1", "--sms-template", `{"phone":"{{.To}}","msg":"{{.Text}}"}`,
			"--webhook-urls", hooks.URL + "/kesu", "--webhook-secret", hookSecret,
		}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Open(e.ctx, cfg, e.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	e.a, e.b = open(), open()
	e.b.Worker.Name = "server-b"
	rs := e.a.DB.Registers()
	user := func(name, role, email, phone, lang string, dept *int64) *org.User {
		u := &org.User{Username: name, Name: name, Role: role, Email: email, Phone: phone, Lang: lang, DepartmentID: dept}
		if err := rs.CreateUser(e.ctx, u, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.mgr = user("manager.cs", org.RoleManager, "manager@example.com", "", "zh", nil)
	d := &org.Department{Code: "notify_cs", Name: "通知测试部", ManagerID: &e.mgr.ID}
	if err := rs.CreateDepartment(e.ctx, d, audit.System); err != nil {
		t.Fatal(err)
	}
	e.holder = user("holder.cs", org.RoleHandler, "holder@example.com", "13812348000", "zh", &d.ID)
	e.backup = user("backup.cs", org.RoleHandler, "backup@example.com", "", "en", &d.ID)
	e.agt = user("agent.cs", org.RoleAgent, "", "", "zh", &d.ID)
	return e
}

// register files a complaint held by the holder and runs the jobs that
// follow (clocks start, webhook event).
func (e *notifyEnv) register(subject string) *complaint.Complaint {
	e.t.Helper()
	c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: subject + "，请处理。",
		Complainant: complaint.Complainant{Name: "李四", Phone: "13900001111"}, HolderID: &e.holder.ID, BackupID: &e.backup.ID}
	if _, err := e.a.Deps.Complaints.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	e.drain(e.a)
	return c
}

// drain runs due jobs on s until none is left.
func (e *notifyEnv) drain(s *app.App) {
	e.t.Helper()
	for {
		n, err := s.Worker.RunDue(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// both runs the due jobs and the monitor's sweep on both servers at once.
func (e *notifyEnv) both() {
	var wg sync.WaitGroup
	for _, s := range []*app.App{e.a, e.b} {
		wg.Go(func() {
			for {
				n, err := s.Worker.RunDue(e.ctx)
				if err != nil {
					e.t.Error(err)
				}
				if n == 0 || err != nil {
					return
				}
			}
		})
		wg.Go(func() {
			if _, _, err := s.SLA.Monitor.Pass(e.ctx); err != nil {
				e.t.Error(err)
			}
		})
	}
	wg.Wait()
	e.drain(e.a) // jobs the sweep enqueued
}

func (e *notifyEnv) jobs(status, kind string) []jobs.Job {
	e.t.Helper()
	js, err := e.a.DB.Jobs().List(e.ctx, jobs.Filter{Status: status, Kind: kind, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

// A time limit passes: the holder, the backup and the manager each get
// one email (Chinese or English by their language, text and HTML), the
// holder an SMS, and the webhook receiver one signed sla.breach event,
// with two servers running the timers.
func TestBreachIsMailedTextedAndPostedOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		c := e.register("净水器漏水")
		if ev := e.hook.byType(notify.EventRegistered); len(ev) != 1 || !strings.Contains(string(ev[0].Data), c.Number) {
			t.Fatalf("registered events %+v", ev)
		}
		if n := len(e.mail.Messages()); n != 0 {
			t.Fatalf("%d emails before any time limit", n)
		}
		// First contact (sla_1) is due 24 h after receipt; move past it.
		e.clock.Add(24*time.Hour + time.Minute)
		e.both()
		e.both() // a second round finds nothing new to send

		subject := "【已逾期】" + c.Number + " 首次联系投诉人"
		got := map[string]smtptest.Message{}
		seen := map[string]int{}
		for _, m := range e.mail.Messages() {
			seen[m.To[0]+" "+m.Subject]++
			if strings.HasPrefix(m.Subject, "【已逾期】"+c.Number+" 首次联系") || strings.HasPrefix(m.Subject, "[Overdue] "+c.Number+" First contact") {
				got[m.To[0]] = m
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%d emails %q", n, k)
			}
		}
		h, ok := got["holder@example.com"]
		if !ok || h.Subject != subject {
			t.Fatalf("no breach email to the holder; got %v", seen)
		}
		if !strings.Contains(h.Text, "holder.cs，您好") || !strings.Contains(h.Text, "https://kesu.example/complaints/"+strconv.FormatInt(c.ID, 10)) ||
			!strings.Contains(h.HTML, "<h1>"+subject+"</h1>") {
			t.Fatalf("breach email parts:\n%s\n%s", h.Text, h.HTML)
		}
		if b := got["backup@example.com"]; !strings.HasPrefix(b.Subject, "[Overdue] ") || !strings.Contains(b.Text, "Dear backup.cs") {
			t.Fatalf("backup's email %q\n%s", b.Subject, b.Text)
		}
		if _, ok := got["manager@example.com"]; !ok {
			t.Fatalf("no breach email to the manager; got %v", seen)
		}
		// One email per notice recorded in the inbox of a user with an address.
		var notices int
		if err := e.a.DB.R.QueryRowContext(e.ctx, e.a.DB.Dialect.Rebind(
			"SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email <> '' AND n.kind LIKE 'sla.%'")).Scan(&notices); err != nil {
			t.Fatal(err)
		}
		if n := len(e.mail.Messages()); n != notices {
			t.Fatalf("%d emails for %d notices", n, notices)
		}

		// The holder's phone got the breach as an SMS through the gateway.
		texts := 0
		for _, b := range e.sms.bodies {
			var body struct{ Phone, Msg string }
			if err := json.Unmarshal([]byte(b), &body); err != nil {
				t.Fatalf("sms body %q: %v", b, err)
			}
			if body.Phone == "13900001111" && strings.Contains(body.Msg, "已受理") {
				continue // the phone-only complainant's acknowledgement
			}
			if body.Phone != "13812348000" {
				t.Fatalf("sms to %q: %s", body.Phone, body.Msg)
			}
			if strings.Contains(body.Msg, c.Number) && strings.Contains(body.Msg, "首次联系投诉人") && strings.Contains(body.Msg, "逾期") {
				texts++
			}
		}
		if texts != 1 {
			t.Fatalf("%d breach texts in %q", texts, e.sms.bodies)
		}

		// The receiver verified and got each breach once.
		ids := map[string]int{}
		for _, ev := range e.hook.byType(notify.EventBreach) {
			ids[ev.ID]++
		}
		var first notify.TimerData
		for _, ev := range e.hook.byType(notify.EventBreach) {
			var d notify.TimerData
			json.Unmarshal(ev.Data, &d)
			if d.Policy == "sla_1" {
				first = d
			}
		}
		if len(ids) == 0 || first.Number != c.Number || len(first.Notified) != 3 {
			t.Fatalf("breach events %v, sla_1 %+v", ids, first)
		}
		for id, n := range ids {
			if n != 1 {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
		if e.hook.refused != 0 {
			t.Fatalf("%d deliveries failed verification", e.hook.refused)
		}
		if dead := e.jobs(jobs.Dead, ""); len(dead) != 0 {
			t.Fatalf("dead jobs %+v", dead)
		}
	})
}

// A receiver that is down: the event is retried with backoff, ends in the
// dead-letter list, and an administrator's retry delivers it once the
// receiver is back. The status change of a workflow action is an event.
func TestWebhookRetriesThenDeadLetterThenAdminRetry(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		c := e.register("滤芯异味")
		e.hook.down = true
		if _, err := e.a.Cases.Do(e.ctx, c.ID, 0, "accept", nil, casework.Actor{User: e.holder, Audit: audit.Actor{UserID: e.holder.ID}}); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		pending := e.jobs(jobs.Pending, notify.JobWebhook)
		if len(pending) != 1 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "503") {
			t.Fatalf("after one failure: %+v", pending)
		}
		for range jobs.DefaultMaxAttempts {
			e.clock.Add(6*time.Hour + time.Minute) // the longest backoff
			e.drain(e.a)
		}
		// (The time limits breach meanwhile; their events fail as well.)
		var dead []jobs.Job
		for _, j := range e.jobs(jobs.Dead, notify.JobWebhook) {
			if strings.HasPrefix(j.Key, "webhook:"+notify.EventStatusChanged) {
				dead = append(dead, j)
			}
		}
		if len(dead) != 1 || dead[0].Attempts != jobs.DefaultMaxAttempts || e.hook.failures[notify.EventStatusChanged] != jobs.DefaultMaxAttempts {
			t.Fatalf("dead %+v after %d failures", dead, e.hook.failures[notify.EventStatusChanged])
		}
		if ev := e.hook.byType(notify.EventStatusChanged); len(ev) != 0 {
			t.Fatalf("delivered while down: %+v", ev)
		}

		// The administrator retries it through the API once the receiver is back.
		e.hook.mu.Lock()
		e.hook.down = false
		e.hook.mu.Unlock()
		srv := httptest.NewServer(e.a.Handler())
		defer srv.Close()
		admin, err := e.a.DB.Registers().GetUserByUsername(e.ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.a.Deps.Auth.CreateToken(e.ctx, admin.ID, "test", audit.System)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/jobs/%d/retry", srv.URL, dead[0].ID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("retry answered %d", resp.StatusCode)
		}
		e.drain(e.b)
		ev := e.hook.byType(notify.EventStatusChanged)
		if len(ev) != 1 {
			t.Fatalf("status events after the retry: %+v", ev)
		}
		var d struct{ Number, Action, From, To string }
		json.Unmarshal(ev[0].Data, &d)
		if d.Number != c.Number || d.Action != "accept" || d.From != "registered" || d.To != "accepted" {
			t.Fatalf("status event %+v", d)
		}
		for _, j := range e.jobs("", notify.JobWebhook) {
			if j.ID == dead[0].ID && j.Status != jobs.Done {
				t.Fatalf("retried job %+v", j)
			}
		}
		if len(e.hook.byType(notify.EventRegistered)) != 1 {
			t.Fatal("the registration event was not delivered once")
		}
	})
}

// The monthly summary run on the 2nd mails each manager the key figures of
// the month before, its improvement proposals and the statistics workbook,
// once, although both servers run the schedule's job.
func TestMonthlySummaryIsMailedOnceWithWorkbook(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		// Three complaints in February; the summary runs on 2026-03-02.
		e.clock.t = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)
		for _, s := range []string{"净水器漏水", "滤芯异味", "安装师傅迟到"} {
			e.register(s)
		}
		e.clock.t = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Beijing
		for _, s := range []*app.App{e.a, e.b} {
			if err := s.SLA.Scheduler.RunNow(e.ctx, "monthly_summary"); err != nil {
				t.Fatal(err)
			}
		}
		e.both()
		var got []smtptest.Message
		for _, m := range e.mail.Messages() {
			if strings.Contains(m.Subject, "月报") || strings.Contains(m.Subject, "Monthly") {
				got = append(got, m)
			}
		}
		// Both servers asked for the run at the same moment: one run, one
		// email to the manager (the only recipient role with an address).
		to := map[string]int{}
		for _, m := range got {
			to[strings.Join(m.To, ",")]++
		}
		if to["manager@example.com"] != 1 || len(to) != 1 {
			t.Fatalf("summary emails by recipient = %v", to)
		}
		m := got[0]
		if !strings.Contains(m.Subject, "2026-02") || !strings.Contains(m.Text, "接收投诉: 3") || !strings.Contains(m.HTML, "本期无改善提案") {
			t.Errorf("summary email: %q\n%s", m.Subject, m.Text)
		}
		if len(m.Attachments) != 1 || !strings.HasSuffix(m.Attachments[0].Name, ".xlsx") {
			t.Fatalf("attachments = %+v", m.Attachments)
		}
		x, err := xlsxreader.NewReader(m.Attachments[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		total := ""
		for r := range x.ReadRows("汇总") {
			if r.Index == 3 {
				for _, c := range r.Cells {
					if c.Column == "B" {
						total = c.Value
					}
				}
			}
		}
		if total != "3" {
			t.Errorf("workbook total = %q, want 3", total)
		}
		// The scheduled run of 2 April covers March, once for both servers.
		before := len(e.mail.Messages())
		e.clock.t = time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC)
		e.both()
		var monthly []string
		for _, m := range e.mail.Messages()[before:] {
			if strings.Contains(m.Subject, "月报") {
				monthly = append(monthly, m.Subject)
				if !strings.Contains(m.Text, "接收投诉: 0") {
					t.Errorf("March summary text: %s", m.Text)
				}
			}
		}
		if len(monthly) != 1 || !strings.Contains(monthly[0], "2026-03") {
			t.Errorf("scheduled monthly run sent %q", monthly)
		}
	})
}
