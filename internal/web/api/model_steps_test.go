package api_test

// The steps of the model-based test: what a random user (an attacker
// included) does to a random complaint through the real HTTP API and the
// public pages. Each step draws its choices from its own generator and
// picks its complaint by its index, so a step means the same whichever
// steps ran before it; whom it sends and what it asks for depend on the
// state it finds.

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/org"
)

type stepKind int

const (
	kAction stepKind = iota
	kDecide
	kEdit
	kNote
	kAttach
	kInvestigate
	kCAPA
	kAssign
	kParties
	kMemo
	kLink
	kMerge
	kSurveyLink
	kSurvey
	kTrackReply
	kRead
	kList
	kStats
	kExport
	kWork
	kDuplicates
	kWorker
	kTime
	kCreate
	kAdvance
	kParts
	kQTicket // the branch queue (model_queue_test.go): a ticket taken
	kQCall   // a counter calls the next ticket
	kQAct    // a counter action on a ticket
	kQBranch // a branch changed or added
	kQSetup  // a service type or counter added or changed
	kQReport // a branch's analytics or simulation read
	numKinds
)

// kindWeights: how often each kind of step is drawn.
var kindWeights = [numKinds]int{kAction: 34, kDecide: 14, kEdit: 6, kNote: 3, kAttach: 1, kInvestigate: 3, kCAPA: 12,
	kAssign: 3, kParties: 2, kMemo: 1, kLink: 1, kMerge: 1, kSurveyLink: 2, kSurvey: 2, kTrackReply: 2, kRead: 4, kList: 3,
	kStats: 1, kExport: 1, kWork: 2, kDuplicates: 1, kWorker: 3, kTime: 1, kCreate: 2, kAdvance: 45,
	kParts: 10, kQTicket: 8, kQCall: 6, kQAct: 8, kQBranch: 2, kQSetup: 2, kQReport: 1}

// step is one generated step: its kind and the seed of its choices.
type step struct {
	Kind stepKind
	R    uint64
}

// genSteps draws n steps from seed.
func genSteps(seed uint64, n int) []step {
	r := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	total := 0
	for _, wt := range kindWeights {
		total += wt
	}
	out := make([]step, n)
	for i := range out {
		x := r.IntN(total)
		k := stepKind(0)
		for ; x >= kindWeights[k]; k++ {
			x -= kindWeights[k]
		}
		out[i] = step{Kind: k, R: r.Uint64()}
	}
	return out
}

// outcome is what a step did, for the invariants and the log.
type outcome struct {
	index      int
	kind       stepKind
	action     string // the workflow action of an action step
	desc       string
	status     int
	body       []byte
	actor      *muser
	public     bool  // the complainant through the public pages
	publicCase int64 // the complaint their code or link names
	target     *mcase
	write      bool
	worker     bool               // jobs ran during the step (they may change cases)
	needs      map[int64][]string // permissions the change needs, by complaint
	reads      []int64            // other complaints a success shows the actor was allowed to read
	violations []violation        // found by the step itself (reads, lists)
	queue      *qStep             // what the model expects of a queue request
}

func (o *outcome) need(id int64, ps ...string) {
	if o.needs == nil {
		o.needs = map[int64][]string{}
	}
	o.needs[id] = append(o.needs[id], ps...)
}

// send calls the API and records the request and answer on o.
func (w *modelWorld) send(o *outcome, u *muser, method, path string, body any) (answer, error) {
	o.actor = u
	a, err := w.call(u, method, path, body)
	o.status, o.body = a.Status, a.Body
	bs := ""
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		bs = " (form)"
	default:
		j, _ := json.Marshal(b)
		bs = " " + string(j)
	}
	o.desc = fmt.Sprintf("%s %s %s%s", u, method, path, bs)
	if err != nil {
		return a, err
	}
	o.desc += fmt.Sprintf(" → %d", a.Status)
	if a.Status >= 400 {
		o.desc += " " + a.errRule()
	}
	return a, nil
}

// pickCase draws a complaint: most of the time one of three in the
// current window, which moves on every 150 steps, so that some cases go
// deep into their lifecycle. The choice depends on the step's index, not
// on the state, so that a step picks the same complaint when a shrunk
// sequence leaves out steps on other complaints.
func (w *modelWorld) pickCase(r *rand.Rand, _ *snap) *mcase {
	n := len(w.cases)
	if r.IntN(10) < 7 {
		k := w.step / 150 * 3
		return w.cases[(k+r.IntN(3))%n]
	}
	return w.cases[r.IntN(n)]
}

func (w *modelWorld) otherCase(r *rand.Rand, not *mcase) *mcase {
	if len(w.cases) < 2 {
		return not
	}
	for {
		if c := w.cases[r.IntN(len(w.cases))]; c != not {
			return c
		}
	}
}

func (w *modelWorld) anyUser(r *rand.Rand) *muser { return w.users[r.IntN(len(w.users))] }

