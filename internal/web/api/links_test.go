package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"kesu/internal/org"
)

// A second complaint from the same phone about the same lot within seven
// days is suggested as a duplicate; it can be linked, then merged, and
// both timelines stay (INT-6).
func TestDuplicatesLinkAndMerge(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		first := e.create(qualityOf("净水器漏水", "L-DUP-1"))
		second := e.create(qualityOf("净水器又漏水", "L-DUP-1"))
		other := minimal("无关投诉")
		other["complainant"] = map[string]any{"name": "赵六", "phone": "13900009999"}
		e.create(other)
		n1, n2 := first["number"].(string), second["number"].(string)
		base := "/api/v1/complaints/" + url.PathEscape(n2)

		var d struct {
			Suggestions []map[string]any `json:"suggestions"`
			Links       []map[string]any `json:"links"`
			Repeats     int              `json:"repeats"`
		}
		e.get(org.RoleAgent, base+"/duplicates").want(http.StatusOK).JSON(&d)
		if len(d.Suggestions) != 1 || d.Suggestions[0]["number"] != n1 || d.Suggestions[0]["kind"] != "duplicate" ||
			d.Suggestions[0]["subject"] != "净水器漏水" || d.Suggestions[0]["status"] != first["status"] {
			t.Fatalf("suggestions %v", d.Suggestions)
		}
		if len(d.Links) != 0 {
			t.Errorf("links before linking: %v", d.Links)
		}

		e.post(org.RoleAgent, base+"/links", map[string]any{"number": n1, "kind": "copy"}).wantErr(422, "invalid", "kind", "")
		e.post(org.RoleAgent, base+"/links", map[string]any{"number": "KS-NOPE", "kind": "repeat"}).wantErr(422, "invalid", "number", "not_found")
		e.post(org.RoleAgent, base+"/links", map[string]any{"number": n2, "kind": "repeat"}).wantErr(422, "invalid", "to_id", "self_reference")
		l := e.post(org.RoleAgent, base+"/links", map[string]any{"number": n1, "kind": "repeat"}).want(http.StatusCreated).M()
		if l["number"] != n1 || l["kind"] != "repeat" || l["direction"] != "to" {
			t.Errorf("link %v", l)
		}
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(n1)+"/duplicates").want(http.StatusOK).JSON(&d)
		if len(d.Links) != 1 || d.Links[0]["number"] != n2 || d.Links[0]["direction"] != "from" || d.Repeats != 1 {
			t.Errorf("first's links %v, repeats %d", d.Links, d.Repeats)
		}

		before := len(e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(n1)+"/timeline").want(http.StatusOK).M()["items"].([]any))
		v := e.get(org.RoleManager, base).want(http.StatusOK).M()["version"]
		e.post(org.RoleManager, base+"/merge", map[string]any{"into": n1}).wantErr(422, "invalid", "version", "required")
		e.post(org.RoleManager, base+"/merge", map[string]any{"into": n2, "version": v}).wantErr(422, "invalid", "merge_into", "self_reference")
		e.post(org.RoleManager, base+"/merge", map[string]any{"into": n1, "version": v}).want(http.StatusOK)
		if got := e.get(org.RoleAgent, base).want(http.StatusOK).M(); got["status"] != "merged" {
			t.Errorf("merged complaint status %v", got["status"])
		}
		if got := e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(n1)).want(http.StatusOK).M(); got["status"] == "merged" {
			t.Errorf("survivor was merged too")
		}
		if tl := e.get(org.RoleAgent, base+"/timeline").want(http.StatusOK).M()["items"].([]any); len(tl) == 0 {
			t.Errorf("merged complaint lost its timeline")
		}
		after := len(e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(n1)+"/timeline").want(http.StatusOK).M()["items"].([]any))
		if after != before {
			t.Errorf("the merge changed the survivor: timeline %d entries, before the merge %d", after, before)
		}
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(n1)+"/duplicates").want(http.StatusOK).JSON(&d)
		kinds := map[string]bool{}
		for _, l := range d.Links {
			kinds[l["kind"].(string)] = true
		}
		if !kinds["merged"] || !kinds["repeat"] {
			t.Errorf("links after the merge %v", d.Links)
		}
		// A merged complaint is no longer suggested.
		third := e.create(qualityOf("第三次漏水", "L-DUP-1"))
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(third["number"].(string))+"/duplicates").want(http.StatusOK).JSON(&d)
		for _, s := range d.Suggestions {
			if s["number"] == n2 {
				t.Errorf("merged complaint suggested: %v", d.Suggestions)
			}
		}
	})
}
