// Package sms sends text messages: through a provider's HTTP API described
// by configuration (URL, method, headers, body template), or to the log
// when no provider is configured.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"

	"kesu/internal/notify"
)

// DefaultTemplate is the body sent when none is configured.
const DefaultTemplate = `{"to":"{{.To}}","text":"{{.Text}}"}`

// HTTP sends each text as one request to a provider. The body template
// sees .To (one phone number) and .Text, escaped for the body's
// Content-Type: as the inside of a JSON string for JSON (the default), as
// a URL query value for application/x-www-form-urlencoded, unchanged
// otherwise. Any 2xx answer is success; 4xx answers other than 408 and 429
// are rejections that retrying cannot fix.
type HTTP struct {
	URL     string
	Method  string            // default POST
	Headers map[string]string // e.g. Authorization; Content-Type defaults to application/json
	Client  *http.Client      // default: 20 s timeout

	tmpl *template.Template
}

// NewHTTP checks the settings and parses the body template (empty for
// DefaultTemplate).
func NewHTTP(rawURL, method string, headers map[string]string, body string) (*HTTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sms url %q must be an http:// or https:// address", rawURL)
	}
	if method == "" {
		method = http.MethodPost
	}
	method = strings.ToUpper(method)
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut:
	default:
		return nil, fmt.Errorf("sms method must be GET, POST or PUT, got %q", method)
	}
	if body == "" {
		body = DefaultTemplate
	}
	t, err := template.New("sms").Option("missingkey=error").Parse(body)
	if err != nil {
		return nil, fmt.Errorf("sms template: %w", err)
	}
	h := map[string]string{}
	for k, v := range headers {
		h[http.CanonicalHeaderKey(k)] = v
	}
	if h["Content-Type"] == "" {
		h["Content-Type"] = "application/json"
	}
	s := &HTTP{URL: rawURL, Method: method, Headers: h, tmpl: t}
	// Render once so a template that refers to unknown fields fails at
	// start, not at the first breach.
	if _, err := s.Body("13800000000", "test"); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseHeaders reads "Name: value; Name: value" into a map.
func ParseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("sms header %q: expected Name: value", part)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// Body renders the request body for one text.
func (s *HTTP) Body(to, text string) ([]byte, error) {
	esc := func(v string) string { return v }
	mt, _, _ := mime.ParseMediaType(s.Headers["Content-Type"])
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		esc = func(v string) string {
			b, _ := json.Marshal(v)
			return string(b[1 : len(b)-1])
		}
	case mt == "application/x-www-form-urlencoded":
		esc = url.QueryEscape
	}
	var buf bytes.Buffer
	if err := s.tmpl.Execute(&buf, struct{ To, Text string }{esc(to), esc(text)}); err != nil {
		return nil, fmt.Errorf("sms template: %w", err)
	}
	return buf.Bytes(), nil
}

// Send implements notify.Notifier: one request per phone number.
func (s *HTTP) Send(ctx context.Context, m notify.Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: sms without a phone number", notify.ErrRejected)
	}
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 20 * time.Second}
	}
	for _, to := range m.To {
		body, err := s.Body(to, m.Text)
		if err != nil {
			return fmt.Errorf("%w: %w", notify.ErrRejected, err)
		}
		var rd io.Reader
		if s.Method != http.MethodGet {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, s.Method, s.URL, rd)
		if err != nil {
			return fmt.Errorf("sms request: %w", err)
		}
		for k, v := range s.Headers {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("sms provider: %w", err)
		}
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		if err := notify.HTTPStatus(resp.StatusCode, snippet); err != nil {
			return fmt.Errorf("sms provider: %w", err)
		}
	}
	return nil
}

// Log writes texts to the log instead of sending them: the provider of an
// installation without an SMS gateway, so the texts can still be read.
type Log struct{ Log *slog.Logger }

// Send implements notify.Notifier.
func (l Log) Send(_ context.Context, m notify.Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: sms without a phone number", notify.ErrRejected)
	}
	lg := l.Log
	if lg == nil {
		lg = slog.Default()
	}
	lg.Info("sms (log only, no sms-url configured)", "to", strings.Join(m.To, ","), "text", m.Text)
	return nil
}
