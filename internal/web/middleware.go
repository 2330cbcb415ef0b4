package web

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/queue"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	langKey
	infoKey
)

// reqInfo carries what the logging middleware reports about a request:
// the server error and the route pattern that served it.
type reqInfo struct {
	err     error
	pattern string
}

// noteError records a server error for the request log; the client sees
// only "internal error".
func noteError(r *http.Request, err error) {
	if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		info.err = err
	}
}

// SessionCookie is the name of the staff session cookie.
const SessionCookie = "kesu_session"

// LangCookie remembers the chosen interface language.
const LangCookie = "kesu_lang"

// Principal is the signed-in user of a request.
type Principal struct {
	User    *org.User
	Session *auth.Session // nil for bearer tokens
	Token   *auth.Token   // nil for sessions
}

// Keep is the session or token of the request, which a password change
// made from it leaves signed in.
func Keep(r *http.Request) auth.Keep {
	var k auth.Keep
	if p := PrincipalOf(r); p != nil {
		if p.Session != nil {
			k.Session = p.Session.TokenHash
		}
		if p.Token != nil {
			k.Token = p.Token.ID
		}
	}
	return k
}

// Actor returns the audit actor of the request: the user, or the public.
func Actor(r *http.Request) audit.Actor {
	if p := PrincipalOf(r); p != nil {
		return audit.Actor{UserID: p.User.ID, Name: p.User.Username, IP: ClientIP(r)}
	}
	return audit.Public(ClientIP(r))
}

// PrincipalOf returns the signed-in user, or nil.
func PrincipalOf(r *http.Request) *Principal {
	p, _ := r.Context().Value(principalKey).(*Principal)
	return p
}

// Lang returns "zh" or "en" for the request.
func Lang(r *http.Request) string {
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return "zh"
}

// ClientIP returns the remote address without port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// language picks the interface language: ?lang=, the cookie, then
// Accept-Language; Chinese unless English is asked for.
func language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
			lang = l
		} else if c, err := r.Cookie(LangCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
			lang = c.Value
		} else {
			lang = fromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

// fromAcceptLanguage returns "en" when English ranks above Chinese.
func fromAcceptLanguage(h string) string {
	best, bestQ := "zh", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		tag = strings.ToLower(tag)
		var l string
		switch {
		case strings.HasPrefix(tag, "zh"):
			l = "zh"
		case strings.HasPrefix(tag, "en"):
			l = "en"
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

func securityHeaders(hsts time.Duration, next http.Handler) http.Handler {
	sts := ""
	if hsts > 0 {
		sts = "max-age=" + strconv.FormatInt(int64(hsts/time.Second), 10) + "; includeSubDomains"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if sts != "" {
			h.Set("Strict-Transport-Security", sts)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves a bearer token or a session cookie to a user. It
// never refuses a request itself: routes that need a user say so.
func (d *Deps) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p *Principal
		if r.URL.Path == "/metrics" {
			// Its bearer token is the metrics token, not a user's.
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				WriteError(w, r, apperr.New(apperr.Unauthorized, "unsupported authorization scheme"))
				return
			}
			var t *auth.Token
			var u *org.User
			var err error
			if d.Auth != nil {
				t, u, err = d.Auth.Bearer(r.Context(), auth.HashToken(strings.TrimSpace(tok)))
			} else {
				t, u, err = d.AuthStore.GetToken(r.Context(), auth.HashToken(strings.TrimSpace(tok)))
			}
			if err != nil {
				if !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Unauthorized) {
					WriteError(w, r, err)
					return
				}
				WriteError(w, r, apperr.New(apperr.Unauthorized, "invalid token"))
				return
			}
			p = &Principal{User: u, Token: t}
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			var s *auth.Session
			var u *org.User
			if d.Auth != nil {
				s, u, err = d.Auth.Resume(r.Context(), auth.HashToken(c.Value))
			} else {
				s, u, err = d.AuthStore.GetSession(r.Context(), auth.HashToken(c.Value), d.Now())
			}
			if err == nil {
				p = &Principal{User: u, Session: s}
			}
		}
		if p != nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
		}
		next.ServeHTTP(w, r)
	})
}

// Require wraps h so that it runs only for a signed-in user with perm. For
// session (cookie) requests that change state it also checks the CSRF
// token, from the X-CSRF-Token header or the csrf_token form field.
func Require(perm auth.Permission, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalOf(r)
		if p == nil {
			WriteError(w, r, apperr.New(apperr.Unauthorized, "sign-in required"))
			return
		}
		if MustChangePassword(r) {
			WriteError(w, r, ErrChangePassword)
			return
		}
		if perm != "" && !auth.Can(p.User.Role, perm) {
			WriteError(w, r, apperr.New(apperr.Forbidden, "role %s may not %s", p.User.Role, perm))
			return
		}
		if p.Session != nil && !safeMethod(r.Method) && !CSRFValid(r, p.Session) {
			WriteError(w, r, apperr.New(apperr.Forbidden, "missing or wrong CSRF token"))
			return
		}
		h(w, r)
	}
}

