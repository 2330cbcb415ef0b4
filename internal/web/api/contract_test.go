package api_test

import (
	"mime"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"kesu/internal/apperr"
	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/enum"
	"kesu/internal/org"
	"kesu/internal/product"
)

// A path parameter left empty is not found — not redirected to another
// route the way the router cleans paths.
func TestEmptyPathParameterIsNotFound(t *testing.T) {
	e := newEnv(t, "")
	c := e.create(minimal("空参数"))
	for _, q := range []req{
		{role: org.RoleAdmin, method: "GET", path: "/api/v1/complaints//attachments"},
		{role: org.RoleAdmin, method: "GET", path: "/api/v1/complaints//timeline"},
		{role: org.RoleAdmin, method: "POST", path: "/api/v1/complaints//capa/1/complete", body: map[string]any{"version": 1}},
		{role: org.RoleAdmin, method: "PUT", path: "/api/v1/complaints/" + c["number"].(string) + "/../parties", body: map[string]any{"user_ids": []int64{}}},
		{role: org.RoleAdmin, method: "GET", path: "/api/v1/customers//"},
		{role: "", method: "GET", path: "/api/v1/incidents//quarantine"},
	} {
		r := e.send(q)
		if r.Status != http.StatusNotFound || r.Header.Get("Location") != "" {
			t.Errorf("%s %s: %d (Location %q), want 404", q.method, q.path, r.Status, r.Header.Get("Location"))
			continue
		}
		r.wantErr(http.StatusNotFound, "not_found", "", "")
	}
}

// A request body must be a JSON object: null or a list is refused with a
// field error, and a PUT of the parties must give the list.
func TestBodyMustBeAnObject(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, body := range []string{"null", " [] ", "\"csv\"", "7"} {
			e.send(req{role: org.RoleGM, method: "POST", path: "/api/v1/exports", body: body, ctype: "application/json"}).
				wantErr(http.StatusBadRequest, "bad_request", "request", "object_required")
		}
		c := e.create(minimal("当事人"))
		path := "/api/v1/complaints/" + c["number"].(string) + "/parties"
		e.send(req{role: org.RoleAdmin, method: "PUT", path: path, body: map[string]any{}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "user_ids", "required")
		e.send(req{role: org.RoleAdmin, method: "PUT", path: path, body: "null", ctype: "application/json"}).
			wantErr(http.StatusBadRequest, "bad_request", "request", "object_required")
		e.send(req{role: org.RoleAdmin, method: "PUT", path: path, body: `{"user_ids": null}`, ctype: "application/json"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "user_ids", "required")
		r := e.send(req{role: org.RoleAdmin, method: "PUT", path: path, body: map[string]any{"user_ids": []int64{}}}).want(http.StatusOK)
		if p := r.M()["parties"]; p != nil && len(p.([]any)) != 0 {
			t.Fatalf("parties %v after []", p)
		}
		if n := len(e.get(org.RoleAdmin, "/api/v1/exports").M()["items"].([]any)); n != 0 {
			t.Fatalf("%d exports queued by refused requests", n)
		}
	})
}

