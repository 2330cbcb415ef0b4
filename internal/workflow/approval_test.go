package workflow

import (
	"strings"
	"testing"
)

func roles(ls []Level) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Role)
	}
	return strings.Join(out, ",")
}

func TestApprovalChain(t *testing.T) {
	def := DefaultApproval()
	svc := DefaultApproval()
	svc.Levels = map[string][]string{"2": {"manager"}, "3": {RoleGM}}
	usd := DefaultApproval()
	usd.Rates = map[string]float64{"USD": 7.2}
	tests := []struct {
		name     string
		a        Approval
		amount   Money
		severity string
		level    int
		want     string
	}{
		{"nothing to pay", def, Yuan(0), SeverityMinor, 0, "manager"},
		{"exactly 2000", def, Yuan(2000), SeverityMajor, 0, "manager"},
		{"one fen above 2000", def, Money{Amount: 200001, Currency: "CNY"}, SeverityMajor, 0, "manager,deputy_gm"},
		{"exactly 20000", def, Yuan(20000), SeverityMinor, 0, "manager,deputy_gm"},
		{"above 20000", def, Yuan(20001), SeverityMinor, 0, "manager,deputy_gm,gm"},
		{"critical adds a level", def, Yuan(500), SeverityCritical, 0, "manager,deputy_gm"},
		{"critical at the top stays", def, Yuan(50000), SeverityCritical, 0, "manager,deputy_gm,gm"},
		{"critical off", Approval{Currency: "CNY", Tiers: def.Tiers}, Yuan(500), SeverityCritical, 0, "manager"},
		{"service level 3 needs the GM", svc, Yuan(100), SeverityMinor, 3, "manager,gm"},
		{"service level 2", svc, Yuan(100), SeverityMinor, 2, "manager"},
		{"foreign currency with a rate", usd, Money{Amount: 100000, Currency: "USD"}, SeverityMinor, 0, "manager,deputy_gm"},
		{"foreign currency without a rate needs everyone", def, Money{Amount: 100, Currency: "USD"}, SeverityMinor, 0, "manager,deputy_gm,gm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roles(ApprovalChain(tt.amount, tt.severity, tt.level, &tt.a)); got != tt.want {
				t.Errorf("chain = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCanCommitAndApprove(t *testing.T) {
	a := DefaultApproval()
	tests := []struct {
		role   string
		amount Money
		want   bool
	}{
		{"agent", Yuan(0), true},
		{"agent", Yuan(200), true},
		{"agent", Money{Amount: 20001, Currency: "CNY"}, false},
		{"handler", Yuan(500), true},
		{"manager", Yuan(2000), true},
		{"manager", Yuan(2001), false},
		{RoleDeputyGM, Yuan(20000), true},
		{RoleGM, Yuan(10_000_000), true},
		{"auditor", Yuan(1), false}, // no limit: promises nothing that costs money
		{"manager", Money{Amount: 100, Currency: "USD"}, false},
	}
	for _, tt := range tests {
		if got := CanCommit(&a, tt.role, tt.amount); got != tt.want {
			t.Errorf("CanCommit(%s, %v) = %v", tt.role, tt.amount, got)
		}
	}
	mgrLevel := Level{Role: "manager"}
	gmLevel := Level{Role: RoleGM}
	if !a.CanApprove(RoleGM, mgrLevel) || a.CanApprove("manager", gmLevel) || a.CanApprove("admin", mgrLevel) {
		t.Error("a higher authority signs a lower level; nobody signs above their tier; admin is no approver")
	}
}

func TestParseAmount(t *testing.T) {
	for s, want := range map[string]Amount{"0": 0, "2000": 200000, "2000.5": 200050, "0.01": 1, "unlimited": Unlimited} {
		if got, err := ParseAmount(s); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "-1", "1.234", "2,000", "¥20"} {
		if _, err := ParseAmount(s); err == nil {
			t.Errorf("ParseAmount(%q) accepted", s)
		}
	}
}