// pick draws a user for whom ok holds, nil when there is none.
func (w *modelWorld) pick(r *rand.Rand, ok func(*muser) bool) *muser {
	var cands []*muser
	for _, u := range w.users {
		if ok(u) {
			cands = append(cands, u)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return cands[r.IntN(len(cands))]
}

// actor is, with probability p, a user for whom plausible holds (someone
// who should succeed); else, half the time, a near miss — someone for whom
// near holds (the right role, say) but not plausible: another department,
// the wrong rank, a case that is theirs only through a CAPA action; else
// anyone at all. Now and then it is one of the people the case complains
// about (当事人).
func (w *modelWorld) actor(r *rand.Rand, rec *casework.Record, p float64, plausible func(*muser) bool, near ...func(*muser) bool) *muser {
	if rec != nil && len(rec.Parties) > 0 && r.IntN(10) == 0 {
		if u := w.byID[rec.Parties[r.IntN(len(rec.Parties))]]; u != nil {
			return u
		}
	}
	if r.Float64() < p {
		if u := w.pick(r, plausible); u != nil {
			return u
		}
	}
	if r.IntN(3) > 0 {
		// the nearest misses first
		for _, n := range near {
			if u := w.pick(r, func(u *muser) bool { return n(u) && !plausible(u) }); u != nil && r.IntN(3) > 0 {
				return u
			}
		}
	}
	return w.anyUser(r)
}

// roleIn is the near miss of a step its definition gives to roles.
func roleIn(roles ...string) func(*muser) bool {
	return func(u *muser) bool { return slices.Contains(roles, u.Role) }
}

// hasPerm is the near miss of a step that needs a permission.
func hasPerm(p string) func(*muser) bool { return func(u *muser) bool { return can(u, p) } }

// staffOf draws a front-line user of the case's department (or anyone).
func (w *modelWorld) staffOf(r *rand.Rand, rec *casework.Record) *muser {
	u := w.pick(r, func(u *muser) bool {
		return rec.DepartmentID != nil && u.Dept == *rec.DepartmentID &&
			slices.Contains([]string{org.RoleAgent, org.RoleHandler, org.RoleQAEngineer, org.RoleManager}, u.Role)
	})
	if u == nil {
		u = w.anyUser(r)
	}
	return u
}

// version is the version the request says it read: mostly the current
// one, sometimes stale or missing.
func version(r *rand.Rand, rec *casework.Record) any {
	switch x := r.IntN(100); {
	case x < 93:
		return rec.Version
	case x < 97:
		return rec.Version - 1
	}
	return nil
}

func oneOf[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

var (
	amounts     = []string{"0", "150", "200", "480", "500", "1500", "2000", "2000.01", "5000", "15000", "20000", "20000.01", "50000", "90000"}
	resolutions = []string{"replace", "refund", "compensation", "repair", "return", "discount", "parts", "redelivery", "apology",
		"explanation", "none"}
	words = []string{"漏水", "异味", "态度", "发票", "延误", "破损"}
)

// run executes step i and returns its outcome; err is a failure of the
// test itself (the server unreachable, the database unreadable).
func (w *modelWorld) run(i int, st step, s *snap) (*outcome, error) {
	r := rand.New(rand.NewPCG(st.R, 0x6b657375))
	o := &outcome{index: i, kind: st.Kind, write: true}
	w.step = i
	w.queueStep = isQueueKind(st.Kind) || st.Kind == kWorker || st.Kind == kTime
	var err error
	switch st.Kind {
	case kAction:
		err = w.stepAction(r, s, o)
	case kDecide:
		err = w.stepDecide(r, s, o)
	case kEdit:
		err = w.stepEdit(r, s, o)
	case kNote:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		_, err = w.send(o, u, "POST", casePath(mc.Number, "/notes"), map[string]any{"body": "跟进记录：" + oneOf(r, words...),
			"public": r.IntN(3) == 0})
	case kAttach:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		_, err = w.send(o, u, "POST", casePath(mc.Number, "/attachments"), newMultipart(nil, "检测报告.txt", "硬度 62 HA"))
	case kInvestigate:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		kind := oneOf(r, "note", "call", "site_visit", "evidence", "sample_test", "returned_goods_test", "stock_check", "bogus")
		_, err = w.send(o, u, "POST", casePath(mc.Number, "/investigations"), map[string]any{"kind": kind, "body": "现场核查：" + oneOf(r, words...)})
	case kCAPA:
		err = w.stepCAPA(r, s, o)
	case kAssign:
		err = w.stepAssign(r, s, o)
	case kParties:
		err = w.stepParties(r, s, o)
	case kMemo:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		_, err = w.send(o, u, "POST", casePath(mc.Number, "/memos"), map[string]any{"body": "签呈：请求提高赔偿额度"})
	case kLink, kMerge:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		to := w.otherCase(r, mc)
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		o.reads = []int64{to.ID}
		if st.Kind == kLink {
			_, err = w.send(o, u, "POST", casePath(mc.Number, "/links"), map[string]any{"number": to.Number,
				"kind": oneOf(r, "duplicate", "repeat", "repeat", "merged")})
		} else {
			_, err = w.send(o, u, "POST", casePath(mc.Number, "/merge"), map[string]any{"into": to.Number, "version": version(r, rec)})
		}
	case kSurveyLink:
		mc := w.pickCase(r, s)
		rec := s.recs[mc.ID]
		u := w.actor(r, rec, 0.7, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		var a answer
		if a, err = w.send(o, u, "POST", casePath(mc.Number, "/survey-link"), nil); err == nil && a.Status == http.StatusCreated {
			var t struct{ Token string }
			json.Unmarshal(a.Body, &t)
			mc.Surveys = append(mc.Surveys, t.Token)
		}
	case kSurvey:
		err = w.stepSurvey(r, o)
	case kTrackReply:
		mc := w.pickCase(r, s)
		code := mc.Code
		if r.IntN(8) == 0 {
			code = w.otherCase(r, mc).Code // another complaint's code: refused
		}
		o.public, o.publicCase, o.target = true, mc.ID, mc
		form := url.Values{"n": {mc.Number}, "c": {code}, "body": {"补充说明：" + oneOf(r, words...)}}
		_, err = w.send(o, nil, "POST", "/track/reply", newMultipart(form, "", ""))
		o.desc = "complainant " + o.desc
	case kRead:
		err = w.stepRead(r, s, o)
	case kList:
		err = w.stepList(r, s, o)
	case kStats:
		err = w.stepStats(r, s, o)
	case kExport:
		err = w.stepExport(r, s, o)
	case kWork:
		err = w.stepWork(r, s, o)
	case kDuplicates:
		err = w.stepDuplicates(r, s, o)
	case kWorker:
		o.worker = true
		o.desc = "the job worker runs"
		err = w.work()
		o.status = http.StatusOK
	case kTime:
		d := oneOf(r, time.Hour, 8*time.Hour, 24*time.Hour, 72*time.Hour)
		w.clk.advance(d)
		o.worker = true
		o.desc = fmt.Sprintf("%v pass, then the job worker runs", d)
		err = w.work()
		o.status = http.StatusOK
	case kCreate:
		_, err = w.create(r, o)
	case kAdvance:
		err = w.stepAdvance(r, s, o)
	case kParts:
		err = w.stepParts(r, s, o)
	case kQTicket, kQCall, kQAct, kQBranch, kQSetup, kQReport:
		err = w.stepQueue(r, st.Kind, s, o)
	}
	return o, err
}

// work runs the due jobs (registration: clocks, incidents; exports;
// notices; time-limit timers) until none is left.
func (w *modelWorld) work() error {
	for range 20 {
		n, err := w.app.Worker.RunDue(context.Background())
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

// create registers a complaint: through the API by a random user (those
// who may not are refused), or through the public form.
func (w *modelWorld) create(r *rand.Rand, o *outcome) (*mcase, error) {
	sev := oneOf(r, "minor", "minor", "major", "major", "critical")
	cat := oneOf(r, "quality.leak", "quality.function", "quality.appearance", "quality.material", "service.attitude",
		"service.response", "price.invoice", "delivery.late", "other")
	phone := fmt.Sprintf("138%08d", r.IntN(4))
	batch := oneOf(r, "", "B2026-01", "B2026-02")
	subject := oneOf(r, words...) + "投诉"
	o.kind = kCreate
	if r.IntN(6) == 0 {
		form := url.Values{"complainant.name": {"公众投诉人"}, "complainant.phone": {phone}, "subject": {subject},
			"description": {"网上投诉：" + subject}, "batch_no": {batch}, "product_name": {"净水器"}}
		o.public = true
		a, err := w.send(o, nil, "POST", "/complaint/new", newMultipart(form, "", ""))
		o.desc = "complainant " + o.desc
		if err != nil || a.Status != http.StatusSeeOther {
			return nil, err
		}
		loc, err := url.Parse(a.Header.Get("Location"))
		if err != nil {
			return nil, err
		}
		return w.registered(loc.Query().Get("n"), loc.Query().Get("c"), 0)
	}
	u := w.actor(r, nil, 0.8, func(u *muser) bool { return can(u, pCreate) })
	body := map[string]any{"channel": oneOf(r, "phone", "email", "visit"), "subject": subject, "description": "客户反映：" + subject,
		"category": cat, "severity": sev, "safety": cat == "quality.leak" && r.IntN(5) == 0, "batch_no": batch,
		"complainant": map[string]any{"name": "张三", "phone": phone}}
	if r.IntN(4) == 0 {
		body["department_id"] = w.depts[oneOf(r, modelDepartments...)]
	}
	if r.IntN(3) > 0 {
		body["customer_id"] = oneOf(r, w.customers...)
	}
	a, err := w.send(o, u, "POST", "/api/v1/complaints", body)
	if err != nil || a.Status != http.StatusCreated {
		return nil, err
	}
	var c struct {
		Number       string `json:"number"`
		TrackingCode string `json:"tracking_code"`
	}
	if err := json.Unmarshal(a.Body, &c); err != nil {
		return nil, err
	}
	return w.registered(c.Number, c.TrackingCode, u.ID)
}

// registered adds a new complaint to the population.
func (w *modelWorld) registered(number, code string, creator int64) (*mcase, error) {
	c, err := w.app.DB.Complaints().GetByNumber(context.Background(), number)
	if err != nil {
		return nil, err
	}
	// Registration chooses the configured profile (the shipped routing
	// rules choose none); every later check compares with it.
	mc := &mcase{ID: c.ID, Number: number, Code: code, Profile: w.profile, Creator: creator}
	w.cases = append(w.cases, mc)
	w.byCase[mc.ID] = mc
	return mc, nil
}

// stepAction takes a workflow action: mostly one that starts from the
// case's state, by someone the definition and the scopes would let take
// it; often by anyone at all.
func (w *modelWorld) stepAction(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	p := w.prof[rec.Profile]
	var here []string
	for _, code := range p.Order {
		if p.Actions[code].starts(p, rec.Status) {
			here = append(here, code)
		}
	}
	code := "no_such_step"
	switch x := r.IntN(100); {
	case x < 85 && len(here) > 0:
		code = weighted(r, here)
	case x < 98:
		code = p.Order[r.IntN(len(p.Order))]
	}
	o.action = code
	a := p.Actions[code]
	perm := pUpdate
	if a != nil && a.Contact {
		perm = pContact
	}
	chain := p.chain(rec.Amount, rec.Currency, rec.Severity, rec.Level)
	plausible := func(u *muser) bool {
		if a == nil || !slices.Contains(a.Roles, u.Role) || isParty(u, rec) || !w.may(u, rec, perm) {
			return false
		}
		if a.Authority {
			if !w.approves(u, rec) {
				return false
			}
			if n := len(rec.Approvers); a.Effects.RecordsApproval &&
				(n >= len(chain) || slices.Contains(rec.Approvers, u.ID) || p.rank(u.Role) < p.rank(chain[n])) {
				return false
			}
		}
		if a.HolderOnly && rec.HolderID != nil {
			return u.ID == *rec.HolderID || rec.BackupID != nil && u.ID == *rec.BackupID
		}
		return true
	}
	near := []func(*muser) bool{hasPerm(pUpdate)}
	if a != nil {
		// the right role and a way into the case (a CAPA action, the
		// first receipt), but not the authority, scope or holdership
		near = []func(*muser) bool{func(u *muser) bool { return slices.Contains(a.Roles, u.Role) && w.may(u, rec, perm) },
			roleIn(a.Roles...)}
	}
	u := w.actor(r, rec, 0.75, plausible, near...)
	body := map[string]any{}
	if v := version(r, rec); v != nil {
		body["version"] = v
	}
	if r.IntN(100) < 85 {
		body["reason"] = "客户来电说明：" + oneOf(r, words...)
	}
	if r.IntN(2) == 0 {
		body["comment"] = "意见：同意"
	}
	if a != nil && a.Effects.Reply != "" && r.IntN(10) > 0 || r.IntN(10) == 0 {
		body["body"] = "您好，关于您的投诉，我司处理意见如下：" + oneOf(r, resolutions...)
	}
	switch code {
	case "follow_up_satisfied":
		body["satisfaction"] = 4 + r.IntN(2)
	case "follow_up_unsatisfied":
		body["satisfaction"] = 1 + r.IntN(3)
		body["comment"] = "不满意处理结果"
	case "wait_on_customer":
		body["reminder_date"] = w.clk.t.Add(72 * time.Hour).Format(time.DateOnly)
	case "merge":
		switch x := r.IntN(10); {
		case x < 8:
			body["merge_into"] = w.otherCase(r, mc).Number
		case x < 9:
			body["merge_into"] = mc.Number
		default:
			body["merge_into"] = "KS-19990101-9999"
		}
	}
	if r.IntN(10) == 0 {
		body["satisfaction"] = 1 + r.IntN(5)
	}
	if r.IntN(3) == 0 {
		body["method"] = oneOf(r, "phone", "visit", "email")
	}
	o.target = mc
	o.need(mc.ID, perm)
	if a != nil && a.Authority {
		o.need(mc.ID, pApprove)
	}
	if m, ok := body["merge_into"].(string); ok {
		for _, c := range w.cases {
			if c.Number == m && c != mc {
				o.reads = []int64{c.ID}
			}
		}
	}
	_, err := w.send(o, u, "POST", casePath(mc.Number, "/actions/"+code), body)
	o.desc += " [" + rec.Status + "]"
	return err
}

// sideWeights make the steps that end or park a case rarer than those
// that move it on, so that cases go deep into their lifecycle.
var sideWeights = map[string]int{"withdraw": 1, "merge": 1, "wait_on_customer": 1, "archive": 1, "reject": 3,
	"customer_disagrees": 3, "follow_up_unsatisfied": 3, "verify_ineffective": 4, "escalate": 2}

func weighted(r *rand.Rand, codes []string) string {
	total := 0
	for _, c := range codes {
		total += cmp.Or(sideWeights[c], 8)
	}
	x := r.IntN(total)
	for _, c := range codes {
		if x -= cmp.Or(sideWeights[c], 8); x < 0 {
			return c
		}
	}
	return codes[0]
}

// stepDecide records decisions: mostly what the case needs next,
// otherwise a change of the plan (amount, currency, resolution, level) at
// any point — after signatures, after the reply, while executing.
func (w *modelWorld) stepDecide(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	u := w.actor(r, rec, 0.7, func(u *muser) bool {
		return w.may(u, rec, pDecide) && !isParty(u, rec) && (rec.HolderID == nil || u.ID == *rec.HolderID || r.IntN(3) == 0)
	}, hasPerm(pDecide))
	d := map[string]any{}
	if v := version(r, rec); v != nil {
		d["version"] = v
	}
	if r.IntN(8) == 0 {
		return w.moneyStep(r, mc, rec, u, d, o)
	}
	if r.IntN(10) < 6 {
		w.progress(r, rec, d)
	} else {
		for range 1 + r.IntN(3) {
			switch r.IntN(6) {
			case 0, 1:
				d["amount"] = oneOf(r, append(amounts, "-5", "12.345", "abc")...)
			case 2:
				d["resolution"] = oneOf(r, append(resolutions, "bogus")...)
			case 3:
				d["currency"] = oneOf(r, "CNY", "USD", "EUR", "usd", "X1")
			case 4:
				d["level"] = r.IntN(5)
			case 5:
				d["resolution_executed"] = r.IntN(2) == 0
			}
		}
	}
	if r.IntN(15) == 0 {
		d["responsible"] = []map[string]any{{"department_id": w.depts[oneOf(r, modelDepartments...)], "share": 100}}
	}
	o.target = mc
	o.need(mc.ID, pDecide)
	_, err := w.send(o, u, "PATCH", casePath(mc.Number, "/decision"), d)
	return err
}

// progress fills in what the case needs for its next step: the
// classification while investigating, the responsibility, then the plan
// (an amount from nothing to far beyond every limit), its execution.
func (w *modelWorld) progress(r *rand.Rand, rec *casework.Record, d map[string]any) {
	plan := func(free bool) {
		if free {
			d["resolution"], d["amount"] = oneOf(r, "explanation", "apology", "none"), "0"
		} else {
			d["resolution"], d["amount"] = oneOf(r, resolutions[:8]...), oneOf(r, amounts...)
		}
		d["currency"] = "CNY"
	}
	switch rec.Status {
	case "registered":
		// resolved on the spot: mostly within the front line's limit
		plan(r.IntN(2) == 0)
		if r.IntN(3) > 0 {
			d["amount"] = oneOf(r, "0", "100", "150", "200")
		}
		if w.prof[rec.Profile].Name == "service" {
			d["level"] = 1 + r.IntN(3)
		}
	case "accepted", "investigating":
		d["established"] = r.IntN(5) > 0
		d["validity"] = oneOf(r, "valid", "valid", "valid", "pending_improvement", "invalid")
		if w.prof[rec.Profile].Name == "service" {
			d["level"] = 1 + r.IntN(3)
		}
	case "responsibility_determined":
		if r.IntN(3) == 0 {
			// not ours, not established or invalid: an explanation
			d["responsibility"] = oneOf(r, "customer", "undetermined")
			plan(true)
		} else {
			d["established"], d["validity"] = true, "valid"
			d["responsibility"] = oneOf(r, "internal", "internal", "supplier", "logistics")
			if w.prof[rec.Profile].Name == "bank" {
				d["root_cause"] = "根本原因：" + oneOf(r, words...)
				plan(r.IntN(4) == 0)
			}
		}
	case "measures":
		d["root_cause"] = "根本原因：" + oneOf(r, words...)
		plan(r.IntN(5) == 0)
	case "replied", "executing", "approval":
		d["resolution_executed"] = true
	default:
		if rec.Resolution == "" {
			plan(r.IntN(2) == 0)
		}
		d["resolution_executed"] = r.IntN(2) == 0
	}
}

// stepEdit changes the complaint's record: triage (severity, category,
// safety), its department, who received it, its text; on a finished case
// with or without a correction reason.
func (w *modelWorld) stepEdit(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	fin := w.final(rec)
	var u *muser
	// Finished cases are corrected by administrators, mostly their triage.
	if r.IntN(4) == 0 || fin && r.IntN(10) < 6 {
		u = w.pick(r, func(u *muser) bool { return u.Role == org.RoleAdmin })
	} else {
		u = w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pEdit) && !isParty(u, rec) }, hasPerm(pEdit))
	}
	body := map[string]any{}
	if v := version(r, rec); v != nil {
		body["version"] = v
	}
	if r.IntN(100) < 35 || fin && r.IntN(2) == 0 {
		body["severity"] = oneOf(r, "minor", "major", "critical")
	}
	if r.IntN(100) < 25 {
		body["category"] = oneOf(r, "quality.leak", "quality.function", "service.attitude", "price.invoice", "other")
	}
	if r.IntN(100) < 10 {
		body["safety"] = r.IntN(2) == 0
	}
	moves := false
	if r.IntN(100) < 20 {
		d := w.depts[oneOf(r, modelDepartments...)]
		body["department_id"] = d
		moves = rec.DepartmentID == nil || *rec.DepartmentID != d
	}
	if r.IntN(100) < 8 {
		body["first_receiver_id"] = w.anyUser(r).ID
	}
	if len(body) <= 1 || r.IntN(100) < 30 {
		body["description"] = "补充描述：" + oneOf(r, words...)
	}
	if fin && r.IntN(10) < 7 || !fin && r.IntN(10) == 0 {
		body["correction_reason"] = "登记错误，更正"
	}
	o.target = mc
	if fin {
		o.need(mc.ID, pCorrect)
	} else {
		o.need(mc.ID, pEdit)
		if moves {
			o.need(mc.ID, pAssign)
		}
	}
	_, err := w.send(o, u, "PATCH", casePath(mc.Number, ""), body)
	return err
}

// stepCAPA adds, completes, verifies or reworks a CAPA action.
func (w *modelWorld) stepCAPA(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	var live []casework.CAPAAction
	for _, a := range s.capa[mc.ID] {
		if a.SupersededBy == nil {
			live = append(live, a)
		}
	}
	sel := func(ok func(casework.CAPAAction) bool) *casework.CAPAAction {
		var cs []casework.CAPAAction
		for _, a := range live {
			if ok(a) {
				cs = append(cs, a)
			}
		}
		if len(cs) == 0 {
			if len(live) == 0 || r.IntN(2) == 0 {
				return nil
			}
			cs = live
		}
		return &cs[r.IntN(len(cs))]
	}
	verifier := func(u *muser) bool {
		return slices.Contains([]string{org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM, org.RoleAdmin}, u.Role)
	}
	plausible := func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }
	o.target = mc
	o.need(mc.ID, pUpdate)
	base := casePath(mc.Number, "/capa")
	sub := r.IntN(10)
	if r.IntN(10) < 7 {
		// what the case needs now
		switch {
		case slices.ContainsFunc(live, func(a casework.CAPAAction) bool { return a.Verification == "ineffective" }):
			sub = 8
		case rec.Status == "measures" && len(live) == 0 || rec.Status == "responsibility_determined":
			sub = 0
		case slices.ContainsFunc(live, func(a casework.CAPAAction) bool { return a.Status == "open" }):
			sub = 4
		case slices.ContainsFunc(live, func(a casework.CAPAAction) bool { return a.Status == "done" && a.Verification == "" }):
			sub = 6
		}
	}
	var act *casework.CAPAAction
	switch {
	case sub >= 4 && sub < 6:
		act = sel(func(a casework.CAPAAction) bool { return a.Status == "open" })
	case sub >= 6 && sub < 8:
		act = sel(func(a casework.CAPAAction) bool { return a.Status == "done" && a.Verification == "" })
		plausible = func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) && verifier(u) }
	case sub >= 8:
		act = sel(func(a casework.CAPAAction) bool { return a.Verification == "ineffective" })
	}
	u := w.actor(r, rec, 0.75, plausible, hasPerm(pUpdate))
	if act == nil {
		body := map[string]any{"kind": oneOf(r, "containment", "corrective", "corrective", "preventive"),
			"description": "措施：" + oneOf(r, words...) + strconv.Itoa(r.IntN(1000))}
		switch x := r.IntN(10); {
		case x < 5:
			body["owner_user_id"] = w.staffOf(r, rec).ID
		case x < 6:
			body["owner_user_id"] = w.anyUser(r).ID
		case x < 7:
			// a manager of another department: the case becomes theirs
			body["owner_user_id"] = w.pick(r, roleIn(org.RoleManager)).ID
		case x < 9:
			d := w.depts[oneOf(r, modelDepartments...)]
			if rec.DepartmentID != nil && r.IntN(2) == 0 {
				d = *rec.DepartmentID
			}
			body["owner_department_id"] = d
		default:
			body["supplier_id"] = w.supplier
		}
		if r.IntN(3) == 0 {
			body["due_date"] = w.clk.t.Add(14 * 24 * time.Hour).Format(time.DateOnly)
		}
		_, err := w.send(o, u, "POST", base, body)
		return err
	}
	path := fmt.Sprintf("%s/%d/", base, act.ID)
	body := map[string]any{"version": act.Version}
	switch {
	case sub < 6:
		path += "complete"
		body["evidence"] = "已完成，附检验记录"
	case sub < 8:
		path += "verify"
		body["effective"] = r.IntN(10) < 7
		body["note"] = "复检结果"
		body["update_standard"] = body["effective"] == true && r.IntN(4) == 0
	default:
		path += "rework"
		body["description"] = act.Description
		if r.IntN(10) > 0 {
			body["description"] = "改进措施：" + oneOf(r, words...) + strconv.Itoa(r.IntN(1000))
		}
	}
	_, err := w.send(o, u, "POST", path, body)
	return err
}

