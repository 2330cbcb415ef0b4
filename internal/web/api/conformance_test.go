package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"kesu/internal/org"
	"kesu/internal/web/api"
)

// The conformance test sends requests generated from openapi.json to a
// running kesu — bodies, parameters and paths the document allows, and
// ones it forbids — and checks every answer against the document: no 5xx,
// every status documented for its operation, every body valid against the
// schema documented for that status, every media type documented, and a
// request the document forbids never succeeds. It covers every operation
// the document and the router have, so a new route is checked as soon as
// it is documented (TestOpenAPIMatchesRoutes keeps the two in step).
//
// KESU_CONFORMANCE_REQUESTS (default 2000 per engine) and
// KESU_CONFORMANCE_SEED (default 1) make a run longer or different; a
// failure names the seed and request number to repeat it.

// confDebug (KESU_CONFORMANCE_DEBUG=1) logs every request and answer.
var confDebug = os.Getenv("KESU_CONFORMANCE_DEBUG") != ""

const docURL = "https://kesu.invalid/openapi.json"

// oaSpec is openapi.json read as JSON, with a JSON Schema compiler over it.
type oaSpec struct {
	root     map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

var (
	specOnce sync.Once
	theSpec  *oaSpec
	specErr  error
)

func loadSpec() (*oaSpec, error) {
	specOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI))
		if err != nil {
			specErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		if err := c.AddResource(docURL, doc); err != nil {
			specErr = err
			return
		}
		theSpec = &oaSpec{root: doc.(map[string]any), compiler: c, compiled: map[string]*jsonschema.Schema{}}
	})
	return theSpec, specErr
}

// pointer escapes JSON pointer tokens.
func jsonPointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// schema compiles the schema at ptr in the document.
func (s *oaSpec) schema(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(docURL + "#" + url.PathEscape(ptr))
	if err != nil {
		return nil, err
	}
	s.compiled[ptr] = sch
	return sch, nil
}

