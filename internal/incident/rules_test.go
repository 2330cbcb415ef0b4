package incident

import (
	"testing"
	"time"

	"kesu/internal/apperr"
)

func TestBatchRule(t *testing.T) {
	def := BatchRule{}
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if got := def.Since(at); !got.Equal(at.AddDate(0, 0, -90)) {
		t.Errorf("default window starts %v", got)
	}
	for _, tc := range []struct {
		rule  BatchRule
		count int
		want  bool
	}{
		{def, 4, false}, {def, 5, true}, {def, 6, true},
		{BatchRule{Threshold: 3}, 2, false}, {BatchRule{Threshold: 3}, 3, true},
	} {
		if got := tc.rule.Raises(tc.count); got != tc.want {
			t.Errorf("%+v raises at %d = %v, want %v", tc.rule, tc.count, got, tc.want)
		}
	}
	merged := int64(9)
	for _, tc := range []struct {
		s    Subject
		want bool
	}{
		{Subject{Quality: true, BatchNo: "L1"}, true},
		{Subject{Quality: false, BatchNo: "L1"}, false},
		{Subject{Quality: true}, false},
		{Subject{Quality: true, BatchNo: "L1", MergedInto: &merged}, false},
	} {
		if got := def.Applies(&tc.s); got != tc.want {
			t.Errorf("applies to %+v = %v", tc.s, got)
		}
	}
}

func TestClassify(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	c1, c2, p1, p2 := int64(1), int64(2), int64(10), int64(20)
	open := func(s string) bool { return s != "closed" && s != "merged" }
	s := &Subject{ID: 100, CustomerID: &c1, Phone: "13800138000", ProductID: &p1, BatchNo: "L1", ReceivedAt: at}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		o    Subject
		want string
	}{
		{"same customer and product, 3 days, open", Subject{ID: 1, CustomerID: &c1, ProductID: &p1, Status: "accepted", ReceivedAt: at.Add(-3 * day)}, LinkDuplicate},
		{"same phone and lot", Subject{ID: 2, Phone: "13800138000", BatchNo: "L1", Status: "registered", ReceivedAt: at.Add(-6 * day)}, LinkDuplicate},
		{"same customer, closed: a repeat", Subject{ID: 3, CustomerID: &c1, ProductID: &p1, Status: "closed", ReceivedAt: at.Add(-2 * day)}, LinkRepeat},
		{"same customer, 8 days", Subject{ID: 4, CustomerID: &c1, ProductID: &p1, Status: "accepted", ReceivedAt: at.Add(-8 * day)}, LinkRepeat},
		{"same customer, other product", Subject{ID: 5, CustomerID: &c1, ProductID: &p2, Status: "accepted", ReceivedAt: at.Add(-1 * day)}, LinkRepeat},
		{"same lot, other customer", Subject{ID: 6, CustomerID: &c2, BatchNo: "L1", Status: "accepted", ReceivedAt: at.Add(-80 * day)}, LinkRepeat},
		{"same lot, 91 days", Subject{ID: 7, CustomerID: &c2, BatchNo: "L1", Status: "accepted", ReceivedAt: at.Add(-91 * day)}, ""},
		{"same phone only, other product: not a repeat", Subject{ID: 8, Phone: "13800138000", ProductID: &p2, Status: "accepted", ReceivedAt: at.Add(-day)}, ""},
		{"itself", Subject{ID: 100, CustomerID: &c1, ProductID: &p1, ReceivedAt: at}, ""},
		{"merged", Subject{ID: 9, CustomerID: &c1, ProductID: &p1, Status: "merged", MergedInto: &c2, ReceivedAt: at}, ""},
		{"unrelated", Subject{ID: 10, CustomerID: &c2, ProductID: &p1, Status: "accepted", ReceivedAt: at}, ""},
	} {
		if got := DefaultLinkRule.Classify(s, &tc.o, open); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	short := LinkRule{DuplicateWindow: 2 * day, RepeatWindow: 10 * day}
	if got := short.Classify(s, &Subject{ID: 1, CustomerID: &c1, ProductID: &p1, Status: "accepted", ReceivedAt: at.Add(-3 * day)}, open); got != LinkRepeat {
		t.Errorf("configured 2-day duplicate window: %q", got)
	}
	sug := DefaultLinkRule.Suggest(s, []Subject{
		{ID: 4, CustomerID: &c1, ProductID: &p1, Status: "accepted", ReceivedAt: at.Add(-8 * day)},
		{ID: 1, CustomerID: &c1, ProductID: &p1, Status: "accepted", ReceivedAt: at.Add(-3 * day)},
		{ID: 10, CustomerID: &c2, Status: "accepted", ReceivedAt: at},
	}, open)
	if len(sug) != 2 || sug[0].ID != 1 || sug[0].Kind != LinkDuplicate || sug[1].ID != 4 {
		t.Errorf("suggestions %+v", sug)
	}
}

func TestLedgerBalance(t *testing.T) {
	for _, tc := range []struct {
		purchase int64
		rate     int
		want     int64
	}{
		{1_000_000_00, 50, 500_000}, // ¥1,000,000 → ¥5,000
		{199, 50, 1},                // 0.995 fen rounds up
		{99, 50, 0},                 // 0.495 fen rounds down
		{1_000_00, 100, 1_000},      // 1 %
		{0, 50, 0}, {-5, 50, 0},
	} {
		if got := Allowance(tc.purchase, tc.rate); got != tc.want {
			t.Errorf("allowance of %d at %d bp = %d, want %d", tc.purchase, tc.rate, got, tc.want)
		}
	}
	var b Balance
	b.Add(EntryPurchase, 100_000)
	b.Add(EntryAllowance, 500)
	b.Add(EntryCharge, 300)
	if b.Amount() != 200 || b.Available() != 200 || b.Purchases != 100_000 {
		t.Fatalf("balance %+v amount %d", b, b.Amount())
	}
	if err := CheckCharge(b, 200); err != nil {
		t.Errorf("charge of exactly the balance: %v", err)
	}
	err := CheckCharge(b, 201)
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Code != apperr.Conflict || ae.Fields[0].Rule != RuleAllowanceExhausted || ae.Fields[0].Param != "200" {
		t.Fatalf("charge beyond the balance: %v", err)
	}
	b.Add(EntryCreditApproval, 1_000)
	if err := CheckCharge(b, 1_200); err != nil {
		t.Errorf("charge within approved credit: %v", err)
	}
	b.Add(EntryPayment, 50)
	if b.Available() != 1_250 {
		t.Errorf("available after payment %d", b.Available())
	}
}
