package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	_ "github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/web"
	"kesu/internal/web/api"
)

// env is a running kesu with one user and API token per role.
type env struct {
	t      *testing.T
	app    *app.App
	srv    *httptest.Server
	tokens map[string]string
	users  map[string]*org.User
	probe  *http.ServeMux // the API routes alone, to find a request's pattern
	doc    *openapi3.T
	clk    *clock
}

// each runs f against SQLite and, when KESU_TEST_POSTGRES_URL is set, a
// fresh PostgreSQL schema.
func each(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t, "")) })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { f(t, newEnv(t, freshSchema(t, u))) })
	}
}

// freshSchema creates an empty schema and returns a URL that uses it; the
// schema is dropped when the test ends.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_api_" + hex.EncodeToString(b)
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

var (
	docOnce sync.Once
	doc     *openapi3.T
	docErr  error
)

func loadDoc() (*openapi3.T, error) {
	docOnce.Do(func() {
		doc, docErr = openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if docErr == nil {
			docErr = doc.Validate(context.Background())
		}
	})
	return doc, docErr
}

// clock advances one second per reading, from 2026-03-10 10:00 Beijing time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// Add moves the clock on by d.
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var roles = []string{org.RoleAdmin, org.RoleAgent, org.RoleHandler, org.RoleManager, org.RoleGM, org.RoleAuditor}

func newEnv(t *testing.T, pgURL string) *env { return newEnvWith(t, pgURL, nil) }

// eachWith is each on servers configured by configure.
func eachWith(t *testing.T, configure func(*app.Config), f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnvWith(t, "", configure)) })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { f(t, newEnvWith(t, freshSchema(t, u), configure)) })
	}
}

func newEnvWith(t *testing.T, pgURL string, configure func(*app.Config)) *env {
	t.Helper()
	ctx := context.Background()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.DB = pgURL
	cfg.AdminPassword = "admin-pass-123"
	cfg.MaxUploadMB = 1
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	a, err := app.Open(ctx, cfg, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &env{t: t, app: a, tokens: map[string]string{}, users: map[string]*org.User{}, clk: clk}
	for _, role := range roles {
		u, err := a.DB.Registers().GetUserByUsername(ctx, "admin")
		if role != org.RoleAdmin {
			u = &org.User{Username: "u_" + role, Name: "测试" + role, Role: role, Email: role + "@example.com"}
			// The handler and the manager work in QA, where quality
			// complaints are routed; the agent in customer service.
			dept := map[string]string{org.RoleAgent: "cs", org.RoleHandler: "production", org.RoleManager: "qa", org.RoleGM: "gm",
				org.RoleAuditor: "admin"}[role]
			id, derr := a.DB.Cases().DepartmentByCode(ctx, dept)
			if derr != nil {
				t.Fatal(derr)
			}
			u.DepartmentID = &id
			err = a.DB.Registers().CreateUser(ctx, u, "!", audit.System)
		}
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Deps.Auth.CreateToken(ctx, u.ID, "test", audit.System)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role], e.users[role] = tok, u
	}
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	e.probe = http.NewServeMux()
	api.Mount(&web.Router{Mux: e.probe, Deps: a.Deps})
	if e.doc, err = loadDoc(); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return e
}

// resp is an HTTP answer with its body read.
type resp struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *resp) JSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// M decodes the body as an object.
func (r *resp) M() map[string]any {
	var m map[string]any
	r.JSON(&m)
	return m
}

// Err decodes an error body.
func (r *resp) Err() web.ErrorBody {
	var b web.ErrorBody
	r.JSON(&b)
	return b
}

// want fails unless the status is code.
func (r *resp) want(code int) *resp {
	r.t.Helper()
	if r.Status != code {
		r.t.Fatalf("status %d, want %d: %s", r.Status, code, r.Body)
	}
	return r
}

// wantErr checks an error answer: status, code and, if given, that field
// has rule.
func (r *resp) wantErr(status int, code, field, rule string) web.ErrorBody {
	r.t.Helper()
	r.want(status)
	b := r.Err()
	if b.Error.Code != code {
		r.t.Fatalf("error code %q, want %q: %s", b.Error.Code, code, r.Body)
	}
	if field != "" {
		for _, f := range b.Error.Fields {
			if f.Field == field && (rule == "" || f.Rule == rule) {
				if f.Message == "" {
					r.t.Errorf("field %s has no message", field)
				}
				return b
			}
		}
		r.t.Fatalf("no field error %s/%s in %s", field, rule, r.Body)
	}
	return b
}