// resolve follows $ref (and a response's or parameter's reference).
func (s *oaSpec) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = s.root
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			cur = cur.(map[string]any)[tok]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// valid reports whether v (any JSON value) is valid against sch.
func schemaValid(sch *jsonschema.Schema, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// confOp is one documented method and path.
type confOp struct {
	method, path string
	ptr          string // JSON pointer of the operation object
	op           map[string]any
	params       []map[string]any
}

func (s *oaSpec) operations() []confOp {
	var out []confOp
	paths := s.root["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item := paths[p].(map[string]any)
		for _, m := range []string{"get", "put", "post", "patch", "delete"} {
			o, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			op := confOp{method: strings.ToUpper(m), path: p, ptr: jsonPointer("paths", p, m), op: o}
			for _, list := range []any{item["parameters"], o["parameters"]} {
				ps, _ := list.([]any)
				for _, prm := range ps {
					op.params = append(op.params, s.resolve(prm))
				}
			}
			out = append(out, op)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// confGen makes JSON values from schemas of the document.
type confGen struct {
	s   *oaSpec
	rng *rand.Rand
}

var confWords = []string{"净水器漏水", "安装三天后底部漏水", "客服态度", "test", "退款", "批次 A03", "质量问题", "Lieferung", "顾客", "x"}

// confHints are values the server knows (codes of its registers and
// taxonomies) tried for properties of these names, so that generated
// requests also get past the server's own checks.
var confHints = map[string][]any{
	"channel":    {"phone", "email", "web", "letter"},
	"category":   {"quality", "quality.leak", "service"},
	"currency":   {"CNY"},
	"version":    {1, 2},
	"policy":     {"sla_9", "sla_1"},
	"profile":    {"manufacturer", "service", "bank"},
	"phone":      {"13812348000", "010-6552 1234"},
	"email":      {"li@example.com"},
	"kind":       {"containment", "corrective", "preventive", "complaints"},
	"role":       {"handler", "agent", "manager"},
	"month":      {"2026-03", "2026-02"},
	"year":       {2026, 2027},
	"date":       {"2026-10-01", "2026-03-12"},
	"from":       {"2026-03-01", "2025-12-01"},
	"to":         {"2026-03-31", "2026-02-01T08:00:00+08:00"},
	"number":     {"KS-20260310-0001"},
	"code":       {"C-" + "001", "qa2"},
	"username":   {"conf.user"},
	"password":   {"conformance-pass-1"},
	"format":     {"xlsx", "csv"},
	"resolution": {"refund", "repair", "apology"},
}

// value makes a value valid against the schema s (as far as generation
// goes; the caller checks with the compiled schema).
func (g *confGen) value(sm map[string]any, name string, depth int) any {
	sm = g.s.resolve(sm)
	if sm == nil {
		return "x"
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := sm[k].([]any); ok && len(alts) > 0 {
			merged := mergeSchema(sm, g.s.resolve(alts[g.rng.IntN(len(alts))]), k)
			return g.value(merged, name, depth)
		}
	}
	if all, ok := sm["allOf"].([]any); ok {
		merged := mergeSchema(sm, nil, "allOf")
		for _, a := range all {
			merged = mergeSchema(merged, g.s.resolve(a), "")
		}
		return g.value(merged, name, depth)
	}
	if h, ok := confHints[name]; ok && g.rng.IntN(10) < 7 {
		return h[g.rng.IntN(len(h))]
	}
	if c, ok := sm["const"]; ok {
		return c
	}
	if e, ok := sm["enum"].([]any); ok && len(e) > 0 {
		return e[g.rng.IntN(len(e))]
	}
	typ := ""
	switch t := sm["type"].(type) {
	case string:
		typ = t
	case []any:
		var ts []string
		for _, x := range t {
			if x != "null" || g.rng.IntN(6) == 0 {
				ts = append(ts, x.(string))
			}
		}
		if len(ts) == 0 {
			return nil
		}
		typ = ts[g.rng.IntN(len(ts))]
	}
	if typ == "" {
		if _, ok := sm["properties"]; ok {
			typ = "object"
		}
	}
	switch typ {
	case "null":
		return nil
	case "boolean":
		return g.rng.IntN(2) == 0
	case "integer", "number":
		lo, hi := 0.0, 10.0
		if strings.HasSuffix(name, "id") || strings.HasSuffix(name, "_ids") {
			lo, hi = 1, 8
		}
		if v, ok := jsonNum(sm["minimum"]); ok {
			lo = max(lo, v)
			if hi < lo {
				hi = lo + 10
			}
		}
		if v, ok := jsonNum(sm["maximum"]); ok {
			hi = min(hi, v)
			if lo > hi {
				lo = hi - 10
			}
		}
		if v, ok := jsonNum(sm["exclusiveMinimum"]); ok && lo <= v {
			lo = v + 1
		}
		n := int64(lo) + g.rng.Int64N(int64(hi-lo)+1)
		return n
	case "string":
		return g.str(sm, name)
	case "array":
		lo, hi := 0, 3
		if v, ok := jsonNum(sm["minItems"]); ok {
			lo = int(v)
			hi = max(hi, lo)
		}
		if v, ok := jsonNum(sm["maxItems"]); ok {
			hi = min(hi, int(v))
		}
		if depth > 4 {
			hi = lo
		}
		n := lo + g.rng.IntN(hi-lo+1)
		items, _ := sm["items"].(map[string]any)
		out := make([]any, 0, n)
		for range n {
			out = append(out, g.value(items, strings.TrimSuffix(name, "s"), depth+1))
		}
		return out
	default:
		obj := map[string]any{}
		props, _ := sm["properties"].(map[string]any)
		req := map[string]bool{}
		for _, r := range confStrings(sm["required"]) {
			req[r] = true
		}
		for _, k := range sortedKeys(props) {
			if req[k] || (depth < 4 && g.rng.IntN(2) == 0) {
				obj[k] = g.value(g.s.resolve(props[k]), k, depth+1)
			}
		}
		if ap, ok := sm["additionalProperties"].(map[string]any); ok && depth < 4 {
			for range g.rng.IntN(3) {
				k := []string{"status", "q", "severity", "from", "to", "category", "channel", "x"}[g.rng.IntN(8)]
				obj[k] = g.value(ap, k, depth+1)
			}
		}
		return obj
	}
}

// merge adds branch's keywords to base (properties and required are
// combined), dropping key from base.
func mergeSchema(base, branch map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		if k != key {
			out[k] = v
		}
	}
	for k, v := range branch {
		switch k {
		case "required":
			out[k] = append(slices.Clone(confList(out[k])), confList(v)...)
		case "properties":
			props := map[string]any{}
			if p, ok := out[k].(map[string]any); ok {
				for pk, pv := range p {
					props[pk] = pv
				}
			}
			for pk, pv := range v.(map[string]any) {
				if old, ok := props[pk]; ok {
					props[pk] = map[string]any{"allOf": []any{old, pv}}
				} else {
					props[pk] = pv
				}
			}
			out[k] = props
		default:
			out[k] = v
		}
	}
	return out
}

func confList(v any) []any {
	l, _ := v.([]any)
	return l
}

func confStrings(v any) []string {
	var out []string
	for _, x := range confList(v) {
		out = append(out, x.(string))
	}
	return out
}

func jsonNum(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func (g *confGen) str(sm map[string]any, name string) string {
	if p, ok := sm["pattern"].(string); ok {
		if s, ok := fromPattern(g.rng, p); ok {
			return s
		}
	}
	switch sm["format"] {
	case "date-time":
		return time.Date(2025, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), g.rng.IntN(24), 0, 0, 0, time.UTC).Format(time.RFC3339)
	case "date":
		return time.Date(2025, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case "email":
		return "user" + strconv.Itoa(g.rng.IntN(100)) + "@example.com"
	case "uri":
		return "https://example.com/" + strconv.Itoa(g.rng.IntN(100))
	}
	s := confWords[g.rng.IntN(len(confWords))]
	if lo, ok := jsonNum(sm["minLength"]); ok {
		for len([]rune(s)) < int(lo) {
			s += confWords[g.rng.IntN(len(confWords))]
		}
	}
	if hi, ok := jsonNum(sm["maxLength"]); ok && len([]rune(s)) > int(hi) {
		s = string([]rune(s)[:int(hi)])
	}
	return s
}

// fromPattern makes a string that matches the regular expression p.
func fromPattern(rng *rand.Rand, p string) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	var b strings.Builder
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			// A printable character: control characters, which the
			// server refuses in text, only when the class has nothing else.
			i := 2 * rng.IntN(len(r.Rune)/2)
			for range 8 {
				if r.Rune[i+1] >= 0x21 {
					break
				}
				i = 2 * rng.IntN(len(r.Rune)/2)
			}
			lo, hi := r.Rune[i], r.Rune[i+1]
			if hi >= 0x21 && lo < 0x21 {
				lo = 0x21
			}
			if hi-lo > 60 {
				hi = lo + 60
			}
			b.WriteRune(lo + rune(rng.IntN(int(hi-lo)+1)))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('a')
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
			lo, hi := 0, 3
			switch r.Op {
			case syntax.OpPlus:
				lo = 1
			case syntax.OpQuest:
				hi = 1
			case syntax.OpRepeat:
				lo, hi = r.Min, r.Max
				if hi < 0 || hi > lo+3 {
					hi = lo + 3
				}
			}
			for range lo + rng.IntN(hi-lo+1) {
				walk(r.Sub[0])
			}
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(r.Sub[rng.IntN(len(r.Sub))])
		}
	}
	walk(re)
	s := b.String()
	return s, regexp.MustCompile(p).MatchString(s)
}

// invalid makes a value the schema forbids from a valid one, or reports
// that it found none.
func (g *confGen) invalid(sch *jsonschema.Schema, sm map[string]any, v any) (any, string, bool) {
	sm = g.s.resolve(sm)
	var tries []func() (any, string)
	tries = append(tries,
		func() (any, string) { return nil, "null" },
		func() (any, string) { return []any{v}, "array instead" },
		func() (any, string) { return "not-an-object", "string instead" },
	)
	if obj, ok := v.(map[string]any); ok {
		props, _ := sm["properties"].(map[string]any)
		for _, k := range confStrings(sm["required"]) {
			tries = append(tries, func() (any, string) { return withoutKey(obj, k), "without required " + k })
		}
		for _, k := range sortedKeys(props) {
			ps := g.s.resolve(props[k])
			for _, bad := range g.badValues(ps) {
				tries = append(tries, func() (any, string) {
					return withKey(obj, k, bad), fmt.Sprintf("%s = %#v", k, bad)
				})
			}
			// One level deeper: a bad property of a nested object.
			if nested, ok := obj[k].(map[string]any); ok {
				nprops, _ := ps["properties"].(map[string]any)
				for _, nk := range sortedKeys(nprops) {
					for _, bad := range g.badValues(g.s.resolve(nprops[nk])) {
						tries = append(tries, func() (any, string) {
							return withKey(obj, k, withKey(nested, nk, bad)), fmt.Sprintf("%s.%s = %#v", k, nk, bad)
						})
					}
				}
			}
		}
		if sm["additionalProperties"] == false {
			tries = append(tries, func() (any, string) { return withKey(obj, "no_such_field", 1), "unknown field" })
		}
		if len(obj) > 0 {
			tries = append(tries, func() (any, string) { return map[string]any{}, "{}" })
		}
	}
	g.rng.Shuffle(len(tries), func(i, j int) { tries[i], tries[j] = tries[j], tries[i] })
	for _, t := range tries {
		bad, why := t()
		if schemaValid(sch, bad) != nil {
			return bad, why, true
		}
	}
	return nil, "", false
}

// badValues are values a property's schema forbids, by the kind of rule.
func (g *confGen) badValues(ps map[string]any) []any {
	var out []any
	if _, ok := ps["enum"]; ok {
		out = append(out, "no_such_value")
	}
	if p, ok := ps["pattern"].(string); ok {
		for _, s := range []string{"!! not valid !!", "abc", "12", "2026-13-45"} {
			if !regexp.MustCompile(p).MatchString(s) {
				out = append(out, s)
				break
			}
		}
	}
	switch ps["format"] {
	case "date", "date-time":
		out = append(out, "2026-02-30x")
	case "email":
		out = append(out, "not an address")
	}
	if n, ok := jsonNum(ps["maxLength"]); ok && n < 300 {
		out = append(out, strings.Repeat("长", int(n)+1))
	}
	if n, ok := jsonNum(ps["minimum"]); ok {
		out = append(out, int64(n)-1)
	}
	if n, ok := jsonNum(ps["maximum"]); ok {
		out = append(out, int64(n)+1)
	}
	switch t := ps["type"].(type) {
	case string:
		switch t {
		case "integer", "number", "boolean", "array", "object":
			out = append(out, "text")
		case "string":
			out = append(out, 12)
		}
	}
	return out
}

func withoutKey(m map[string]any, k string) map[string]any {
	out := map[string]any{}
	for mk, v := range m {
		if mk != k {
			out[mk] = v
		}
	}
	return out
}

func withKey(m map[string]any, k string, v any) map[string]any {
	out := withoutKey(m, k)
	out[k] = v
	return out
}

// confRun is one run of generated requests against one server.
type confRun struct {
	t      *testing.T
	e      *env
	s      *oaSpec
	g      *confGen
	seed   uint64
	pools  map[string][]string // known values of path parameters
	failed int
	seen   map[string]map[int]bool // statuses seen per operation
	// spareUsers are the ids of users that PATCH and DELETE of
	// /users/{id} may name.
	spareUsers []string
	took       map[string]time.Duration // time spent per operation
}

func confEnv(name string, def uint64) uint64 {
	if v, err := strconv.ParseUint(os.Getenv(name), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}

func TestConformance(t *testing.T) {
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi.json as JSON Schema: %v", err)
	}
	n := int(confEnv("KESU_CONFORMANCE_REQUESTS", 2000))
	seed := confEnv("KESU_CONFORMANCE_SEED", 1)
	each(t, func(t *testing.T, e *env) {
		r := &confRun{t: t, e: e, s: s, seed: seed, g: &confGen{s: s, rng: rand.New(rand.NewPCG(seed, 0x6b657375))},
			seen: map[string]map[int]bool{}, took: map[string]time.Duration{}}
		r.setUp()
		ops := s.operations()
		if len(ops) != len(api.Routes()) {
			t.Errorf("%d documented operations, %d routes", len(ops), len(api.Routes()))
		}
		start := time.Now()
		for i := range n {
			// Every operation in turn, then at random.
			op := ops[i%len(ops)]
			if i >= 2*len(ops) {
				op = ops[r.g.rng.IntN(len(ops))]
			}
			r.one(i, op)
			if r.failed >= 30 {
				t.Fatalf("stopping after %d failures (seed %d)", r.failed, seed)
			}
		}
		t.Logf("%d requests over %d operations in %v (seed %d)", n, len(ops), time.Since(start).Round(time.Millisecond), seed)
		if testing.Verbose() {
			for _, op := range ops {
				k := op.method + " " + op.path
				t.Logf("%-60s %6dms %v", k, r.took[k].Milliseconds(), sortedKeys(statusKeys(r.seen[k])))
			}
		}
	})
}

// setUp registers complaints and a few records so that generated paths
// name things that exist.
func (r *confRun) setUp() {
	var numbers []string
	for i := range 4 {
		c := r.e.create(minimal(fmt.Sprintf("一致性测试 %d", i)))
		numbers = append(numbers, c["number"].(string))
	}
	// Users the run may change or delete: not those whose tokens it uses.
	var spare []string
	for i := range 3 {
		u := r.e.post(org.RoleAdmin, "/api/v1/users", map[string]any{"username": fmt.Sprintf("conf.spare%d", i), "name": "备用",
			"role": org.RoleHandler, "password": "conformance-pass-1"}).want(http.StatusCreated).M()
		spare = append(spare, fmt.Sprint(u["id"]))
	}
	r.spareUsers = spare
	r.pools = map[string][]string{
		"number": numbers,
		"id":     {"1", "2", "3", "4", "5"},
		"action": {"accept", "assign", "reply", "close", "withdraw", "reject", "approve", "no_such_action"},
		"policy": {"sla_9", "sla_1", "no_such_policy"},
		"year":   {"2026", "2027"},
		"date":   {"2026-10-01", "2026-05-01"},
	}
}

// confRequest is a generated request and what the document says of it.
type confRequest struct {
	method, path string
	query        url.Values
	headers      map[string]string
	body         []byte
	ctype        string
	role         string
	bad          string // why the document forbids it; "" when it allows it
}

func (r *confRun) one(i int, op confOp) {
	g := r.g
	q := &confRequest{method: op.method, query: url.Values{}, headers: map[string]string{}, role: org.RoleAdmin}
	switch x := g.rng.IntN(20); {
	case x == 0:
		q.role = ""
	case x < 8:
		q.role = roles[g.rng.IntN(len(roles))]
	}
	// At most one thing is made wrong on purpose per request.
	wrong := g.rng.IntN(10) < 3
	wrongPlace := g.rng.IntN(3) // 0 path, 1 query, 2 body

	path := op.path
	for _, p := range op.params {
		name, _ := p["name"].(string)
		sm := r.s.resolve(p["schema"])
		var val string
		switch p["in"] {
		case "path":
			pool, ok := r.pools[name]
			if op.path == api.Prefix+"/users/{id}" && op.method != "GET" {
				pool, ok = r.spareUsers, true
			}
			if ok && g.rng.IntN(4) > 0 {
				val = pool[g.rng.IntN(len(pool))]
			} else {
				val = fmt.Sprint(g.value(sm, name, 0))
			}
			if wrong && wrongPlace == 0 && q.bad == "" {
				if g.rng.IntN(2) == 0 {
					val, q.bad = "", "empty path parameter "+name
				} else if bad := g.badValues(sm); len(bad) > 0 {
					if b := bad[g.rng.IntN(len(bad))]; b != nil && r.paramInvalid(sm, fmt.Sprint(b)) {
						val, q.bad = fmt.Sprint(b), "path parameter "+name+" = "+fmt.Sprint(b)
					}
				}
			}
			path = strings.Replace(path, "{"+name+"}", url.PathEscape(val), 1)
		case "query", "header":
			req, _ := p["required"].(bool)
			if !req && g.rng.IntN(3) > 0 {
				continue
			}
			val = fmt.Sprint(g.value(sm, name, 0))
			if wrong && wrongPlace == 1 && q.bad == "" {
				if bad := g.badValues(sm); len(bad) > 0 {
					if b := fmt.Sprint(bad[g.rng.IntN(len(bad))]); r.paramInvalid(sm, b) {
						val, q.bad = b, fmt.Sprintf("%s parameter %s = %q", p["in"], name, b)
					}
				}
			}
			if p["in"] == "query" {
				q.query.Set(name, val)
			} else {
				q.headers[name] = val
			}
		}
	}
	q.path = path
	if rb := r.s.resolve(op.op["requestBody"]); rb != nil {
		r.body(q, op, rb, wrong && wrongPlace == 2 && q.bad == "")
	}
	began := time.Now()
	res, body := r.send(q)
	r.took[op.method+" "+op.path] += time.Since(began)
	r.check(i, op, q, res, body)
}

// paramInvalid reports whether the parameter value s breaks the schema.
func (r *confRun) paramInvalid(sm map[string]any, s string) bool {
	sch, err := r.compileInline(sm)
	if err != nil {
		return false
	}
	var v any = s
	switch sm["type"] {
	case "integer", "number":
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return true
		}
		v = n
	case "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return true
		}
		v = b
	}
	return schemaValid(sch, v) != nil
}

