package api_test

// The world of the model-based test (model_test.go): a running kesu with a
// population of departments, users of every role and complaints, an HTTP
// client that never fails the test itself (the runner decides what a
// failure is), and the workflow profiles read from their JSON files — the
// model's own reading, not the engine's.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
)

// modelClock is the injected clock: one second per reading, and jumps
// when the model lets time pass.
type modelClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *modelClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *modelClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// muser is a user of the population with its API token.
type muser struct {
	ID    int64
	Name  string // username
	Role  string
	Dept  int64 // 0: none
	Token string
}

func (u *muser) String() string {
	if u == nil {
		return "public"
	}
	return fmt.Sprintf("%s(#%d)", u.Name, u.ID)
}

// mcase is a complaint of the population as the model knows it.
type mcase struct {
	ID      int64
	Number  string
	Code    string // tracking code
	Profile string // stored at registration
	Creator int64  // 0: the public form
	Surveys []string
}

// modelWorld is one running server and its population.
type modelWorld struct {
	app     *app.App
	srv     *httptest.Server
	clk     *modelClock
	http    *http.Client
	profile string // the configured default profile
	prof    map[string]*mProfile
	closers []func()

	users    []*muser
	byID     map[int64]*muser
	depts    map[string]int64 // code → id
	deptName map[int64]string
	sub      map[int64][]int64 // department → itself and those below
	supplier int64
	// customers are the population's customers, one or two of each
	// class; class maps their ids to their classes.
	customers []int64
	class     map[int64]string
	dealers   []int64

	cases  []*mcase
	byCase map[int64]*mcase
	step   int     // index of the step running
	q      *mqueue // the branch queue as the model follows it (model_queue_test.go)
	// queueStep: the step running is the queue's or the worker's; the
	// snapshot after it reads the whole queue.
	queueStep bool
}

// modelDepartments are where the population works; qa_lab sits under qa
// so department scopes are checked over a subtree.
var modelDepartments = []string{"cs", "sales", "qa", "qa_lab", "production", "logistics"}

// staffing lists the users of the population: role, department, how many.
var staffing = []struct {
	role, dept string
	n          int
}{
	{org.RoleGM, "gm", 1}, {org.RoleDeputyGM, "gm", 1}, {org.RoleAuditor, "admin", 1}, {org.RoleFinance, "finance", 1},
	{org.RoleWarehouse, "warehouse", 1}, {org.RoleWarehouse, "logistics", 1}, {org.RoleAdmin, "admin", 1},
	{org.RoleManager, "qa", 2}, {org.RoleManager, "qa_lab", 1}, {org.RoleManager, "sales", 1}, {org.RoleManager, "cs", 1},
	{org.RoleManager, "production", 1},
	{org.RoleQAEngineer, "qa", 2}, {org.RoleQAEngineer, "qa_lab", 1}, {org.RoleQAEngineer, "production", 1},
	{org.RoleHandler, "qa", 1}, {org.RoleHandler, "qa_lab", 1}, {org.RoleHandler, "sales", 2}, {org.RoleHandler, "cs", 1},
	{org.RoleHandler, "production", 1}, {org.RoleHandler, "logistics", 1},
	{org.RoleAgent, "cs", 2}, {org.RoleAgent, "sales", 1},
}