// stepAssign sets holder and backup: usually people of the case's
// department, sometimes anyone, a 当事人, or nobody.
func (w *modelWorld) stepAssign(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	person := func() any {
		switch x := r.IntN(10); {
		case x < 5:
			return w.staffOf(r, rec).ID
		case x < 6:
			return w.pick(r, roleIn(org.RoleManager)).ID
		case x < 7:
			return w.anyUser(r).ID
		case x < 8 && len(rec.Parties) > 0:
			return rec.Parties[r.IntN(len(rec.Parties))]
		}
		return nil
	}
	u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pAssign) && !isParty(u, rec) }, hasPerm(pAssign))
	body := map[string]any{"holder_id": person(), "backup_id": person()}
	if v := version(r, rec); v != nil {
		body["version"] = v
	}
	o.target = mc
	o.need(mc.ID, pAssign)
	_, err := w.send(o, u, "POST", casePath(mc.Number, "/assign"), body)
	return err
}

// stepParties names the people complained about (当事人): the holder, staff
// of the department, a manager or a general manager, or nobody.
func (w *modelWorld) stepParties(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	ids := []int64{}
	for range r.IntN(3) {
		switch x := r.IntN(10); {
		case x < 4 && rec.HolderID != nil:
			ids = append(ids, *rec.HolderID)
		case x < 8:
			ids = append(ids, w.staffOf(r, rec).ID)
		default:
			ids = append(ids, w.anyUser(r).ID)
		}
	}
	u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pAssign) && !isParty(u, rec) }, hasPerm(pAssign))
	o.target = mc
	o.need(mc.ID, pAssign)
	_, err := w.send(o, u, "PUT", casePath(mc.Number, "/parties"), map[string]any{"user_ids": ids})
	return err
}

