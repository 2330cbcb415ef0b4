package api_test

// TestModel is a model-based (state-machine) test of the case controls
// (issue 11): seeded random sequences of API calls by random users — every
// role, the people complained about, users of other departments, the
// approvers, the complainant through the public pages — over a population
// of complaints and the branch queue's branches (model_queue_test.go), with
// the invariants of model_check_test.go checked after every step against
// the stored state. A failure is shrunk to a short
// sequence and printed with the command that replays it. docs/workflow.md
// ("Proving the controls") has the commands.
//
// The generator is the test's own (seeded, one generator per step), not a
// property-testing library: each run needs a whole server, and shrinking
// replays candidate sequences on fresh servers.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"kesu/internal/org"
)

var (
	modelSeed    = flag.Uint64("seed", 0, "TestModel: run this seed alone (with -profile and -steps)")
	modelSteps   = flag.Int("steps", 0, "TestModel: steps of a run")
	modelProfile = flag.String("profile", "", "TestModel: workflow profile of a run given by -seed")
	modelOnly    = flag.String("only", "", "TestModel: replay only these steps of the run (comma-separated, as a failure prints)")
	modelIgnore  = flag.String("ignore", "", "TestModel: invariants not to check (comma-separated prefixes, e.g. 6-clock)")
)

// run is one server walked by one seeded sequence.
type run struct {
	profile string
	seed    uint64
	steps   int
}

func (r run) String() string {
	return fmt.Sprintf("-seed=%d -profile=%s -steps=%d", r.seed, r.profile, r.steps)
}

// Defaults: total steps per engine (about 20 s on SQLite and 45 s on
// PostgreSQL on the project's 2-core machine) and steps per run.
var defaultModelSteps = map[string]int{"sqlite": 6000, "postgres": 3000}

const defaultRunSteps = 500

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// plan lists the runs: the one given by -seed, or KESU_MODEL_STEPS steps
// (default 6000 on SQLite, 3000 on PostgreSQL) in runs of KESU_MODEL_RUN
// steps (default 500), the profiles in turn (manufacturer twice as often),
// seeds counting up from KESU_MODEL_SEED (default 1; "random" draws one).
func plan(t *testing.T, engine string) []run {
	if *modelSeed != 0 {
		p := *modelProfile
		if p == "" {
			p = "manufacturer"
		}
		n := *modelSteps
		if n <= 0 {
			n = defaultRunSteps
		}
		return []run{{profile: p, seed: *modelSeed, steps: n}}
	}
	total := envInt("KESU_MODEL_STEPS", defaultModelSteps[engine])
	if *modelSteps > 0 {
		total = *modelSteps
	}
	per := min(envInt("KESU_MODEL_RUN", defaultRunSteps), total)
	base := uint64(1)
	switch s := os.Getenv("KESU_MODEL_SEED"); s {
	case "":
	case "random":
		base = rand.Uint64()%1_000_000 + 1
	default:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("KESU_MODEL_SEED=%q: want a positive number or random", s)
		}
		base = n
	}
	order := []string{"manufacturer", "service", "manufacturer", "bank"}
	if *modelProfile != "" {
		order = []string{*modelProfile}
	}
	var out []run
	for i := 0; total > 0; i++ {
		n := min(per, total)
		out = append(out, run{profile: order[i%len(order)], seed: base + uint64(i), steps: n})
		total -= n
	}
	return out
}

func ignored() []string {
	s := *modelIgnore
	if e := os.Getenv("KESU_MODEL_IGNORE"); e != "" {
		s += "," + e
	}
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func only() ([]int, error) {
	if *modelOnly == "" {
		return nil, nil
	}
	var out []int
	for _, x := range strings.Split(*modelOnly, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return nil, fmt.Errorf("-only: %w", err)
		}
		out = append(out, n)
	}
	sort.Ints(out)
	return out, nil
}