// The enums of the document are the server's code lists.
func TestOpenAPIEnums(t *testing.T) {
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas := s.root["components"].(map[string]any)["schemas"].(map[string]any)
	prop := func(schema string, path ...string) map[string]any {
		m := schemas[schema].(map[string]any)
		for _, p := range path {
			if p == "[]" {
				m = s.resolve(m["items"])
				continue
			}
			m = s.resolve(m["properties"].(map[string]any)[p])
		}
		return m
	}
	codes := func(set enum.Set) []string { return set.Codes() }
	for _, c := range []struct {
		schema string
		path   []string
		want   []string
	}{
		{"ComplaintCreate", []string{"channel"}, codes(complaint.Channels)},
		{"ComplaintPatch", []string{"channel"}, codes(complaint.Channels)},
		{"ComplaintCreate", []string{"severity"}, codes(complaint.Severities)},
		{"ComplaintCreate", []string{"requests", "[]"}, codes(complaint.Requests)},
		{"ComplaintCreate", []string{"region"}, codes(customer.Regions)},
		{"CustomerCreate", []string{"class"}, codes(customer.Classes)},
		{"CustomerCreate", []string{"region"}, codes(customer.Regions)},
		{"UserCreate", []string{"role"}, codes(org.Roles)},
		{"UserPatch", []string{"role"}, codes(org.Roles)},
		{"Decision", []string{"resolution"}, codes(casework.Resolutions)},
		{"Decision", []string{"validity"}, codes(casework.Validities)},
		{"Decision", []string{"responsibility"}, codes(casework.Responsibilities)},
		{"CAPACreate", []string{"kind"}, codes(casework.CAPAKinds)},
		{"BatchCreate", []string{"status"}, codes(product.BatchStatuses)},
		{"Attachment", []string{"content_type"}, blob.ContentTypes()},
	} {
		var got []string
		for _, v := range asEnum(prop(c.schema, c.path...)) {
			got = append(got, v)
		}
		if !sameSet(got, c.want) {
			t.Errorf("%s.%s: enum %v, server %v", c.schema, strings.Join(c.path, "."), got, c.want)
		}
	}
	// List filters name the same codes.
	paths := s.root["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/complaints", "/api/v1/reports/statistics", "/api/v1/reports/kpis", "/api/v1/reports/statistics/export"} {
		for _, prm := range confList(paths[p].(map[string]any)["get"].(map[string]any)["parameters"]) {
			pm := s.resolve(prm)
			want := map[string][]string{"validity": codes(casework.Validities), "responsibility": codes(casework.Responsibilities),
				"class": codes(customer.Classes), "region": codes(customer.Regions)}[pm["name"].(string)]
			if want == nil {
				continue
			}
			if got := asEnum(s.resolve(pm["schema"])); !sameSet(got, want) {
				t.Errorf("GET %s ?%s: enum %v, server %v", p, pm["name"], got, want)
			}
		}
	}
	// Attachment downloads are documented with every type a file can have.
	download := s.root["paths"].(map[string]any)["/api/v1/attachments/{id}"].(map[string]any)["get"].(map[string]any)
	content := download["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)
	var want []string
	for _, ct := range blob.ContentTypes() {
		mt, _, _ := mime.ParseMediaType(ct)
		want = append(want, mt)
	}
	if got := sortedKeys(content); !sameSet(got, want) {
		t.Errorf("download media types %v, stored types %v", got, want)
	}
}

func asEnum(m map[string]any) []string {
	var out []string
	for _, v := range confList(m["enum"]) {
		out = append(out, v.(string))
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// The patterns of the document accept what the server accepts and refuse
// what it refuses (after the trimming of spaces the server does).
func TestOpenAPIPatterns(t *testing.T) {
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas := s.root["components"].(map[string]any)["schemas"].(map[string]any)
	pattern := func(schema, field string) *regexp.Regexp {
		p := s.resolve(schemas[schema].(map[string]any)["properties"].(map[string]any)[field])
		return regexp.MustCompile(p["pattern"].(string))
	}
	check := func(name string, re *regexp.Regexp, server func(v *apperr.Validation, s string) bool, samples []string) {
		for _, x := range samples {
			var v apperr.Validation
			if doc, srv := re.MatchString(x), server(&v, x); doc != srv {
				t.Errorf("%s %q: document %v, server %v", name, x, doc, srv)
			}
		}
	}
	phones := []string{"", "13812348000", "+86 138-0013-8000", "(010) 6552 1234", "010-65521234 转 123", "010-65521234 ext. 12",
		"010-65521234x9", "12", "abc", "138@", "++86 1234567", "1234", "12345", "0" + strings.Repeat("1", 31), "0" + strings.Repeat("1", 30)}
	phone := func(v *apperr.Validation, s string) bool { return v.Phone("phone", s) }
	for _, sc := range []string{"ComplainantInput", "CustomerCreate", "SupplierCreate", "UserCreate", "UserPatch"} {
		check(sc+".phone", pattern(sc, "phone"), phone, phones)
	}
	codesOK := []string{"", "20260512-A03", "A.B_C-D/E", "x", "-a", "a b", "批次1", "a@b", "/x"}
	code := func(v *apperr.Validation, s string) bool { return v.Code("code", s, 1000) }
	for _, f := range []string{"batch_no", "order_no", "part_no"} {
		check("ComplaintCreate."+f, pattern("ComplaintCreate", f), code, codesOK)
	}
	check("CustomerCreate.code", pattern("CustomerCreate", "code"), code, codesOK)
	// Where a code is required, the empty one is refused by "required".
	codeReq := func(v *apperr.Validation, s string) bool { return v.Required("code", s) && v.Code("code", s, 1000) }
	for _, sc := range []string{"ProductCreate", "SupplierCreate", "DepartmentCreate"} {
		check(sc+".code", pattern(sc, "code"), codeReq, codesOK)
	}
	check("BatchCreate.lot_no", pattern("BatchCreate", "lot_no"), codeReq, codesOK)
}