// stepSurvey answers a survey link on the public page (a used or made-up
// link is refused).
func (w *modelWorld) stepSurvey(r *rand.Rand, o *outcome) error {
	var with []*mcase
	for _, c := range w.cases {
		if len(c.Surveys) > 0 {
			with = append(with, c)
		}
	}
	o.public = true
	tok := "made-up-token"
	if len(with) > 0 && r.IntN(10) > 0 {
		mc := with[r.IntN(len(with))]
		tok = mc.Surveys[r.IntN(len(mc.Surveys))]
		o.publicCase, o.target = mc.ID, mc
	}
	score := 4 + r.IntN(2)
	if r.IntN(3) == 0 {
		score = 1 + r.IntN(3)
	}
	form := url.Values{"t": {tok}, "satisfaction": {strconv.Itoa(score)}, "comment": {"评价"}}
	_, err := w.send(o, nil, "POST", "/survey", newMultipart(form, "", ""))
	o.desc = "complainant " + o.desc
	return err
}

// stepRead reads one complaint: shown only to who may read it.
func (w *modelWorld) stepRead(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	u := w.anyUser(r)
	o.write, o.target = false, mc
	a, err := w.send(o, u, "GET", casePath(mc.Number, oneOf(r, "", "/case", "/timeline", "/clocks", "/attachments")), nil)
	if err != nil {
		return err
	}
	w.readResult(o, u, rec, a.Status)
	return nil
}