// ErrChangePassword refuses a request of a session that must change its
// generated password first.
var ErrChangePassword = &apperr.Error{Code: apperr.Forbidden, Message: "change the generated password first",
	Fields: []apperr.FieldError{{Field: "password", Rule: "change_required"}}}

// whileMustChange are the routes a session that must change its
// generated password may use: who am I, change it, sign out.
var whileMustChange = map[string]bool{
	"GET /api/v1/me": true, "PUT /api/v1/me/password": true,
	"GET /account": true, "POST /account/password": true, "POST /logout": true,
}

// MustChangePassword reports whether r comes from a session that must
// change its generated password before anything but whileMustChange.
func MustChangePassword(r *http.Request) bool {
	p := PrincipalOf(r)
	return p != nil && p.Session != nil && p.Session.MustChange && !whileMustChange[r.Pattern]
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// CSRFValid checks the request's CSRF token against the session's.
func CSRFValid(r *http.Request, s *auth.Session) bool {
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostFormValue("csrf_token")
	}
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) == 1
}

// CrossOrigin refuses cross-origin state-changing browser requests (Go's
// Sec-Fetch-Site / Origin check); public forms without a session use it.
var CrossOrigin = http.NewCrossOriginProtection()

// statusWriter records the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// httpMetrics are the request counters of one handler.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kesu_http_requests_total", Help: "HTTP requests by route and status class.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kesu_http_request_duration_seconds", Help: "HTTP request latency by route.",
			// Fine below 10 ms, where the targets of the fast routes lie
			// (ticket and call-next p99 ≤ 5 ms).
			Buckets: []float64{.0005, .001, .002, .003, .004, .005, .0075, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// MetricsHandler serves the registry in the Prometheus text format; with
// a token, only to requests that carry it as a bearer token.
func MetricsHandler(reg *prometheus.Registry, token string) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics token required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// apiPaths answers 404 in JSON to an API path that is not in canonical
// form — an empty segment (a path parameter left empty, as in
// /api/v1/complaints//attachments), "." or "..": the mux would redirect it
// to another route instead.
func apiPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		if strings.HasPrefix(p, "/api/") && (strings.Contains(p, "//") || strings.Contains(p+"/", "/./") || strings.Contains(p+"/", "/../")) {
			WriteError(w, r, apperr.New(apperr.NotFound, "no API route %s %s", r.Method, p))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recordPattern notes the pattern the mux chose for the request: the mux
// sets it on the request it is given, which the outer middleware, having
// passed on copies, does not see.
func recordPattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.pattern = r.Pattern
		}
	})
}

func (d *Deps) instrument(next http.Handler) http.Handler {
	m := newHTTPMetrics(d.Metrics)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, info))
		next.ServeHTTP(sw, r)
		route := info.pattern
		if route == "" {
			route = "unmatched"
		}
		el := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status/100)+"xx").Inc()
		m.duration.WithLabelValues(route).Observe(el.Seconds())
		if d.Log != nil && (sw.status >= 500 || el > time.Second) {
			d.Log.Warn("http request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", el, "ip", ClientIP(r), "err", info.err)
		} else if d.Log != nil {
			d.Log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", el)
		}
	})
}

func (d *Deps) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if d.Log != nil {
					d.Log.Error("panic in handler", "panic", fmt.Sprint(v), "path", r.URL.Path, "stack", string(debug.Stack()))
				}
				WriteError(w, r, apperr.New(apperr.Internal, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// RateLimiter allows each key a number of events per window.
type RateLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	hits   map[string][]time.Time
}

// NewRateLimiter allows limit events per window for each key.
func NewRateLimiter(limit int, window time.Duration, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{limit: limit, window: window, now: now, hits: map[string][]time.Time{}}
}

// Allow records an event for key and reports whether it is within the limit.
func (l *RateLimiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cut := now.Add(-l.window)
	h := l.hits[key]
	i := 0
	for i < len(h) && h[i].Before(cut) {
		i++
	}
	h = h[i:]
	if len(l.hits) > 100000 { // bound memory under a flood of addresses
		clear(l.hits)
	}
	if len(h) >= l.limit {
		l.hits[key] = h
		return false
	}
	l.hits[key] = append(h, now)
	return true
}

// QueueActor returns the signed-in user as the branch queue sees them.
func QueueActor(r *http.Request) queue.Actor {
	var u *org.User
	if p := PrincipalOf(r); p != nil {
		u = p.User
	}
	return queue.Actor{User: u, Audit: Actor(r)}
}