// compileInline compiles a schema given as a value (a parameter's).
func (r *confRun) compileInline(sm map[string]any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	b, _ := json.Marshal(sm)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	u := "https://kesu.invalid/parameter.json"
	if err := c.AddResource(u, doc); err != nil {
		return nil, err
	}
	return c.Compile(u)
}

// body fills the request body from the documented one.
func (r *confRun) body(q *confRequest, op confOp, rb map[string]any, wrong bool) {
	g := r.g
	content, _ := rb["content"].(map[string]any)
	if _, ok := content["multipart/form-data"]; ok {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		switch {
		case wrong && g.rng.IntN(2) == 0:
			mw.WriteField("note", "no file")
			q.bad = "multipart without file"
		default:
			// A file whose content matches its name, mostly; a mismatch
			// is refused.
			files := []struct{ name, content string }{
				{"photo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
				{"report.pdf", "%PDF-1.4 conformance test\n"},
				{"notes.txt", "现场照片说明\n"},
			}
			f := files[g.rng.IntN(len(files))]
			content := f.content
			if g.rng.IntN(5) == 0 {
				content = files[g.rng.IntN(len(files))].content
			}
			fw, _ := mw.CreateFormFile("file", f.name)
			fw.Write([]byte(content))
		}
		mw.Close()
		q.body, q.ctype = buf.Bytes(), mw.FormDataContentType()
		return
	}
	if _, ok := content["application/json"]; !ok {
		r.t.Errorf("%s %s: request body without application/json or multipart/form-data", op.method, op.path)
		return
	}
	ptr := op.ptr + jsonPointer("requestBody", "content", "application/json", "schema")
	if ref, ok := op.op["requestBody"].(map[string]any)["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#") + jsonPointer("content", "application/json", "schema")
	}
	sch, err := r.s.schema(ptr)
	if err != nil {
		r.t.Fatalf("%s %s: request schema: %v", op.method, op.path, err)
	}
	sm := r.s.resolve(content["application/json"].(map[string]any)["schema"])
	var v any
	ok := false
	for range 20 {
		v = g.value(sm, "", 0)
		if schemaValid(sch, v) == nil {
			ok = true
			break
		}
	}
	if !ok {
		// Nothing valid came out: send it as a request of unknown standing.
		q.bad = "?"
	}
	if wrong && ok {
		if bad, why, found := g.invalid(sch, sm, v); found {
			v, q.bad = bad, "body: "+why
		}
	}
	b, _ := json.Marshal(v)
	q.body, q.ctype = b, "application/json"
}

