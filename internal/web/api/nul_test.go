package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
)

// raw sends a request as written, without the OpenAPI answer check, and
// returns the status and body.
func (e *env) raw(method, path, ctype, body string, headers map[string]string) (int, string) {
	e.t.Helper()
	status, b, _ := e.rawH(method, path, ctype, body, headers)
	return status, b
}

// rawH is raw with the answer's header.
func (e *env) rawH(method, path, ctype, body string, headers map[string]string) (int, string, http.Header) {
	e.t.Helper()
	hr, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	for k, v := range headers {
		hr.Header.Set(k, v)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestNULByteRefused: a NUL byte anywhere a request carries text — the
// path, the query, a form field, a JSON string — is a 400 on both engines,
// on the staff API and pages and on the public pages, and nothing is
// stored. PostgreSQL cannot store NUL in text; without the check it was a
// server error there and stored on SQLite.
func TestNULByteRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		number := e.create(minimal("净水器漏水"))["number"].(string)
		bearer := map[string]string{"Authorization": "Bearer " + e.tokens[org.RoleAgent]}
		before := e.complaintCount()
		form := "application/x-www-form-urlencoded"
		cases := []struct {
			name, method, path, ctype, body string
			headers                         map[string]string
		}{
			{"API path", "GET", "/api/v1/complaints/" + url.PathEscape(number) + "%00", "", "", bearer},
			{"API query", "GET", "/api/v1/complaints?q=%E6%BC%8F%00", "", "", bearer},
			{"API query name", "GET", "/api/v1/customers?na%00me=x", "", "", bearer},
			{"API JSON string", "POST", "/api/v1/complaints", "application/json",
				`{"channel":"phone","subject":"漏水\u0000","description":"d","complainant":{"name":"张三","phone":"13812348000"}}`, bearer},
			{"API JSON nested string", "PATCH", "/api/v1/complaints/" + url.PathEscape(number), "application/json",
				`{"version":1,"complainant":{"name":"张\u0000三"}}`, bearer},
			{"API JSON note", "POST", "/api/v1/complaints/" + url.PathEscape(number) + "/notes", "application/json",
				`{"body":"a\u0000b"}`, bearer},
			{"public tracking page", "GET", "/track?n=" + url.QueryEscape(number) + "&c=%00", "", "", nil},
			{"public tracking page path", "GET", "/track%00", "", "", nil},
			{"public complaint form", "POST", "/complaint/new", form,
				"channel=web&subject=%E6%BC%8F%E6%B0%B4%00&description=d&name=%E5%BC%A0%E4%B8%89&phone=13812348000", nil},
			{"login form", "POST", "/login", form, "username=admin%00&password=x", nil},
			{"staff page form", "POST", "/complaints/1/notes", form, "body=a%00b", bearer},
			{"staff page query", "GET", "/complaints?q=%00", "", "", bearer},
		}
		for _, c := range cases {
			status, body := e.raw(c.method, c.path, c.ctype, c.body, c.headers)
			if status != http.StatusBadRequest {
				t.Errorf("%s: %s %s answered %d, want 400: %.300s", c.name, c.method, c.path, status, body)
			}
		}
		if n := e.complaintCount(); n != before {
			t.Errorf("%d complaints after refused requests, want %d", n, before)
		}
		// An escaped backslash before u0000 is text, not a NUL: accepted.
		e.post(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(number)+"/notes", map[string]any{"body": `C:\u0000 路径`}).want(http.StatusCreated)
	})
}