// readResult judges the answer to a read of rec by u.
func (w *modelWorld) readResult(o *outcome, u *muser, rec *casework.Record, status int) {
	may := w.may(u, rec, pRead)
	switch {
	case status == http.StatusOK && !may:
		o.violations = append(o.violations, violation{Inv: invRead, Case: rec.Number,
			Msg: fmt.Sprintf("%s shown to %s (%s of %s), who may not read a case of %s", o.desc, u, u.Role, w.deptName[u.Dept], w.deptOf(rec))})
	case (status == http.StatusForbidden || status == http.StatusNotFound) && may:
		o.violations = append(o.violations, violation{Inv: invComplete, Case: rec.Number,
			Msg: fmt.Sprintf("%s refused, though %s (%s) may read it", o.desc, u, u.Role)})
	}
}

// listed judges a list of complaint numbers shown to u: each readable;
// with complete, every readable complaint shown.
func (w *modelWorld) listed(o *outcome, s *snap, u *muser, what string, numbers []string, complete bool) {
	w.listedAs(invList, o, s, u, what, numbers, complete)
}

func (w *modelWorld) listedAs(inv string, o *outcome, s *snap, u *muser, what string, numbers []string, complete bool) {
	shown := map[string]bool{}
	for _, n := range numbers {
		shown[n] = true
		mc := w.byNumber(n)
		if mc == nil {
			continue
		}
		if rec := s.recs[mc.ID]; !w.may(u, rec, pRead) {
			o.violations = append(o.violations, violation{Inv: inv, Case: n,
				Msg: fmt.Sprintf("%s: %s shows %s to %s (%s of %s), who may not read a case of %s", o.desc, what, n, u, u.Role,
					w.deptName[u.Dept], w.deptOf(rec))})
		}
	}
	if !complete {
		return
	}
	for _, mc := range w.cases {
		if rec := s.recs[mc.ID]; rec != nil && w.may(u, rec, pRead) && !shown[mc.Number] {
			o.violations = append(o.violations, violation{Inv: invComplete, Case: mc.Number,
				Msg: fmt.Sprintf("%s: %s leaves out %s, which %s (%s) may read", o.desc, what, mc.Number, u, u.Role)})
		}
	}
}