func (r *confRun) send(q *confRequest) (*http.Response, []byte) {
	u := r.e.srv.URL + q.path
	if len(q.query) > 0 {
		u += "?" + q.query.Encode()
	}
	hr, err := http.NewRequest(q.method, u, bytes.NewReader(q.body))
	if err != nil {
		r.t.Fatal(err)
	}
	if q.ctype != "" {
		hr.Header.Set("Content-Type", q.ctype)
	}
	if q.role != "" {
		hr.Header.Set("Authorization", "Bearer "+r.e.tokens[q.role])
	}
	for k, v := range q.headers {
		hr.Header.Set(k, v)
	}
	client := *r.e.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(hr)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// check holds the answer to the document.
func (r *confRun) check(i int, op confOp, q *confRequest, res *http.Response, body []byte) {
	fail := func(format string, args ...any) {
		r.failed++
		b := string(body)
		if len(b) > 600 {
			b = b[:600] + "…"
		}
		r.t.Errorf("request %d (seed %d) %s %s (role %q, body %s%s): %s\nanswer %d: %s", i, r.seed, q.method, q.path,
			q.role, confTrunc(q.body), confBadNote(q.bad), fmt.Sprintf(format, args...), res.StatusCode, b)
	}
	status := res.StatusCode
	if confDebug {
		r.t.Logf("request %d: %s %s?%s role %q body %s%s → %d %s", i, q.method, q.path, q.query.Encode(), q.role, confTrunc(q.body),
			confBadNote(q.bad), status, confTrunc(body))
	}
	if r.seen[op.method+" "+op.path] == nil {
		r.seen[op.method+" "+op.path] = map[int]bool{}
	}
	r.seen[op.method+" "+op.path][status] = true
	if status >= 500 {
		fail("server error")
		return
	}
	if status >= 300 && status < 400 {
		fail("redirect to %s", res.Header.Get("Location"))
		return
	}
	if q.bad != "" && q.bad != "?" && status < 300 {
		fail("succeeded though the document forbids it")
	}
	if q.bad == "" && (status == http.StatusBadRequest || status == http.StatusUnsupportedMediaType) {
		fail("refused as malformed though the document allows it")
	}
	responses := op.op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	rs, ok := responses[code]
	rptr := op.ptr + jsonPointer("responses", code)
	if !ok {
		if rs, ok = responses[code[:1]+"XX"]; ok {
			rptr = op.ptr + jsonPointer("responses", code[:1]+"XX")
		} else if rs, ok = responses["default"]; ok {
			rptr = op.ptr + jsonPointer("responses", "default")
		}
	}
	if !ok {
		fail("status %d is not documented", status)
		return
	}
	if ref, ok := rs.(map[string]any)["$ref"].(string); ok {
		rptr = strings.TrimPrefix(ref, "#")
	}
	resp := r.s.resolve(rs)
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 {
			fail("body where the document has none")
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if _, ok := content[mt]; !ok {
		fail("content type %q, documented %v", mt, sortedKeys(content))
		return
	}
	if mt != "application/json" {
		return
	}
	sch, err := r.s.schema(rptr + jsonPointer("content", "application/json", "schema"))
	if err != nil {
		r.t.Fatalf("response schema %s: %v", rptr, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		fail("body is not JSON: %v", err)
		return
	}
	if err := sch.Validate(inst); err != nil {
		fail("answer does not match the document: %v", err)
	}
}

func statusKeys(m map[int]bool) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[strconv.Itoa(k)] = true
	}
	return out
}

func confTrunc(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

func confBadNote(bad string) string {
	if bad == "" || bad == "?" {
		return ""
	}
	return "; forbidden: " + bad
}