// openWorld starts kesu on SQLite (pgURL "") or in a fresh PostgreSQL
// schema, with the profile as the default workflow, and creates the
// population's departments and users.
func openWorld(pgURL, profile string) (w *modelWorld, err error) {
	ctx := context.Background()
	w = &modelWorld{profile: profile, byID: map[int64]*muser{}, depts: map[string]int64{}, deptName: map[int64]string{},
		byCase: map[int64]*mcase{}}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.prof, err = loadProfiles(); err != nil {
		return w, err
	}
	dir, err := os.MkdirTemp("", "kesu-model-")
	if err != nil {
		return w, err
	}
	w.closers = append(w.closers, func() { os.RemoveAll(dir) })
	cfg := app.Defaults()
	cfg.Data = dir
	cfg.AdminPassword = "admin-pass-123"
	cfg.MaxUploadMB = 1
	cfg.PublicRate = 1 << 20
	cfg.Workflow = profile
	if pgURL != "" {
		if cfg.DB, err = modelSchema(pgURL, w); err != nil {
			return w, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return w, err
	}
	w.clk = &modelClock{t: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	a, err := app.Open(ctx, cfg, w.clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		return w, err
	}
	w.app = a
	w.closers = append(w.closers, func() { a.Close() })
	reg := a.DB.Registers()
	ds, err := reg.ListDepartments(ctx)
	if err != nil {
		return w, err
	}
	for _, d := range ds {
		w.depts[d.Code], w.deptName[d.ID] = d.ID, d.Code
	}
	lab := &org.Department{Code: "qa_lab", Name: "品质实验室", ParentID: ptr(w.depts["qa"]), Sort: 41}
	if err := reg.CreateDepartment(ctx, lab, audit.System); err != nil {
		return w, err
	}
	w.depts["qa_lab"], w.deptName[lab.ID] = lab.ID, "qa_lab"
	w.sub = map[int64][]int64{}
	for _, id := range w.depts {
		w.sub[id] = []int64{id}
	}
	w.sub[w.depts["qa"]] = append(w.sub[w.depts["qa"]], lab.ID)
	admin, err := reg.GetUserByUsername(ctx, "admin")
	if err != nil {
		return w, err
	}
	if err := w.addUser(admin); err != nil {
		return w, err
	}
	for _, s := range staffing {
		for i := range s.n {
			if s.role == org.RoleAdmin {
				continue // the first administrator is there already
			}
			name := fmt.Sprintf("%s_%s_%d", s.role, s.dept, i+1)
			u := &org.User{Username: name, Name: name, Role: s.role, Email: name + "@example.com", DepartmentID: ptr(w.depts[s.dept])}
			if err := reg.CreateUser(ctx, u, "!", audit.System); err != nil {
				return w, err
			}
			if err := w.addUser(u); err != nil {
				return w, err
			}
		}
	}
	if err := w.openQueue(ctx); err != nil {
		return w, err
	}
	sp := &product.Supplier{Code: "S-SEAL", Name: "宁波密封件厂"}
	if err := reg.CreateSupplier(ctx, sp, audit.System); err != nil {
		return w, err
	}
	w.supplier = sp.ID
	w.class = map[int64]string{}
	for i, c := range []struct{ class, name string }{{customer.ClassDealer, "华东经销商"}, {customer.ClassDealer, "华南经销商"},
		{customer.ClassWalkIn, "散户"}, {customer.ClassKeyAccount, "大客户"}, {customer.ClassEndUser, "终端用户"},
		{customer.ClassSubDistributor, "分销商"}} {
		cu := &customer.Customer{Code: fmt.Sprintf("C-%d", i+1), Name: c.name, Class: c.class, Region: customer.RegionDomestic}
		if customer.NeedsDealer(c.class) {
			cu.DealerID = ptr(w.dealers[i%2])
		}
		if err := reg.CreateCustomer(ctx, cu, audit.System); err != nil {
			return w, err
		}
		w.customers = append(w.customers, cu.ID)
		w.class[cu.ID] = c.class
		if c.class == customer.ClassDealer {
			w.dealers = append(w.dealers, cu.ID)
		}
	}
	w.srv = httptest.NewServer(a.Handler())
	w.closers = append(w.closers, w.srv.Close)
	w.http = w.srv.Client()
	return w, nil
}

func (w *modelWorld) addUser(u *org.User) error {
	tok, _, err := w.app.Deps.Auth.CreateToken(context.Background(), u.ID, "model", audit.System)
	if err != nil {
		return err
	}
	m := &muser{ID: u.ID, Name: u.Username, Role: u.Role, Token: tok}
	if u.DepartmentID != nil {
		m.Dept = *u.DepartmentID
	}
	w.users = append(w.users, m)
	w.byID[m.ID] = m
	return nil
}

// close stops the server and removes what it stored, newest first.
func (w *modelWorld) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
	w.closers = nil
}

// modelSchema creates an empty PostgreSQL schema, dropped when the world
// closes, and returns a URL that uses it.
func modelSchema(base string, w *modelWorld) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kesu_model_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		return "", fmt.Errorf("create schema: %w", err)
	}
	w.closers = append(w.closers, func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, nil
}

