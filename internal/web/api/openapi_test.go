package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"kesu/internal/web"
	"kesu/internal/web/api"
)

// TestOpenAPIMatchesRoutes checks the document is valid OpenAPI 3.1 and
// describes exactly the routes the API mounts, probing the real mux.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := loadDoc()
	if err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	mux := http.NewServeMux()
	api.Mount(&web.Router{Mux: mux, Deps: &web.Deps{}})

	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			documented[pattern] = true
			if op.OperationID == "" || len(op.Responses.Map()) == 0 {
				t.Errorf("%s lacks an operationId or responses", pattern)
			}
			// Fill the path template and ask the mux which route serves it.
			url := strings.NewReplacer("{number}", "KS-20260310-0001", "{id}", "7").Replace(path)
			_, got := mux.Handler(httptest.NewRequest(method, url, nil))
			if got != pattern {
				t.Errorf("documented %s is served by %q", pattern, got)
			}
			for _, p := range op.Parameters {
				if p.Value.In == "path" && !strings.Contains(path, "{"+p.Value.Name+"}") {
					t.Errorf("%s: path parameter %s not in the template", pattern, p.Value.Name)
				}
			}
		}
	}
	var missing []string
	for _, r := range api.Routes() {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes not in openapi.json: %v", missing)
	}
	if len(documented) != len(api.Routes()) {
		t.Errorf("%d documented operations, %d routes", len(documented), len(api.Routes()))
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, "")
	r := e.get("", "/api/v1/openapi.json").want(http.StatusOK)
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil || v["openapi"] != "3.1.0" {
		t.Fatalf("served document: %v", err)
	}
}
