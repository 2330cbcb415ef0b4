package workflow

import (
	"testing"

	"kesu/internal/apperr"
)

func TestRouteManufacturer(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	tests := []struct {
		name string
		s    Subject
		want Outcome
	}{
		{"quality to QA", Subject{Category: "quality.leak", Quality: true, CustomerClass: "dealer"},
			Outcome{Rule: "quality_to_qa", Department: "qa", Strategy: LeastLoaded}},
		{"non-quality to sales", Subject{Category: "delivery.late", CustomerClass: "walk_in"},
			Outcome{Rule: "non_quality_to_sales", Department: "sales", Strategy: RoundRobin}},
		{"end user to its dealer", Subject{Category: "quality.leak", Quality: true, CustomerClass: "end_user", DealerID: 12},
			Outcome{Rule: "who_sells_who_services", DealerID: 12}},
		{"sub-distributor to its dealer", Subject{Category: "price", CustomerClass: "sub_distributor", DealerID: 3},
			Outcome{Rule: "who_sells_who_services", DealerID: 3}},
		{"end user without a known dealer is serviced by us", Subject{Category: "quality", Quality: true, CustomerClass: "end_user"},
			Outcome{Rule: "quality_to_qa", Department: "qa", Strategy: LeastLoaded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Route(d.Routing, tt.s)
			if !ok || got != tt.want {
				t.Errorf("Route = %+v %v, want %+v", got, ok, tt.want)
			}
		})
	}
}

func TestRouteMatchers(t *testing.T) {
	q := true
	rules := []Rule{
		{Name: "safety", When: Match{Safety: &q}, Department: "qa", Strategy: LeastLoaded},
		{Name: "critical_foreign", When: Match{Severities: []string{SeverityCritical}, Regions: []string{"foreign"}}, Department: "gm", Strategy: RoundRobin},
		{Name: "pumps", When: Match{ProductLines: []string{"pump"}, Categories: []string{"quality"}}, Department: "rd", Strategy: RoundRobin},
		{Name: "regulator", When: Match{Channels: []string{"regulator"}}, Department: "cs", Strategy: LeastLoaded},
		{Name: "key_accounts", When: Match{CustomerClasses: []string{"key_account"}}, Department: "sales", Strategy: LeastLoaded},
	}
	tests := []struct {
		s    Subject
		want string
		ok   bool
	}{
		{Subject{Safety: true, Severity: SeverityCritical, Region: "foreign"}, "safety", true}, // first match wins
		{Subject{Severity: SeverityCritical, Region: "foreign"}, "critical_foreign", true},
		{Subject{Severity: SeverityCritical, Region: "domestic"}, "", false},
		{Subject{ProductLine: "pump", Category: "quality.leak"}, "pumps", true},
		{Subject{ProductLine: "pump", Category: "qualityx"}, "", false}, // prefix means parent, not text
		{Subject{Channel: "regulator"}, "regulator", true},
		{Subject{CustomerClass: "key_account"}, "key_accounts", true},
	}
	for _, tt := range tests {
		got, ok := Route(rules, tt.s)
		if ok != tt.ok || got.Rule != tt.want {
			t.Errorf("Route(%+v) = %q %v, want %q %v", tt.s, got.Rule, ok, tt.want, tt.ok)
		}
	}
}

func TestPick(t *testing.T) {
	team := []Candidate{{UserID: 10, Load: 3}, {UserID: 11, Load: 1}, {UserID: 12, Load: 1, OnLeave: true}, {UserID: 13, Load: 0}}
	tests := []struct {
		name     string
		strategy string
		last     int64
		exclude  []int64
		want     Assignment
	}{
		{"round robin from the start", RoundRobin, 0, nil, Assignment{10, 11}},
		{"round robin after 10", RoundRobin, 10, nil, Assignment{11, 13}},
		{"round robin skips leave", RoundRobin, 11, nil, Assignment{13, 10}},
		{"round robin wraps", RoundRobin, 13, nil, Assignment{10, 11}},
		{"round robin after someone who left the team", RoundRobin, 99, nil, Assignment{10, 11}},
		{"round robin skips the 当事人", RoundRobin, 10, []int64{11}, Assignment{13, 10}},
		{"least loaded", LeastLoaded, 0, nil, Assignment{13, 11}},
		{"least loaded skips the 当事人", LeastLoaded, 0, []int64{13}, Assignment{11, 10}},
		{"one left: no backup", LeastLoaded, 0, []int64{10, 11}, Assignment{13, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pick(tt.strategy, team, tt.last, tt.exclude)
			if err != nil || got != tt.want {
				t.Errorf("Pick = %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
	_, err := Pick(RoundRobin, team, 0, []int64{10, 11, 13})
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("nobody eligible: %v", err)
	}
	if _, err := PickLeastLoaded(nil, nil); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("empty team: %v", err)
	}
}