func ptr[T any](v T) *T { return &v }

// answer is an HTTP answer with its body.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// errRule returns the first field rule of an error answer, for the log.
func (a answer) errRule() string {
	var b struct {
		Error struct {
			Code   string
			Fields []struct{ Field, Rule string }
		}
	}
	if json.Unmarshal(a.Body, &b) != nil {
		return ""
	}
	if len(b.Error.Fields) > 0 {
		return b.Error.Code + ":" + b.Error.Fields[0].Field + "/" + b.Error.Fields[0].Rule
	}
	return b.Error.Code
}

// call sends a request as u (nil: no token). body is JSON unless it is
// a *multipartBody.
func (w *modelWorld) call(u *muser, method, path string, body any) (answer, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		return answer{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	// Public form posts are answered with a redirect we read, not follow.
	cl := *w.http
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := cl.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return answer{Status: res.StatusCode, Header: res.Header, Body: data}, err
}

// multipartBody is a form with an optional file.
type multipartBody struct {
	data  []byte
	ctype string
}

func newMultipart(fields url.Values, fileName, content string) *multipartBody {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		io.WriteString(fw, content)
	}
	mw.Close()
	return &multipartBody{data: buf.Bytes(), ctype: mw.FormDataContentType()}
}

func casePath(number, suffix string) string {
	return "/api/v1/complaints/" + url.PathEscape(number) + suffix
}

// mProfile is a workflow profile as the model reads it from its file.
type mProfile struct {
	Name    string
	Initial string
	States  map[string]mState
	Actions map[string]*mAction
	Order   []string // action codes in file order
	// Approval: tiers lowest first (role, up_to in fen, -1 unlimited),
	// limits in fen per role, rates to the base currency.
	Currency     string
	Tiers        []mTier
	CriticalAdds bool
	Levels       map[string][]string
	Limits       map[string]int64
	Rates        map[string]float64
}

type mState struct {
	Kind       string
	Open       bool
	PlanLocked bool
}

type mTier struct {
	Role string
	UpTo int64
}

type mAction struct {
	Code       string   `json:"code"`
	From       []string `json:"from"`
	To         string   `json:"to"`
	Roles      []string `json:"roles"`
	HolderOnly bool     `json:"holder_only"`
	Authority  bool     `json:"authority"`
	Commits    bool     `json:"commits_resolution"`
	Contact    bool     `json:"customer_contact"`
	Requires   []string `json:"requires"`
	Input      []string `json:"input"`
	Effects    struct {
		RecordsApproval bool   `json:"records_approval"`
		ResetsApprovals bool   `json:"resets_approvals"`
		Reply           string `json:"reply"`
		CountsAsReopen  bool   `json:"counts_as_reopen"`
		Escalates       bool   `json:"escalates"`
	} `json:"effects"`
}

// starts reports whether the action starts from state st of p.
func (a *mAction) starts(p *mProfile, st string) bool {
	for _, f := range a.From {
		if f == st || f == "@open" && p.States[st].Open {
			return true
		}
	}
	return false
}

// modelProfiles are the shipped profiles the test walks.
var modelProfiles = []string{"manufacturer", "service", "bank"}

