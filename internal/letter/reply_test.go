package letter

import (
	"strings"
	"testing"

	"kesu/internal/complaint"
)

func TestReplyCarriesNumberAndTrackingOnly(t *testing.T) {
	c := &complaint.Complaint{Number: "KS-20261125-0007", TrackingCode: "ABCD2345",
		Complainant: complaint.Complainant{Name: "王女士", Email: "wang@example.com"}}
	m := Reply(c, "resolution", "我司将为您免费更换整机。", "华东净水", "https://kesu.example.com", "zh")
	if m.To[0] != "wang@example.com" || !strings.Contains(m.Subject, "KS-20261125-0007") || !strings.Contains(m.Subject, "处理方案") {
		t.Fatalf("message = %+v", m)
	}
	for _, want := range []string{"尊敬的王女士", "免费更换整机", "ABCD2345", "https://kesu.example.com/track", "华东净水"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	en := Reply(c, "final", "We will replace it.", "ACME", "https://kesu.example.com", "en")
	if !strings.HasPrefix(en.Subject, "Final reply to your complaint") || !strings.Contains(en.Text, "Dear 王女士") {
		t.Fatalf("english = %+v", en)
	}
}