// req is a request to send.
type req struct {
	role    string // "" for no token
	method  string
	path    string
	body    any // marshalled as JSON unless []byte or string
	ctype   string
	headers map[string]string
}

func (e *env) send(q req) *resp {
	e.t.Helper()
	var rd io.Reader
	ctype := q.ctype
	switch b := q.body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		if ctype == "" {
			ctype = "application/json"
		}
	}
	hr, err := http.NewRequest(q.method, e.srv.URL+q.path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if q.role != "" {
		hr.Header.Set("Authorization", "Bearer "+e.tokens[q.role])
	}
	for k, v := range q.headers {
		hr.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := &resp{t: e.t, Status: res.StatusCode, Header: res.Header, Body: body}
	e.checkSchema(hr, r)
	return r
}

// checkSchema validates every JSON answer against the response schema the
// OpenAPI document gives for its route and status.
func (e *env) checkSchema(hr *http.Request, r *resp) {
	e.t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || hr.URL.Path == api.Prefix+"/openapi.json" {
		return
	}
	_, pattern := e.probe.Handler(hr)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return // unmatched: the JSON 404 catch-all
	}
	item := e.doc.Paths.Value(path)
	if item == nil {
		e.t.Errorf("route %s not in openapi.json", pattern)
		return
	}
	op := item.GetOperation(method)
	if op == nil {
		e.t.Errorf("operation %s not in openapi.json", pattern)
		return
	}
	rr := op.Responses.Status(r.Status)
	if rr == nil || rr.Value == nil {
		if r.Status == http.StatusMethodNotAllowed {
			return
		}
		e.t.Errorf("%s answered %d, not documented: %s", pattern, r.Status, r.Body)
		return
	}
	mt := rr.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		e.t.Errorf("%s %d: no JSON schema documented", pattern, r.Status)
		return
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		e.t.Errorf("%s %d: body is not JSON: %v", pattern, r.Status, err)
		return
	}
	if err := mt.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		e.t.Errorf("%s %d: answer does not match openapi.json: %v\n%s", pattern, r.Status, err, r.Body)
	}
}

func (e *env) get(role, path string) *resp { return e.send(req{role: role, method: "GET", path: path}) }

func (e *env) post(role, path string, body any) *resp {
	return e.send(req{role: role, method: "POST", path: path, body: body})
}

func (e *env) patch(role, path string, body any) *resp {
	return e.send(req{role: role, method: "PATCH", path: path, body: body})
}

// upload sends one file in the multipart field "file".
func (e *env) upload(role, number, name string, content []byte) *resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return e.send(req{role: role, method: "POST", path: "/api/v1/complaints/" + url.PathEscape(number) + "/attachments",
		body: buf.Bytes(), ctype: mw.FormDataContentType()})
}

// complaintCount counts stored complaints.
func (e *env) complaintCount() int {
	e.t.Helper()
	n := 0
	f := complaint.Filter{Limit: 200}
	for {
		p, err := e.app.DB.Complaints().List(context.Background(), f)
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(p.Items)
		if p.Next == "" {
			return n
		}
		f.After = p.Next
	}
}

// attachmentCount counts attachment rows and stored files.
func (e *env) attachmentCount() (rows, files int) {
	e.t.Helper()
	if err := e.app.DB.R.QueryRow("SELECT COUNT(*) FROM attachments").Scan(&rows); err != nil {
		e.t.Fatal(err)
	}
	filepath.WalkDir(e.app.Deps.Files.Dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files++
		}
		return nil
	})
	return rows, files
}

// minimal is the smallest valid complaint body.
func minimal(subject string) map[string]any {
	return map[string]any{"channel": "phone", "subject": subject, "description": "描述:" + subject,
		"complainant": map[string]any{"name": "张三", "phone": "13812348000"}}
}

// create registers a complaint and returns its body.
func (e *env) create(body map[string]any) map[string]any {
	e.t.Helper()
	return e.post(org.RoleAgent, "/api/v1/complaints", body).want(http.StatusCreated).M()
}

// finance adds a finance clerk, signed in as org.RoleFinance, once.
func (e *env) finance() {
	e.t.Helper()
	if _, ok := e.tokens[org.RoleFinance]; ok {
		return
	}
	ctx := context.Background()
	u := &org.User{Username: "u_fin", Name: "测试会计", Role: org.RoleFinance}
	if err := e.app.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.app.Deps.Auth.CreateToken(ctx, u.ID, "test", audit.System)
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[org.RoleFinance], e.users[org.RoleFinance] = tok, u
}