func loadProfiles() (map[string]*mProfile, error) {
	out := map[string]*mProfile{}
	for _, name := range modelProfiles {
		data, err := os.ReadFile(filepath.Join("..", "..", "workflow", "profiles", name+".json"))
		if err != nil {
			return nil, err
		}
		var raw struct {
			Profile string `json:"profile"`
			Initial string `json:"initial"`
			States  []struct {
				Code       string `json:"code"`
				Kind       string `json:"kind"`
				Open       bool   `json:"open"`
				PlanLocked bool   `json:"plan_locked"`
			} `json:"states"`
			Actions  []*mAction `json:"actions"`
			Approval struct {
				Currency string `json:"currency"`
				Tiers    []struct {
					UpTo string `json:"up_to"`
					Role string `json:"role"`
				} `json:"tiers"`
				CriticalAddsLevel bool                `json:"critical_adds_level"`
				Levels            map[string][]string `json:"levels"`
				Limits            map[string]string   `json:"limits"`
				Rates             map[string]float64  `json:"rates"`
			} `json:"approval"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		p := &mProfile{Name: raw.Profile, Initial: raw.Initial, States: map[string]mState{}, Actions: map[string]*mAction{},
			Currency: raw.Approval.Currency, CriticalAdds: raw.Approval.CriticalAddsLevel, Levels: raw.Approval.Levels,
			Limits: map[string]int64{}, Rates: raw.Approval.Rates}
		for _, s := range raw.States {
			p.States[s.Code] = mState{Kind: s.Kind, Open: s.Open, PlanLocked: s.PlanLocked}
		}
		for _, a := range raw.Actions {
			p.Actions[a.Code] = a
			p.Order = append(p.Order, a.Code)
		}
		for _, t := range raw.Approval.Tiers {
			p.Tiers = append(p.Tiers, mTier{Role: t.Role, UpTo: fen(t.UpTo)})
		}
		for r, l := range raw.Approval.Limits {
			p.Limits[r] = fen(l)
		}
		out[name] = p
	}
	return out, nil
}

// fen reads a major-unit amount of a definition file; -1 is unlimited.
func fen(s string) int64 {
	if s == "unlimited" {
		return -1
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac[:2], 10, 64)
	return w*100 + f
}

// base converts an amount to the approval currency; false without a rate.
func (p *mProfile) base(amount int64, currency string) (int64, bool) {
	if currency == "" || currency == p.Currency {
		return amount, true
	}
	r, ok := p.Rates[currency]
	if !ok || r <= 0 {
		return 0, false
	}
	return int64(math.Round(float64(amount) * r)), true
}

// chain is the model's approval chain (WF-5): every tier up to the first
// covering the amount (the whole chain for a currency without a rate), a
// critical complaint adds the next tier, a service level may name roles
// that must sign too.
func (p *mProfile) chain(amount int64, currency, severity string, level int) []string {
	if len(p.Tiers) == 0 {
		return nil
	}
	top := len(p.Tiers) - 1
	if v, ok := p.base(amount, currency); ok {
		for i, t := range p.Tiers {
			if t.UpTo < 0 || v <= t.UpTo {
				top = i
				break
			}
		}
	}
	if severity == "critical" && p.CriticalAdds && top < len(p.Tiers)-1 {
		top++
	}
	var out []string
	for i, t := range p.Tiers {
		need := i <= top
		for _, r := range p.Levels[strconv.Itoa(level)] {
			need = need || r == t.Role
		}
		if need {
			out = append(out, t.Role)
		}
	}
	return out
}

// rank is the tier of a role, -1 when it approves nothing.
func (p *mProfile) rank(role string) int {
	for i, t := range p.Tiers {
		if t.Role == role {
			return i
		}
	}
	return -1
}

// mayCommit reports whether role may promise amount without approval.
func (p *mProfile) mayCommit(role string, amount int64, currency string) bool {
	if amount <= 0 {
		return true
	}
	limit, ok := p.Limits[role]
	if !ok {
		return false
	}
	if limit < 0 {
		return true
	}
	v, ok := p.base(amount, currency)
	return ok && v <= limit
}

// freePlan: a plan that costs nothing needs no approval.
func freePlan(resolution string, amount int64) bool {
	switch resolution {
	case "", "none", "explanation", "apology":
		return amount <= 0
	}
	return false
}