func (w *modelWorld) byNumber(n string) *mcase {
	for _, c := range w.cases {
		if c.Number == n {
			return c
		}
	}
	return nil
}

// stepList lists or searches complaints, following every page.
func (w *modelWorld) stepList(r *rand.Rand, s *snap, o *outcome) error {
	u := w.anyUser(r)
	o.write = false
	q := url.Values{"limit": {"200"}}
	complete := r.IntN(2) == 0
	if !complete {
		switch r.IntN(4) {
		case 0:
			q.Set("q", oneOf(r, words...))
		case 1:
			q.Set("status", oneOf(r, "registered", "accepted", "approval", "replied", "follow_up", "closed", "withdrawn", "merged"))
		case 2:
			q.Set("department_id", strconv.FormatInt(w.depts[oneOf(r, modelDepartments...)], 10))
		default:
			q.Set("severity", oneOf(r, "minor", "major", "critical"))
		}
	}
	var numbers []string
	for range 50 {
		a, err := w.send(o, u, "GET", "/api/v1/complaints?"+q.Encode(), nil)
		if err != nil || a.Status != http.StatusOK {
			return err
		}
		var page struct {
			Items []struct{ Number string }
			Next  string
		}
		if err := json.Unmarshal(a.Body, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			numbers = append(numbers, it.Number)
		}
		if page.Next == "" {
			break
		}
		q.Set("after", page.Next)
	}
	w.listed(o, s, u, "the complaint list", numbers, complete)
	return nil
}

// stepStats reads the statistics of the whole period: the total counts
// only what the reader may read.
func (w *modelWorld) stepStats(r *rand.Rand, s *snap, o *outcome) error {
	u := w.actor(r, nil, 0.7, func(u *muser) bool { return can(u, pReport) })
	o.write = false
	a, err := w.send(o, u, "GET", "/api/v1/reports/statistics?from=2026-01-01&to=2027-12-31", nil)
	if err != nil || a.Status != http.StatusOK {
		if err == nil && a.Status == http.StatusForbidden && can(u, pReport) {
			o.violations = append(o.violations, violation{Inv: invComplete, Msg: o.desc + ": statistics refused to a role that reads reports"})
		}
		return err
	}
	if !can(u, pReport) {
		o.violations = append(o.violations, violation{Inv: invList, Msg: fmt.Sprintf("%s: statistics shown to %s (%s)", o.desc, u, u.Role)})
	}
	var st struct{ Total int }
	if err := json.Unmarshal(a.Body, &st); err != nil {
		return err
	}
	want := 0
	for _, mc := range w.cases {
		if w.may(u, s.recs[mc.ID], pRead) {
			want++
		}
	}
	switch {
	case st.Total > want:
		o.violations = append(o.violations, violation{Inv: invList,
			Msg: fmt.Sprintf("%s: statistics count %d complaints for %s (%s of %s), who may read %d", o.desc, st.Total, u, u.Role, w.deptName[u.Dept], want)})
	case st.Total < want:
		o.violations = append(o.violations, violation{Inv: invComplete,
			Msg: fmt.Sprintf("%s: statistics count %d complaints for %s (%s), who may read %d", o.desc, st.Total, u, u.Role, want)})
	}
	return nil
}

// stepExport exports the complaint list as CSV and reads the file back.
func (w *modelWorld) stepExport(r *rand.Rand, s *snap, o *outcome) error {
	u := w.actor(r, nil, 0.7, func(u *muser) bool { return can(u, pExport) })
	o.write = false
	a, err := w.send(o, u, "POST", "/api/v1/exports", map[string]any{"kind": "complaints", "format": "csv", "filter": map[string]string{}})
	if err != nil || a.Status != http.StatusAccepted {
		return err
	}
	var e struct{ ID int64 }
	if err := json.Unmarshal(a.Body, &e); err != nil {
		return err
	}
	o.worker = true // the export job runs with whatever else is due
	if err := w.work(); err != nil {
		return err
	}
	desc := o.desc
	f, err := w.call(u, "GET", fmt.Sprintf("/api/v1/exports/%d/file", e.ID), nil)
	if err != nil {
		return err
	}
	o.desc = desc + fmt.Sprintf(", file → %d", f.Status)
	if f.Status != http.StatusOK {
		o.status = f.Status
		return nil
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(f.Body), "\ufeff"))).ReadAll()
	if err != nil {
		return fmt.Errorf("export file: %w", err)
	}
	var numbers []string
	for _, row := range recs {
		for _, cell := range row {
			if w.byNumber(cell) != nil {
				numbers = append(numbers, cell)
				break
			}
		}
	}
	w.listed(o, s, u, "the export", numbers, true)
	return nil
}

// stepWork reads the user's work list: their cases and plans awaiting
// their signature, all readable by them.
func (w *modelWorld) stepWork(r *rand.Rand, s *snap, o *outcome) error {
	u := w.actor(r, nil, 0.6, func(u *muser) bool { return can(u, pApprove) })
	o.write = false
	a, err := w.send(o, u, "GET", "/api/v1/me/work", nil)
	if err != nil || a.Status != http.StatusOK {
		return err
	}
	var page struct {
		Items []struct {
			Number string
			ToSign bool `json:"to_sign"`
		}
	}
	if err := json.Unmarshal(a.Body, &page); err != nil {
		return err
	}
	var numbers []string
	toSign := map[string]bool{}
	for _, it := range page.Items {
		numbers = append(numbers, it.Number)
		if it.ToSign {
			toSign[it.Number] = true
		}
	}
	w.listed(o, s, u, "my work", numbers, false)
	// The plans awaiting u's signature, and only those, are marked to sign.
	for _, mc := range w.cases {
		rec := s.recs[mc.ID]
		switch may := w.mayNowSign(u, rec); {
		case may && !toSign[mc.Number]:
			o.violations = append(o.violations, violation{Inv: invAwait, Case: mc.Number,
				Msg: fmt.Sprintf("%s: the plan awaits the signature of %s (%s), but their work list does not say so", o.desc, u, u.Role)})
		case !may && toSign[mc.Number]:
			o.violations = append(o.violations, violation{Inv: invAwait, Case: mc.Number,
				Msg: fmt.Sprintf("%s: the work list of %s (%s) asks them to sign a plan they cannot sign (awaiting %q, 当事人 %v, signed %v)",
					o.desc, u, u.Role, rec.AwaitingRole, isParty(u, rec), slices.Contains(rec.Approvers, u.ID))})
		}
	}
	return nil
}

