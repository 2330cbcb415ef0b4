package incident

import (
	"testing"
	"time"
)

func TestSimilarText(t *testing.T) {
	if s := SimilarText("净水器底座漏水", "净水器底座持续漏水"); s < 0.6 {
		t.Errorf("near-identical texts score %.2f", s)
	}
	if s := SimilarText("净水器底座漏水", "发票开错了抬头"); s != 0 {
		t.Errorf("unrelated texts score %.2f", s)
	}
	if s := SimilarText("", "x"); s != 0 {
		t.Errorf("empty text scores %.2f", s)
	}
}

// TestPlausible: the same lot or similar text is plausible; a complaint
// that shares only the customer is not; likelier ones score higher.
func TestPlausible(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cu, prod, other := int64(1), int64(7), int64(8)
	s := &Subject{ID: 10, CustomerID: &cu, ProductID: &prod, BatchNo: "L-1", ReceivedAt: now}
	text := "净水器底座漏水 安装一周后底座持续渗水"
	cases := []struct {
		name  string
		o     Subject
		text  string
		ok    bool
		first []string
	}{
		{"same lot", Subject{ID: 1, BatchNo: "L-1", ReceivedAt: now.Add(-48 * time.Hour)}, "出水有异味", true, []string{"same_batch"}},
		{"similar text", Subject{ID: 2, ReceivedAt: now.Add(-24 * time.Hour)}, "底座漏水，安装后一直渗水", true, []string{"similar_text"}},
		{"same product and customer this week", Subject{ID: 3, CustomerID: &cu, ProductID: &prod, ReceivedAt: now.Add(-72 * time.Hour)}, "滤芯更换咨询", true, []string{"same_product", "same_customer"}},
		{"customer only", Subject{ID: 4, CustomerID: &cu, ProductID: &other, ReceivedAt: now.Add(-24 * time.Hour)}, "发票开错了抬头", false, nil},
	}
	scores := map[int64]float64{}
	for _, c := range cases {
		p, ok := DefaultLinkRule.Plausible(s, &c.o, text, c.text)
		if ok != c.ok {
			t.Errorf("%s: plausible %v, want %v (%+v)", c.name, ok, c.ok, p)
		}
		for i, r := range c.first {
			if i >= len(p.Reasons) || p.Reasons[i] != r {
				t.Errorf("%s: reasons %v, want %v first", c.name, p.Reasons, c.first)
			}
		}
		scores[c.o.ID] = p.Score
	}
	if scores[1] <= scores[3] || scores[2] <= scores[3] {
		t.Errorf("the same lot and similar text should outrank a same-product visit: %v", scores)
	}
}