func TestModel(t *testing.T) {
	if testing.Short() {
		t.Skip("the model-based test runs whole servers")
	}
	engines := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{"postgres", u})
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) { modelEngine(t, eng.name, eng.url) })
	}
}

func modelEngine(t *testing.T, engine, pgURL string) {
	keep, err := only()
	if err != nil {
		t.Fatal(err)
	}
	skip := ignored()
	start := time.Now()
	steps := 0
	reported := map[string]bool{}
	budget := shrinkBudget()
	for _, rn := range plan(t, engine) {
		res, err := walk(pgURL, rn, keep, skip)
		if err != nil {
			t.Fatalf("%s %s: %v", engine, rn, err)
		}
		steps += res.executed
		if path := os.Getenv("KESU_MODEL_LOG"); path != "" {
			// Every step of every run, for studying what the model does.
			f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "# %s %s\n%s\n", engine, rn, strings.Join(res.log, "\n"))
			f.Close()
		}
		if testing.Verbose() {
			t.Logf("%s %s: %d steps, %d succeeded; states reached: %s", engine, rn, res.executed, res.succeeded, res.coverage())
		}
		for _, inv := range res.order {
			if reported[inv] {
				continue
			}
			reported[inv] = true
			t0 := time.Now()
			t.Error(report(engine, pgURL, rn, res, res.fails[inv], keep, skip, min(budget, time.Minute)))
			budget = max(budget-time.Since(t0), 0)
		}
	}
	t.Logf("%s: %d steps in %v; invariants broken: %d (ignored: %v)", engine, steps, time.Since(start).Round(time.Millisecond),
		len(reported), skip)
}

// result is what a walk found.
type result struct {
	executed, succeeded int
	fails               map[string]*failure // the first violation of each invariant broken
	order               []string            // invariants broken, in the order found
	log                 []string            // one line per executed step
	states              map[string]int      // cases by profile and state, summed over the steps
	acts                map[string]int      // workflow actions that succeeded
}

// found records the first violation of each invariant; the walk goes on,
// so that one broken invariant does not hide the others.
func (r *result) found(v violation, step int, on []int, targets map[int]string) {
	if r.fails[v.Inv] != nil {
		return
	}
	r.fails[v.Inv] = &failure{v: v, step: step, on: slices.Clone(on), targets: targets}
	r.order = append(r.order, v.Inv)
}

