package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"kesu/internal/org"
)

// A complaint received days ago has overdue clocks: the list keeps it
// under due=overdue and the clocks endpoint shows them with due times.
func TestClocksAndDueFilter(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		mk := func(received string) string {
			c := e.post(org.RoleAgent, "/api/v1/complaints", map[string]any{
				"channel": "phone", "received_at": received, "subject": "净水器漏水", "description": "底部漏水。",
				"category": "quality.leak", "severity": "major",
				"complainant": map[string]any{"name": "李四", "phone": "13812348000"},
			}).want(http.StatusCreated).M()
			return c["number"].(string)
		}
		old, fresh := mk("2026-03-02T09:00:00+08:00"), mk("2026-03-10T09:30:00+08:00")
		if _, err := e.app.Worker.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		var clocks struct {
			Items []struct {
				Policy, State, Urgency string
				LabelZH                string `json:"label_zh"`
				DueAt                  string `json:"due_at"`
				Remaining              int64
			}
		}
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(old)+"/clocks").want(http.StatusOK).JSON(&clocks)
		found := false
		for _, c := range clocks.Items {
			t.Logf("%+v", c)
			if c.Policy == "sla_2" {
				found = true
				if c.DueAt == "" || c.LabelZH == "" || c.Urgency != "overdue" || c.Remaining >= 0 {
					t.Errorf("sla_2 clock %+v, want overdue with a due time", c)
				}
			}
		}
		if !found {
			t.Fatalf("no sla_2 clock in %+v", clocks.Items)
		}
		var page struct{ Items []struct{ Number string } }
		e.get(org.RoleAgent, "/api/v1/complaints?due=overdue").want(http.StatusOK).JSON(&page)
		if len(page.Items) != 1 || page.Items[0].Number != old {
			t.Errorf("due=overdue: %+v, want only %s", page.Items, old)
		}
		e.get(org.RoleAgent, "/api/v1/complaints?sort=due_asc&limit=1").want(http.StatusOK).JSON(&page)
		if len(page.Items) != 1 || page.Items[0].Number != old {
			t.Errorf("sort=due_asc: %+v, want %s first", page.Items, old)
		}
		_ = fresh
		e.get(org.RoleAgent, "/api/v1/complaints?due=late").want(http.StatusUnprocessableEntity)
	})
}
