package money

import (
	"slices"
	"testing"
	"time"

	"kesu/internal/apperr"
)

func fieldRules(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*apperr.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Rule
		}
	}
	return out
}

func TestParseAndFormat(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 100, "1.5": 150, "123.45": 12345, " 80.00 ": 8000, "0.01": 1} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.234", "1.", ".5", "abc", "1e3", "1,000"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 12345: "123.45", -5: "-0.05", -12345: "-123.45"} {
		if got := Format(fen); got != want {
			t.Errorf("Format(%d) = %q, want %q", fen, got, want)
		}
	}
}

// The costing rule by hand: parts 120.50, 90 minutes at 80.00/h = 120.00,
// freight 30.00, compensation 200.00, 2 units returned at 50.00 = 100.00:
// total 570.50.
func TestCost(t *testing.T) {
	l, err := Cost(LossInput{Parts: "120.50", LabourMinutes: 90, Freight: "30", Compensation: "200.00", ReturnedUnits: 2}, DefaultRates)
	if err != nil {
		t.Fatal(err)
	}
	if l.Parts != 12050 || l.Labour != 12000 || l.Freight != 3000 || l.Compensation != 20000 || l.Returns != 10000 || l.Total != 57050 ||
		l.Currency != "CNY" {
		t.Errorf("cost %+v", l)
	}
	// 7 minutes at 80.00/h is 9.333… → 9.33; at 85.00/h 9.9166… → 9.92.
	if l, _ := Cost(LossInput{LabourMinutes: 7}, Rates{LabourPerHour: 8000}); l.Labour != 933 || l.Total != 933 {
		t.Errorf("7 minutes at 80/h: %+v", l)
	}
	if l, _ := Cost(LossInput{LabourMinutes: 7}, Rates{LabourPerHour: 8500}); l.Labour != 992 {
		t.Errorf("7 minutes at 85/h: %+v", l)
	}
	_, err = Cost(LossInput{Parts: "1.234", LabourMinutes: -1, ReturnedUnits: -2, Currency: "yuan"}, DefaultRates)
	want := map[string]string{"parts": "invalid_amount", "labour_minutes": "invalid_value", "returned_units": "invalid_value", "currency": "invalid_value"}
	if got := fieldRules(err); !mapsEqual(got, want) {
		t.Errorf("bad input: %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSharesMustSumTo100(t *testing.T) {
	for _, tc := range []struct {
		shares []int
		want   map[string]string
	}{
		{[]int{60, 40}, map[string]string{}},
		{[]int{100}, map[string]string{}},
		{nil, map[string]string{}},
		{[]int{60, 30}, map[string]string{"responsible": "shares_sum"}},
		{[]int{60, 50}, map[string]string{"responsible": "shares_sum"}},
		{[]int{120, -20}, map[string]string{"responsible[0].share": "invalid_value", "responsible[1].share": "invalid_value"}},
	} {
		var v apperr.Validation
		CheckShares(&v, "responsible", tc.shares)
		if got := fieldRules(v.Err()); !mapsEqual(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.shares, got, tc.want)
		}
	}
}

// Allocation by the largest remainder: the parts add up to the total.
func TestAllocate(t *testing.T) {
	for _, tc := range []struct {
		total  int64
		shares []int
		want   []int64
	}{
		{10000, []int{60, 40}, []int64{6000, 4000}},
		{100, []int{33, 33, 34}, []int64{33, 33, 34}},
		{1, []int{50, 50}, []int64{1, 0}},                 // the tie goes to the first
		{1001, []int{33, 33, 34}, []int64{330, 330, 341}}, // 330.33, 330.33, 340.34 → one fen to the largest remainder… of 34%
		{57050, []int{70, 30}, []int64{39935, 17115}},
	} {
		got := Allocate(tc.total, tc.shares)
		var sum int64
		for _, x := range got {
			sum += x
		}
		if sum != tc.total {
			t.Errorf("Allocate(%d, %v) = %v adds up to %d", tc.total, tc.shares, got, sum)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Allocate(%d, %v) = %v, want %v", tc.total, tc.shares, got, tc.want)
		}
	}
}

// A notice approved stays approved only with exactly its approved lines.
func TestPenaltyApprovalBoundToLines(t *testing.T) {
	qa, u := int64(3), int64(7)
	lines := []PenaltyLineInput{{Party: Party{DepartmentID: &qa}, Kind: KindPenalty, Amount: "200.00", Reason: "漏检"},
		{Party: Party{UserID: &u}, Kind: KindPenalty, Amount: "50"}}
	p, err := NewPenalty(1, "", lines)
	if err != nil || p.Penalties != 25000 || p.Rewards != 0 || p.Status != StatusPending || p.Currency != "CNY" {
		t.Fatalf("new %+v %v", p, err)
	}
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	gm := int64(1)
	p.Status, p.ApprovedDigest, p.ApprovedBy, p.ApprovedAt = StatusApproved, p.Digest, &gm, &now
	same, _ := NewPenalty(1, "CNY", lines)
	if r := Revise(p, same); r.Status != StatusApproved {
		t.Errorf("the approved lines again: %s", r.Status)
	}
	lines[1].Amount = "60"
	changed, _ := NewPenalty(1, "CNY", lines)
	if r := Revise(p, changed); r.Status != StatusPending || r.Penalties != 26000 {
		t.Errorf("a changed amount: %s %d", r.Status, r.Penalties)
	}
	lines[1].Amount = "50"
	back, _ := NewPenalty(1, "CNY", lines)
	if r := Revise(p, back); r.Status != StatusApproved {
		t.Errorf("back to the approved lines: %s", r.Status)
	}
	_, err = NewPenalty(1, "CNY", []PenaltyLineInput{{Kind: "fine", Amount: "0"}, {Party: Party{DepartmentID: &qa, UserID: &u}, Kind: KindReward, Amount: "x"}})
	want := map[string]string{"lines[0]": "one_party", "lines[0].kind": "invalid_value", "lines[0].amount": "positive",
		"lines[1]": "one_party", "lines[1].amount": "invalid_amount"}
	if got := fieldRules(err); !mapsEqual(got, want) {
		t.Errorf("bad lines: %v, want %v", got, want)
	}
}

// The monthly list by hand: two notices approved in November.
//
//	KS-1: QA dept penalty 200.00, person 7 penalty 50.00
//	KS-2: QA dept penalty 100.00, person 7 reward 30.00, supplier 9 penalty 1000.00
//
// QA: 2 cases, penalties 300.00, net −300.00; person 7: 2 cases, penalties
// 50.00, rewards 30.00, net −20.00; supplier 9: 1 case, −1000.00. Sums:
// penalties 1350.00, rewards 30.00.
func TestMonthlyList(t *testing.T) {
	qa, u, sp := int64(3), int64(7), int64(9)
	at1, at2 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ps := []Penalty{
		{ComplaintID: 1, Number: "KS-1", Currency: "CNY", Status: StatusApproved, ApprovedAt: &at1, Lines: []PenaltyLine{
			{Party: Party{DepartmentID: &qa}, Name: "品质部", Kind: KindPenalty, Amount: 20000},
			{Party: Party{UserID: &u}, Name: "李质检", Kind: KindPenalty, Amount: 5000}}},
		{ComplaintID: 2, Number: "KS-2", Currency: "CNY", Status: StatusApproved, ApprovedAt: &at2, Lines: []PenaltyLine{
			{Party: Party{DepartmentID: &qa}, Name: "品质部", Kind: KindPenalty, Amount: 10000},
			{Party: Party{UserID: &u}, Name: "李质检", Kind: KindReward, Amount: 3000},
			{Party: Party{SupplierID: &sp}, Name: "华泰滤材", Kind: KindPenalty, Amount: 100000}}},
		{ComplaintID: 3, Number: "KS-3", Currency: "CNY", Status: StatusPending, Lines: []PenaltyLine{
			{Party: Party{DepartmentID: &qa}, Kind: KindPenalty, Amount: 99900}}},
	}
	m := BuildMonthly("2026-11", at1, at2, ps)
	if m.Cases != 2 || len(m.Lines) != 5 {
		t.Fatalf("%d cases, %d lines", m.Cases, len(m.Lines))
	}
	want := []MonthlyTotal{
		{PartyKind: "department", PartyID: qa, Party: "品质部", Currency: "CNY", Cases: 2, Penalties: 30000, Net: -30000},
		{PartyKind: "person", PartyID: u, Party: "李质检", Currency: "CNY", Cases: 2, Penalties: 5000, Rewards: 3000, Net: -2000},
		{PartyKind: "supplier", PartyID: sp, Party: "华泰滤材", Currency: "CNY", Cases: 1, Penalties: 100000, Net: -100000},
	}
	if !slices.Equal(m.Totals, want) {
		t.Errorf("totals\n%+v\nwant\n%+v", m.Totals, want)
	}
	if !slices.Equal(m.Sums, []CurrencySum{{Currency: "CNY", Penalties: 135000, Rewards: 3000}}) {
		t.Errorf("sums %+v", m.Sums)
	}
	// Totals equal the sum of the lines.
	var pen, rew int64
	for _, l := range m.Lines {
		if l.Kind == KindReward {
			rew += l.Amount
		} else {
			pen += l.Amount
		}
	}
	if pen != m.Sums[0].Penalties || rew != m.Sums[0].Rewards {
		t.Errorf("lines add up to %d/%d, sums say %+v", pen, rew, m.Sums)
	}
}

func TestMonthBounds(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 4, 8, 30, 0, 0, loc)
	name, from, to, err := MonthBounds("", loc, now)
	if err != nil || name != "2026-11" || !from.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("last month: %s %v %v %v", name, from, to, err)
	}
	if _, _, _, err := MonthBounds("2026-13", loc, now); fieldRules(err)["month"] != "invalid_value" {
		t.Errorf("bad month: %v", err)
	}
}