func (r *result) coverage() string {
	var ks, as []string
	for k, n := range r.states {
		ks = append(ks, fmt.Sprintf("%s=%d", k, n))
	}
	for k, n := range r.acts {
		as = append(as, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(ks)
	sort.Strings(as)
	return strings.Join(ks, " ") + "; actions taken: " + strings.Join(as, " ")
}

// failure is the first violation of a walk.
type failure struct {
	v       violation
	step    int   // index of the failing step in the run's sequence
	on      []int // indexes of the steps executed, up to the failing one
	targets map[int]string
}

// walk runs rn on a fresh server: the population, then the steps (only
// those listed in keep, when given), the invariants after each. It stops
// only when the server cannot be reached.
func walk(pgURL string, rn run, keep []int, skip []string) (*result, error) {
	w, err := openWorld(pgURL, rn.profile)
	if err != nil {
		return nil, err
	}
	defer w.close()
	if err := w.populate(rn.seed); err != nil {
		return nil, fmt.Errorf("population: %w", err)
	}
	s, err := w.snapshot(nil)
	if err != nil {
		return nil, err
	}
	steps := genSteps(rn.seed, rn.steps)
	idx := keep
	if idx == nil {
		idx = make([]int, len(steps))
		for i := range idx {
			idx[i] = i
		}
	}
	res := &result{states: map[string]int{}, acts: map[string]int{}, fails: map[string]*failure{}}
	var on []int
	targets := map[int]string{}
	for _, i := range idx {
		if i < 0 || i >= len(steps) {
			continue
		}
		on = append(on, i)
		o, err := w.run(i, steps[i], s)
		res.executed++
		if o.target != nil {
			targets[i] = o.target.Number
		}
		if err != nil {
			res.log = append(res.log, fmt.Sprintf("%5d %s: %v", i, o.desc, err))
			res.found(violation{Inv: invRequest, Msg: fmt.Sprintf("%s: %v", o.desc, err)}, i, on, targets)
			return res, nil
		}
		if o.status > 0 && o.status < 400 {
			res.succeeded++
			if o.action != "" {
				res.acts[o.action]++
			}
		}
		res.log = append(res.log, fmt.Sprintf("%5d %s", i, o.desc))
		after, err := w.snapshot(s)
		if err != nil {
			return nil, err
		}
		c := &checker{w: w, skip: skip}
		if err := w.checkStep(c, o, s, after); err != nil {
			return nil, err
		}
		for _, r := range after.recs {
			res.states[r.Profile[:3]+":"+r.Status]++
		}
		s = after
		for _, v := range c.out {
			res.found(v, i, on, targets)
		}
	}
	if err := w.queueCoverage(res); err != nil {
		return nil, err
	}
	// The audit chain verifies at the end of the run.
	c := &checker{w: w, skip: skip}
	var auditor *muser
	for _, u := range w.users {
		if u.Role == org.RoleAuditor {
			auditor = u
		}
	}
	a, err := w.call(auditor, "GET", "/api/v1/audit/verify", nil)
	if err != nil {
		return nil, err
	}
	var v struct {
		OK      bool
		BadID   int64 `json:"bad_id"`
		Checked int64
	}
	if a.Status != http.StatusOK || json.Unmarshal(a.Body, &v) != nil || !v.OK {
		c.fail(invAudit, nil, "GET /api/v1/audit/verify → %d %s", a.Status, trim(a.Body))
	}
	for _, v := range c.out {
		res.found(v, -1, on, targets)
	}
	return res, nil
}

// populate registers the first complaints (through the API and the public
// form) and names 当事人 on some of them.
func (w *modelWorld) populate(seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x706f70))
	gm := w.pick(r, roleIn(org.RoleGM))
	for tries := 0; len(w.cases) < 12 && tries < 100; tries++ {
		o := &outcome{}
		mc, err := w.create(r, o)
		if err != nil {
			return err
		}
		if o.status >= 500 {
			return fmt.Errorf("%s: %s", o.desc, o.body)
		}
		if mc == nil || r.IntN(4) > 0 {
			continue
		}
		rec, err := w.app.DB.Cases().Load(context.Background(), mc.ID)
		if err != nil {
			return err
		}
		party := w.staffOf(r, rec)
		if rec.HolderID != nil && r.IntN(2) == 0 {
			party = w.byID[*rec.HolderID]
		}
		a, err := w.call(gm, "PUT", casePath(mc.Number, "/parties"), map[string]any{"user_ids": []int64{party.ID}})
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return fmt.Errorf("name 当事人 on %s: %d %s", mc.Number, a.Status, a.Body)
		}
	}
	if len(w.cases) < 2 {
		return errors.New("fewer than two complaints registered")
	}
	return nil
}

// shrinkBudget bounds the time spent shrinking a failure
// (KESU_MODEL_SHRINK, a duration; 0 turns shrinking off).
func shrinkBudget() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("KESU_MODEL_SHRINK")); err == nil {
		return d
	}
	return 2 * time.Minute
}

