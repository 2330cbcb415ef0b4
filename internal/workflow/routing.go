package workflow

import (
	"slices"
	"strings"

	"kesu/internal/apperr"
)

// Assignment strategies within a team (TRI-5).
const (
	RoundRobin  = "round_robin"
	LeastLoaded = "least_loaded"
)

// Rule is one routing rule (TRI-5, CUS-2): when the complaint matches, it
// goes to Department with Strategy, or, with RouteToDealer, to the dealer
// that sold to the customer (谁销售谁服务). The first matching rule wins.
type Rule struct {
	Name          string `json:"name"`
	When          Match  `json:"when"`
	Department    string `json:"department,omitempty"` // org department code
	Strategy      string `json:"strategy,omitempty"`
	RouteToDealer bool   `json:"route_to_dealer,omitempty"`
	// Profile, when set, is the lifecycle the complaints this rule
	// matches run under instead of the definition's own (e.g. service
	// complaints of a manufacturer handled by the 4S levels).
	Profile string `json:"profile,omitempty"`
}

// Match lists what a rule requires; empty lists match anything. A category
// matches itself and its children ("quality" matches "quality.leak").
type Match struct {
	Categories      []string `json:"categories,omitempty"`
	Quality         *bool    `json:"quality,omitempty"`
	Severities      []string `json:"severities,omitempty"`
	Safety          *bool    `json:"safety,omitempty"`
	Channels        []string `json:"channels,omitempty"`
	CustomerClasses []string `json:"customer_classes,omitempty"`
	Regions         []string `json:"regions,omitempty"`
	ProductLines    []string `json:"product_lines,omitempty"`
}

// catchAll reports whether m matches every complaint.
func (m Match) catchAll() bool {
	return len(m.Categories) == 0 && m.Quality == nil && len(m.Severities) == 0 && m.Safety == nil &&
		len(m.Channels) == 0 && len(m.CustomerClasses) == 0 && len(m.Regions) == 0 && len(m.ProductLines) == 0
}

// Subject is what routing reads from a new complaint.
type Subject struct {
	Category      string
	Quality       bool
	Severity      string
	Safety        bool
	Channel       string
	CustomerClass string
	Region        string
	ProductLine   string
	DealerID      int64 // the customer's dealer, for sub-distributors and end users
}

// Outcome is where routing sends a complaint.
type Outcome struct {
	Rule       string
	Department string
	Strategy   string
	DealerID   int64 // non-zero: route to this dealer instead of a department
	Profile    string
}

// ToDealer reports whether the complaint goes to the customer's dealer.
func (o Outcome) ToDealer() bool { return o.DealerID != 0 }

// Route returns the outcome of the first rule that matches s. A dealer rule
// does not match a customer whose dealer is unknown: the company services
// it. ok is false when nothing matches (a loaded definition always ends with
// a catch-all rule).
func Route(rules []Rule, s Subject) (o Outcome, ok bool) {
	for _, r := range rules {
		if !r.When.matches(s) {
			continue
		}
		if r.RouteToDealer {
			if s.DealerID == 0 {
				continue
			}
			return Outcome{Rule: r.Name, DealerID: s.DealerID, Profile: r.Profile}, true
		}
		return Outcome{Rule: r.Name, Department: r.Department, Strategy: r.Strategy, Profile: r.Profile}, true
	}
	return Outcome{}, false
}

func (m Match) matches(s Subject) bool {
	if len(m.Categories) > 0 && !slices.ContainsFunc(m.Categories, func(c string) bool {
		return s.Category == c || strings.HasPrefix(s.Category, c+".")
	}) {
		return false
	}
	if m.Quality != nil && *m.Quality != s.Quality {
		return false
	}
	if m.Safety != nil && *m.Safety != s.Safety {
		return false
	}
	return oneOf(m.Severities, s.Severity) && oneOf(m.Channels, s.Channel) &&
		oneOf(m.CustomerClasses, s.CustomerClass) && oneOf(m.Regions, s.Region) &&
		oneOf(m.ProductLines, s.ProductLine)
}

func oneOf(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

// Candidate is a team member who could take a case.
type Candidate struct {
	UserID  int64
	Load    int  // open cases held
	OnLeave bool // unavailable: never picked
}

// Assignment is who holds a step and who stands in (002 第6篇 (三)).
type Assignment struct {
	Primary int64
	Backup  int64 // 0 when the team has only one eligible member
}

// Pick assigns by strategy. lastID is the member picked last time (round
// robin); exclude holds the 当事人, who may never hold the case.
func Pick(strategy string, team []Candidate, lastID int64, exclude []int64) (Assignment, error) {
	if strategy == LeastLoaded {
		return PickLeastLoaded(team, exclude)
	}
	return PickRoundRobin(team, lastID, exclude)
}

// PickRoundRobin takes the next eligible member after lastID in team order
// (from the start when lastID is not in the team), and the one after as
// backup. It keys on the user id, not an index, so a changed team list does
// not skip people.
func PickRoundRobin(team []Candidate, lastID int64, exclude []int64) (Assignment, error) {
	start := 0
	for i, c := range team {
		if c.UserID == lastID {
			start = i + 1
			break
		}
	}
	var picked []int64
	for k := range team {
		c := team[(start+k)%len(team)]
		if eligible(c, exclude) {
			picked = append(picked, c.UserID)
			if len(picked) == 2 {
				break
			}
		}
	}
	return assignment(picked)
}

// PickLeastLoaded takes the eligible member with the fewest open cases (team
// order breaks ties), and the next least loaded as backup.
func PickLeastLoaded(team []Candidate, exclude []int64) (Assignment, error) {
	var el []Candidate
	for _, c := range team {
		if eligible(c, exclude) {
			el = append(el, c)
		}
	}
	slices.SortStableFunc(el, func(a, b Candidate) int { return a.Load - b.Load })
	var picked []int64
	for i := 0; i < len(el) && i < 2; i++ {
		picked = append(picked, el[i].UserID)
	}
	return assignment(picked)
}

func eligible(c Candidate, exclude []int64) bool {
	return c.UserID != 0 && !c.OnLeave && !slices.Contains(exclude, c.UserID)
}

func assignment(ids []int64) (Assignment, error) {
	switch len(ids) {
	case 0:
		return Assignment{}, &apperr.Error{Code: apperr.Conflict, Message: "no eligible assignee in the team",
			Fields: []apperr.FieldError{{Field: "assignee", Rule: "no_eligible_assignee"}}}
	case 1:
		return Assignment{Primary: ids[0]}, nil
	}
	return Assignment{Primary: ids[0], Backup: ids[1]}, nil
}
