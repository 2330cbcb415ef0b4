package money

import (
	"testing"
	"time"
)

// BuildBonus by hand: an exclusion never takes more than was collected
// within terms, a note in another currency excludes nothing, and every
// total is the sum of its lines.
func TestBuildBonus(t *testing.T) {
	due := []DueInvoice{
		{Ref: "A", SalespersonID: 1, Salesperson: "甲", Currency: "CNY", Amount: 100000, DueOn: "2026-02-10", Collected: 100000, WithinTerms: 40000},
		{Ref: "B", SalespersonID: 1, Salesperson: "甲", Currency: "CNY", Amount: 50000, DueOn: "2026-02-11", Collected: 50000, WithinTerms: 50000},
		{Ref: "C", SalespersonID: 2, Salesperson: "乙", Currency: "USD", Amount: 30000, DueOn: "2026-02-12", Collected: 0, WithinTerms: 0},
	}
	flags := []CreditFlag{
		{Ref: "A", Amount: 30000, Currency: "CNY", ComplaintID: 7, Complaint: "K7"},
		{Ref: "A", Amount: 30000, Currency: "CNY", ComplaintID: 5, Complaint: "K5"}, // first by complaint: 300.00, then 100.00 of 300.00
		{Ref: "B", Amount: 1000, Currency: "USD", ComplaintID: 9, Complaint: "K9"},
	}
	b := BuildBonus("2026-02", "2026-02-01", "2026-02-28", due, flags)
	if len(b.Exclusions) != 3 || b.Exclusions[0].Complaint != "K5" || b.Exclusions[0].Excluded != 30000 ||
		b.Exclusions[1].Excluded != 10000 || b.Exclusions[2].Excluded != 0 {
		t.Fatalf("exclusions %+v", b.Exclusions)
	}
	// Rows by name: 乙 before 甲.
	want := []BonusRow{
		{SalespersonID: 1, Salesperson: "甲", BonusSum: BonusSum{Currency: "CNY", Receivables: 2, Due: 150000, Collected: 150000, WithinTerms: 90000, Excluded: 40000, Base: 50000}},
		{SalespersonID: 2, Salesperson: "乙", BonusSum: BonusSum{Currency: "USD", Receivables: 1, Due: 30000}},
	}
	if len(b.Rows) != 2 || b.Rows[0] != want[1] || b.Rows[1] != want[0] {
		t.Fatalf("rows %+v", b.Rows)
	}
	if len(b.Sums) != 2 || b.Sums[0] != want[0].BonusSum || b.Sums[1] != want[1].BonusSum {
		t.Errorf("sums %+v", b.Sums)
	}
	for _, l := range b.Lines {
		if l.Base != l.WithinTerms-l.Excluded || l.Base < 0 {
			t.Errorf("line %+v", l)
		}
	}
}

func TestBonusPeriod(t *testing.T) {
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	if m, f, e, err := BonusPeriod("", "", "", time.UTC, now); err != nil || m != "2026-02" || f != "2026-02-01" || e != "2026-03-01" {
		t.Errorf("default %s %s %s %v", m, f, e, err)
	}
	if m, f, e, err := BonusPeriod("", "2026-01-15", "2026-02-14", time.UTC, now); err != nil || m != "" || f != "2026-01-15" || e != "2026-02-15" {
		t.Errorf("range %s %s %s %v", m, f, e, err)
	}
	for _, c := range [][3]string{{"2026-02", "2026-01-01", "2026-01-31"}, {"", "2026-02-01", ""}, {"", "2026-02-10", "2026-02-01"},
		{"", "2025-01-01", "2026-01-02"}, {"2026-13", "", ""}} {
		if _, _, _, err := BonusPeriod(c[0], c[1], c[2], time.UTC, now); err == nil {
			t.Errorf("%v accepted", c)
		}
	}
}