// shrink looks for a shorter sequence of rn's steps that still breaks the
// same invariant: first the steps on the failing case with the job and
// registration steps (for a queue invariant, the queue steps with time
// passing), then by removing ever smaller chunks (delta
// debugging), each candidate replayed on a fresh server.
func shrink(pgURL string, rn run, f *failure, skip []string, budget time.Duration) ([]int, int) {
	start := time.Now()
	cur := slices.Clone(f.on)
	tries := 0
	fails := func(cand []int) []int {
		tries++
		res, err := walk(pgURL, rn, cand, skip)
		if err != nil || res.fails[f.v.Inv] == nil {
			return nil
		}
		return res.fails[f.v.Inv].on
	}
	if strings.HasPrefix(f.v.Inv, "14-") {
		// A queue invariant: the queue steps and time passing first.
		steps := genSteps(rn.seed, rn.steps)
		var cand []int
		for _, i := range cur {
			if k := steps[i].Kind; isQueueKind(k) || k == kTime || i == f.step {
				cand = append(cand, i)
			}
		}
		if len(cand) < len(cur) {
			if on := fails(cand); on != nil {
				cur = on
			}
		}
	}
	if f.v.Case != "" {
		steps := genSteps(rn.seed, rn.steps)
		var cand []int
		for _, i := range cur {
			k := steps[i].Kind
			if f.targets[i] == f.v.Case || k == kWorker || k == kTime || k == kCreate || i == f.step {
				cand = append(cand, i)
			}
		}
		if len(cand) < len(cur) {
			if on := fails(cand); on != nil {
				cur = on
			}
		}
	}
	n := 2
	for len(cur) >= 2 && time.Since(start) < budget {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for i := 0; i < len(cur) && time.Since(start) < budget; i += chunk {
			cand := append(slices.Clone(cur[:i]), cur[min(i+chunk, len(cur)):]...)
			if len(cand) == 0 {
				continue
			}
			if on := fails(cand); on != nil {
				cur, reduced = on, true
				n = max(n-1, 2)
				break
			}
		}
		if !reduced {
			if n >= len(cur) {
				break
			}
			n = min(2*n, len(cur))
		}
	}
	return cur, tries
}

// report shrinks a failure and says what broke, how, and how to replay it.
func report(engine, pgURL string, rn run, res *result, f *failure, keep []int, skip []string, budget time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nMODEL VIOLATION of invariant %s (%s, %s)\n  %s\n", f.v.Inv, engine, rn, f.v)
	if f.step < 0 {
		fmt.Fprintf(&b, "  found at the end of the run, after %d steps\n", len(f.on))
	} else {
		fmt.Fprintf(&b, "  found at step %d, the %dth step executed\n", f.step, len(f.on))
	}
	final := f.on
	var log []string
	if budget > 0 && f.step >= 0 && len(f.on) > 1 {
		kept, tries := shrink(pgURL, rn, f, skip, budget)
		if r2, err := walk(pgURL, rn, kept, skip); err == nil && r2.fails[f.v.Inv] != nil {
			f2 := r2.fails[f.v.Inv]
			final, log = f2.on, r2.log[:len(f2.on)]
			fmt.Fprintf(&b, "  shrunk from %d to %d steps in %d replays; the shrunk sequence breaks it so:\n  %s\n", len(f.on), len(final),
				tries, f2.v)
		}
	}
	if log == nil {
		log = res.log[:len(f.on)]
		if len(log) > 40 {
			fmt.Fprintf(&b, "  (not shrunk; the last 40 of %d steps)\n", len(log))
			log = log[len(log)-40:]
		}
	}
	b.WriteString("  steps (index, user, request → answer):\n")
	for _, l := range log {
		b.WriteString("  " + l + "\n")
	}
	env := ""
	if pgURL != "" {
		env = "KESU_TEST_POSTGRES_URL='" + pgURL + "' "
	}
	cmd := fmt.Sprintf("%sgo test ./internal/web/api -run 'TestModel/%s$' -count=1 -v -args %s", env, engine, rn)
	if len(skip) > 0 {
		cmd += " -ignore=" + strings.Join(skip, ",")
	}
	ids := make([]string, len(final))
	for i, n := range final {
		ids[i] = strconv.Itoa(n)
	}
	fmt.Fprintf(&b, "  replay the sequence: %s -only=%s\n", cmd, strings.Join(ids, ","))
	if keep == nil {
		fmt.Fprintf(&b, "  replay the whole run: %s\n", cmd)
	}
	return b.String()
}
