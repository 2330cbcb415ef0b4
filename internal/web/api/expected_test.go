package api_test

import (
	"testing"
	"time"
)

// TestExpectedCompletionFromPolicy: the completion date promised in the
// acknowledgement (and returned at registration) follows the closure
// policy — 15 days for a domestic customer, 20 for a foreign one (SLA-9).
func TestExpectedCompletionFromPolicy(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			region string
			days   float64
		}{{"domestic", 15}, {"foreign", 20}} {
			got := e.create(map[string]any{"channel": "email", "subject": "出口批次漏水", "description": "客户来函投诉", "region": c.region,
				"complainant": map[string]any{"name": "Anna", "email": "anna@example.com"}})
			created, err1 := time.Parse(time.RFC3339Nano, got["created_at"].(string))
			expected, err2 := time.Parse(time.RFC3339Nano, got["expected_by"].(string))
			if err1 != nil || err2 != nil {
				t.Fatalf("times in %v", got)
			}
			if d := expected.Sub(created).Hours() / 24; d < c.days-0.01 || d > c.days+0.01 {
				t.Errorf("%s complaint: expected completion %.2f days after acceptance, want %.0f", c.region, d, c.days)
			}
		}
	})
}
