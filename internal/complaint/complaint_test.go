package complaint

import (
	"strings"
	"testing"
	"time"

	"kesu/internal/apperr"
)

func TestPatterns(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		pattern, period, first, tenThousand string
	}{
		{DefaultPattern, "20261123", "KS-20261123-0001", "KS-20261123-10000"},
		{"{YYYY}{MM}-{SEQ:5}", "202611", "202611-00001", "202611-10000"},
		{"客诉{YY}{SEQ:3}", "2026", "客诉26001", "客诉2610000"},
		{"{YYYY}{MM}{DD}{SEQ:3}", "20261123", "20261123001", "2026112310000"},
	}
	for _, c := range cases {
		p, err := ParsePattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		s := p.Spec(at)
		if s.Period != c.period || s.Format(1) != c.first || s.Format(10000) != c.tenThousand {
			t.Errorf("%s: period %s, first %s, 10000th %s", c.pattern, s.Period, s.Format(1), s.Format(10000))
		}
	}
}

func TestBadPatterns(t *testing.T) {
	for pattern, want := range map[string]string{
		"KS-{SEQ:4}":               "{YYYY}",
		"KS-{YYYY}":                "exactly one",
		"KS-{YYYY}-{SEQ:4}-{SEQ}":  "exactly one",
		"KS-{YYYY}{DD}-{SEQ:4}":    "{DD} needs {MM}",
		"KS-{YYYY}-{SEQ:12}":       "width",
		"KS-{YYYY}-{WEEK}-{SEQ:4}": "unknown token",
		"KS-{YYYY-{SEQ:4}":         "unbalanced",
	} {
		if _, err := ParsePattern(pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", pattern, err, want)
		}
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*apperr.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Rule
		}
	}
	return out
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	neg, five, three := int64(-1), int64(5), int64(3)
	future := now.Add(48 * time.Hour)
	valid := func() *Complaint {
		return &Complaint{Channel: "phone", Subject: "净水器漏水", Description: "底部漏水", Complainant: Complainant{Name: "张三"}}
	}
	cases := []struct {
		name  string
		edit  func(c *Complaint)
		field string
		rule  string
	}{
		{"ok", func(c *Complaint) {}, "", ""},
		{"no subject", func(c *Complaint) { c.Subject = "  " }, "subject", "required"},
		{"long subject", func(c *Complaint) { c.Subject = strings.Repeat("漏", MaxSubject+1) }, "subject", "too_long"},
		{"unknown channel", func(c *Complaint) { c.Channel = "telepathy" }, "channel", "invalid_value"},
		{"unknown severity", func(c *Complaint) { c.Severity = "apocalyptic" }, "severity", "invalid_value"},
		{"unknown request", func(c *Complaint) { c.Requests = []string{"refund", "castle"} }, "requests", "invalid_value"},
		{"script", func(c *Complaint) { c.Description = "漏水<script>alert(1)</script>" }, "description", "markup_not_allowed"},
		{"javascript url", func(c *Complaint) { c.Description = "见 javascript:alert(1)" }, "description", "markup_not_allowed"},
		{"control char", func(c *Complaint) { c.Subject = "漏水\x00" }, "subject", "control_chars"},
		{"negative qty", func(c *Complaint) { c.QtyShipped = &neg }, "qty_shipped", "negative"},
		{"defective > shipped", func(c *Complaint) { c.QtyShipped, c.QtyDefective = &three, &five }, "qty_defective", "more_than_shipped"},
		{"bad email", func(c *Complaint) { c.Complainant.Email = "zhang@" }, "complainant.email", "invalid_email"},
		{"sql in phone", func(c *Complaint) { c.Complainant.Phone = "1' OR '1'='1" }, "complainant.phone", "invalid_phone"},
		{"sql in batch", func(c *Complaint) { c.BatchNo = "A03'; DROP TABLE complaints;--" }, "batch_no", "invalid_code"},
		{"future", func(c *Complaint) { c.ReceivedAt = future }, "received_at", "in_future"},
		{"no complainant", func(c *Complaint) { c.Complainant.Name = "" }, "complainant.name", "required"},
	}
	for _, tc := range cases {
		c := valid()
		tc.edit(c)
		Normalize(c)
		err := Validate(c, now)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tc.name, err)
			}
			continue
		}
		if got := fields(err)[tc.field]; got != tc.rule {
			t.Errorf("%s: field %s rule %q, want %q (err %v)", tc.name, tc.field, got, tc.rule, err)
		}
	}
	// A SQL fragment in free text is plain text, stored as written.
	c := valid()
	c.Description = "客户说：'; DROP TABLE complaints; -- 这是什么"
	if err := Validate(c, now); err != nil {
		t.Fatalf("SQL-looking free text must be accepted as text: %v", err)
	}
}

func TestNormalizeDefaults(t *testing.T) {
	c := &Complaint{Subject: " 漏水 ", Requests: []string{"repair", " repair", "", "refund"}}
	Normalize(c)
	if c.Subject != "漏水" || c.Severity != "minor" || c.Region != "domestic" || strings.Join(c.Requests, ",") != "repair,refund" {
		t.Fatalf("normalized: %+v", c)
	}
}

func TestTrackingCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		code := NewTrackingCode()
		if len(code) != 8 || strings.ContainsAny(code, "01ILO") || seen[code] {
			t.Fatalf("bad or repeated tracking code %q", code)
		}
		seen[code] = true
	}
}