// stepDuplicates reads the duplicates and links of a complaint: the other
// complaints it names are readable by the reader too.
func (w *modelWorld) stepDuplicates(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	u := w.anyUser(r)
	o.write, o.target = false, mc
	a, err := w.send(o, u, "GET", casePath(mc.Number, "/duplicates"), nil)
	if err != nil {
		return err
	}
	w.readResult(o, u, s.recs[mc.ID], a.Status)
	if a.Status != http.StatusOK {
		return nil
	}
	var d struct {
		Suggestions []struct{ Number string }
		Links       []struct{ Number string }
	}
	if err := json.Unmarshal(a.Body, &d); err != nil {
		return err
	}
	var numbers []string
	for _, x := range d.Suggestions {
		numbers = append(numbers, x.Number)
	}
	w.listedAs(invSuggest, o, s, u, "the duplicate suggestions", numbers, false)
	numbers = nil
	for _, x := range d.Links {
		numbers = append(numbers, x.Number)
	}
	w.listedAs(invSuggest, o, s, u, "the links", numbers, false)
	return nil
}

// stepAdvance is a diligent user moving a case on: the request its state
// needs next (a decision, a CAPA step, the next signature, the next
// workflow step), by someone who should succeed. It takes cases deep into
// their lifecycle, where the other steps then attack them.
func (w *modelWorld) stepAdvance(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	p := w.prof[rec.Profile]
	o.target = mc
	var live []casework.CAPAAction
	for _, a := range s.capa[mc.ID] {
		if a.SupersededBy == nil {
			live = append(live, a)
		}
	}
	has := func(ok func(casework.CAPAAction) bool) *casework.CAPAAction {
		for i := range live {
			if ok(live[i]) {
				return &live[i]
			}
		}
		return nil
	}
	// act takes a workflow step by someone the definition, the scopes and
	// the approval rules let take it (the holder when it is theirs).
	act := func(code string, extra map[string]any) error {
		a := p.Actions[code]
		if a == nil {
			return w.stepAction(r, s, o)
		}
		perm := pUpdate
		if a.Contact {
			perm = pContact
		}
		chain := p.chain(rec.Amount, rec.Currency, rec.Severity, rec.Level)
		u := w.pick(r, func(u *muser) bool {
			if !slices.Contains(a.Roles, u.Role) || isParty(u, rec) || !w.may(u, rec, perm) {
				return false
			}
			if a.Authority {
				n := len(rec.Approvers)
				if !w.approves(u, rec) || a.Effects.RecordsApproval && (n >= len(chain) || slices.Contains(rec.Approvers, u.ID) ||
					p.rank(u.Role) < p.rank(chain[n])) {
					return false
				}
			}
			if a.HolderOnly && rec.HolderID != nil {
				return u.ID == *rec.HolderID || rec.BackupID != nil && u.ID == *rec.BackupID
			}
			return true
		})
		if u == nil {
			// nobody may: give the case to someone of its department
			return w.stepAssign(r, s, o)
		}
		body := map[string]any{"version": rec.Version, "reason": "按流程处理", "comment": "同意"}
		if a.Effects.Reply != "" {
			body["body"] = "您好，关于您的投诉，我司处理如下：" + rec.Resolution
		}
		for k, v := range extra {
			body[k] = v
		}
		o.action = code
		o.need(mc.ID, perm)
		if a.Authority {
			o.need(mc.ID, pApprove)
		}
		_, err := w.send(o, u, "POST", casePath(mc.Number, "/actions/"+code), body)
		o.desc += " [" + rec.Status + "]"
		return err
	}
	decide := func(d map[string]any) error {
		u := w.pick(r, func(u *muser) bool {
			return w.may(u, rec, pDecide) && !isParty(u, rec) && (rec.HolderID == nil || u.ID == *rec.HolderID)
		})
		if u == nil {
			u = w.pick(r, func(u *muser) bool { return w.may(u, rec, pDecide) && !isParty(u, rec) })
		}
		if u == nil {
			return w.stepAssign(r, s, o)
		}
		d["version"] = rec.Version
		o.need(mc.ID, pDecide)
		_, err := w.send(o, u, "PATCH", casePath(mc.Number, "/decision"), d)
		return err
	}
	capa := func() error { return w.stepCAPA(r, s, o) }
	explain := rec.Responsibility == "customer" || rec.Responsibility == "undetermined" || rec.Validity == "invalid" ||
		rec.Validity == "pending_improvement" || rec.Established != nil && !*rec.Established
	switch rec.Status {
	case "registered":
		if p.Name == "service" && rec.Level == 0 {
			return decide(map[string]any{"level": 1 + r.IntN(3)})
		}
		if rec.Resolution != "" && rec.Amount <= 20000 && rec.Severity != "critical" && r.IntN(3) == 0 {
			return act("resolve_on_spot", nil)
		}
		return act("accept", nil)
	case "accepted":
		return act("start_investigation", nil)
	case "investigating":
		if rec.Established == nil || rec.Validity == "" {
			return decide(map[string]any{"established": r.IntN(6) > 0, "validity": oneOf(r, "valid", "valid", "valid", "invalid")})
		}
		return act("determine_responsibility", nil)
	case "responsibility_determined":
		if rec.Responsibility == "" {
			return decide(map[string]any{"responsibility": oneOf(r, "internal", "internal", "internal", "supplier", "logistics", "customer"),
				"established": r.IntN(8) > 0, "validity": oneOf(r, "valid", "valid", "valid", "valid", "invalid")})
		}
		if explain {
			if !freePlan(rec.Resolution, rec.Amount) {
				return decide(map[string]any{"resolution": "explanation", "amount": "0", "currency": "CNY"})
			}
			return act("reply_explanation", nil)
		}
		if p.Name == "bank" {
			if rec.Resolution == "" || rec.RootCause == "" {
				return decide(map[string]any{"root_cause": "柜面差错", "resolution": oneOf(r, "refund", "compensation", "apology"),
					"amount": oneOf(r, amounts...), "currency": "CNY"})
			}
			return act("submit_for_approval", nil)
		}
		return act("propose_measures", nil)
	case "measures":
		needCAPA := (rec.Responsibility == "internal" || rec.Responsibility == "logistics") && len(live) == 0 ||
			rec.Responsibility == "supplier" && has(func(a casework.CAPAAction) bool { return a.SupplierID != nil }) == nil
		switch {
		case has(func(a casework.CAPAAction) bool { return a.Verification == "ineffective" }) != nil || needCAPA:
			return capa()
		case rec.RootCause == "" || rec.Resolution == "" || r.IntN(5) == 0:
			return decide(map[string]any{"root_cause": "根本原因：" + oneOf(r, words...), "resolution": oneOf(r, resolutions[:8]...),
				"amount": oneOf(r, amounts...), "currency": "CNY"})
		case p.Actions["reply_direct"] != nil && rec.Amount <= 50000 && r.IntN(3) == 0:
			return act("reply_direct", nil)
		}
		return act("submit_for_approval", nil)
	case "approval":
		if len(rec.Approvers) < len(p.chain(rec.Amount, rec.Currency, rec.Severity, rec.Level)) {
			if r.IntN(8) == 0 {
				return act("reject", nil)
			}
			return act("approve", nil)
		}
		return act("reply", nil)
	case "replied":
		if p.Name == "bank" && !rec.ResolutionExecuted {
			return decide(map[string]any{"resolution_executed": true})
		}
		return act("customer_agrees", nil)
	case "executing":
		switch {
		case has(func(a casework.CAPAAction) bool { return a.Status == "open" }) != nil:
			return capa()
		case !rec.ResolutionExecuted:
			return decide(map[string]any{"resolution_executed": true})
		}
		return act("execute", nil)
	case "verification":
		switch {
		case has(func(a casework.CAPAAction) bool { return a.Status != "done" || a.Verification == "" }) != nil:
			return capa()
		case has(func(a casework.CAPAAction) bool { return a.Verification == "ineffective" }) != nil:
			return act("verify_ineffective", nil)
		}
		return act("verify_effective", nil)
	case "follow_up":
		if r.IntN(2) == 0 {
			return act("close", nil)
		}
		return act("follow_up_satisfied", map[string]any{"satisfaction": 4 + r.IntN(2)})
	case "resolved_on_spot":
		return act("start_follow_up", nil)
	case "closed":
		switch r.IntN(6) {
		case 0:
			return act("archive", nil)
		case 1, 2, 3:
			// an administrator corrects the closed case's triage
			u := w.pick(r, func(u *muser) bool { return u.Role == org.RoleAdmin })
			o.need(mc.ID, pCorrect)
			_, err := w.send(o, u, "PATCH", casePath(mc.Number, ""), map[string]any{"version": rec.Version,
				"severity": oneOf(r, "minor", "major", "critical", "critical"), "category": oneOf(r, "quality.leak", "service.attitude"),
				"correction_reason": "登记错误，更正"})
			return err
		}
		return act("reopen", nil)
	case "withdrawn":
		return act("reinstate", nil)
	case "merged":
		return act("archive", nil)
	case "waiting_on_customer":
		return act("resume", nil)
	}
	return w.stepRead(r, s, o)
}

