package sms_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/notify"
	"kesu/internal/notify/sms"
)

type request struct {
	method string
	header http.Header
	body   []byte
}

func provider(t *testing.T, status int) (*httptest.Server, *[]request) {
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, request{r.Method, r.Header.Clone(), b})
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestHTTPRendersTheBody(t *testing.T) {
	srv, got := provider(t, http.StatusOK)
	h, err := sms.ParseHeaders("Authorization: Bearer tok-1; X-Sign-Name: 客诉中心")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sms.NewHTTP(srv.URL, "post", h, `{"mobile":"{{.To}}","content":"{{.Text}}","sign":"kesu"}`)
	if err != nil {
		t.Fatal(err)
	}
	text := "【客诉逾期】KS-20260310-0001 的“首次联系”已逾期\n请处理 \"now\""
	if err := p.Send(t.Context(), notify.Message{To: []string{"13812348000"}, Text: text}); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 1 {
		t.Fatalf("%d requests", len(*got))
	}
	r := (*got)[0]
	if r.method != http.MethodPost || r.header.Get("Authorization") != "Bearer tok-1" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %v", r.method, r.header)
	}
	var body struct{ Mobile, Content, Sign string }
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.body)
	}
	if body.Mobile != "13812348000" || body.Content != text || body.Sign != "kesu" {
		t.Fatalf("body %+v", body)
	}
}

func TestHTTPFormBodyAndFailures(t *testing.T) {
	srv, got := provider(t, http.StatusOK)
	p, err := sms.NewHTTP(srv.URL+"/send", "PUT", map[string]string{"content-type": "application/x-www-form-urlencoded"},
		"to={{.To}}&msg={{.Text}}")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Send(t.Context(), notify.Message{To: []string{"+86 138"}, Text: "a&b=c 到期"}); err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string((*got)[0].body))
	if err != nil || v.Get("to") != "+86 138" || v.Get("msg") != "a&b=c 到期" || (*got)[0].method != http.MethodPut {
		t.Fatalf("form body %q: %v", (*got)[0].body, err)
	}

	for status, rejected := range map[int]bool{400: true, 401: true, 429: false, 500: false, 503: false} {
		srv, _ := provider(t, status)
		p, _ := sms.NewHTTP(srv.URL, "", nil, "")
		err := p.Send(t.Context(), notify.Message{To: []string{"138"}, Text: "x"})
		if err == nil || errors.Is(err, notify.ErrRejected) != rejected {
			t.Errorf("status %d: %v, rejected want %v", status, err, rejected)
		}
	}
	for _, bad := range []struct{ url, method, tmpl string }{
		{"ftp://x", "", ""}, {"http://x", "DELETE", ""}, {"http://x", "", "{{.Phone}}"}, {"http://x", "", "{{"},
	} {
		if _, err := sms.NewHTTP(bad.url, bad.method, nil, bad.tmpl); err == nil {
			t.Errorf("NewHTTP(%q, %q, %q) accepted", bad.url, bad.method, bad.tmpl)
		}
	}
	if _, err := sms.ParseHeaders("no colon here"); err == nil {
		t.Error("malformed header accepted")
	}
}

func TestLogProvider(t *testing.T) {
	var buf bytes.Buffer
	l := sms.Log{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := l.Send(t.Context(), notify.Message{To: []string{"13812348000"}, Text: "已逾期"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "13812348000") || !strings.Contains(buf.String(), "已逾期") {
		t.Fatalf("log %q", buf.String())
	}
}