// moneyStep moves money on a case (FIN-1, FIN-2): a costed loss, a
// credit note for an amount from nothing to beyond every limit, issuing
// it, a reward/penalty notice or its approval — on any case, finished ones
// included, by whoever the decide step drew.
func (w *modelWorld) moneyStep(r *rand.Rand, mc *mcase, rec *casework.Record, u *muser, d map[string]any, o *outcome) error {
	o.target = mc
	o.need(mc.ID, pDecide)
	amount := oneOf(r, amounts[1:]...)
	var method, path string
	switch r.IntN(5) {
	case 0:
		method, path = "PUT", "/loss"
		d["parts"], d["labour_minutes"], d["returned_units"] = amount, r.IntN(300), r.IntN(3)
	case 1:
		method, path = "PUT", "/credit-note"
		d["reason"] = "折让"
		d["receivables"] = []map[string]any{{"ref": fmt.Sprintf("INV-%d", r.IntN(5)), "amount": amount}}
	case 2, 3:
		method, path = "POST", "/credit-note/issue"
	case 4:
		method, path = "PUT", "/penalty"
		d["lines"] = []map[string]any{{"department_id": w.depts[oneOf(r, modelDepartments...)], "kind": "penalty", "amount": amount}}
	}
	_, err := w.send(o, u, method, casePath(mc.Number, path), d)
	o.desc += " [" + rec.Status + "]"
	return err
}

// stepParts sends parts on a case, or books an entry on a dealer's
// after-sales account (004 §6.3, CUS-3): random quantities and prices, in
// or out of the warranty, on cases of every customer class and finished
// ones; purchases, payments, charges and credit approvals by random users,
// those without authority included.
func (w *modelWorld) stepParts(r *rand.Rand, s *snap, o *outcome) error {
	mc := w.pickCase(r, s)
	rec := s.recs[mc.ID]
	if r.IntN(5) < 3 {
		u := w.actor(r, rec, 0.6, func(u *muser) bool { return w.may(u, rec, pUpdate) && !isParty(u, rec) }, hasPerm(pUpdate))
		o.target = mc
		o.need(mc.ID, pUpdate)
		d := map[string]any{"part": oneOf(r, "滤芯", "密封圈", "电源板"), "qty": oneOf(r, 1, 1, 2, 3, 10, 0, -1, 10000),
			"unit_price": oneOf(r, "0", "12.50", "35", "300.00", "4999.99", "1.234", "", "9999999999999.99"), "in_warranty": r.IntN(2) == 0}
		if v := version(r, rec); v != nil {
			d["version"] = v
		}
		_, err := w.send(o, u, "POST", casePath(mc.Number, "/parts"), d)
		o.desc += " [" + rec.Status + "]"
		return err
	}
	dealer := oneOf(r, w.dealers...)
	if r.IntN(10) == 0 {
		dealer = oneOf(r, w.customers...) // perhaps not a dealer: refused
	}
	u := w.anyUser(r)
	if r.IntN(2) == 0 {
		u = w.pick(r, roleIn(org.RoleManager))
	}
	d := map[string]any{"kind": oneOf(r, "purchase", "purchase", "payment", "credit_approval", "credit_approval", "charge"),
		"amount": oneOf(r, "100", "2000", "50000.00", "200000", "0.01", "0", "-5")}
	if r.IntN(2) == 0 {
		d["complaint_number"] = mc.Number
	}
	_, err := w.send(o, u, "POST", fmt.Sprintf("/api/v1/dealers/%d/ledger", dealer), d)
	o.desc += " [" + rec.Status + "]"
	return err
}
