package sla

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"kesu/internal/enum"
	"slices"
	"strings"
	"time"
)

// Units a policy's limit can be counted in.
const (
	CalendarHours   = "calendar_hours"
	CalendarDays    = "calendar_days"
	WorkingHours    = "working_hours"
	WorkingDays     = "working_days"
	EndOfWorkingDay = "end_of_working_day" // the end of the working day the clock starts in
)

var units = []string{CalendarHours, CalendarDays, WorkingHours, WorkingDays, EndOfWorkingDay}

// Event prefixes a policy can start or stop on, besides EventCreated.
// "action:reply" is a workflow action, "capa:containment" a CAPA action of
// that kind added, "decision:resolution" a recorded decision of that field,
// "status:closed" entering a state.
const EventCreated = "created"

var eventPrefixes = []string{"action:", "capa:", "decision:", "status:"}

// Duration is a time.Duration written as "4h" in policy files.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Conditions restrict the complaints a policy applies to; empty lists and
// nil flags match everything.
type Conditions struct {
	Quality    *bool    `json:"quality,omitempty"`
	Safety     *bool    `json:"safety,omitempty"`
	Categories []string `json:"categories,omitempty"` // a complaint matches by its category or top category
	Severities []string `json:"severities,omitempty"`
	Regions    []string `json:"regions,omitempty"` // domestic, foreign
	Classes    []string `json:"classes,omitempty"` // customer classes
}

// Policy is one time limit: a named clock that starts on an event, stops on
// another and is due after Amount of Unit (SPEC §5).
type Policy struct {
	Code   string     `json:"code"`
	ZH     string     `json:"zh"`
	EN     string     `json:"en"`
	Source string     `json:"source,omitempty"` // the seed clause it comes from
	Start  []string   `json:"start"`
	Stop   []string   `json:"stop"`
	Amount int        `json:"amount"`
	Unit   string     `json:"unit"`
	When   Conditions `json:"when"`
	// Pause stops the clock while the case waits on the customer.
	Pause bool `json:"pause"`
	// RemindBefore is how long before the due time the holder is reminded
	// (0: no reminder); EscalateAfter how long after a breach the GM is
	// told (0: never).
	RemindBefore  Duration `json:"remind_before,omitempty"`
	EscalateAfter Duration `json:"escalate_after,omitempty"`
}

// Subject is what policy conditions look at in a complaint.
type Subject struct {
	Quality     bool
	Safety      bool
	Category    string
	CategoryTop string
	Severity    string
	Region      string
	Class       string
}

// Applies reports whether p covers complaints like s.
func Applies(p *Policy, s Subject) bool {
	w := p.When
	if w.Quality != nil && *w.Quality != s.Quality {
		return false
	}
	if w.Safety != nil && *w.Safety != s.Safety {
		return false
	}
	if len(w.Categories) > 0 && !slices.Contains(w.Categories, s.Category) && !slices.Contains(w.Categories, s.CategoryTop) {
		return false
	}
	region := s.Region
	if region == "" {
		region = "domestic"
	}
	return matches(w.Severities, s.Severity) && matches(w.Regions, region) && matches(w.Classes, s.Class)
}

func matches(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

// Due is when a clock of p started at start is due on cal.
func Due(cal *Calendar, p *Policy, start time.Time) (time.Time, error) {
	switch p.Unit {
	case CalendarHours:
		return cal.AddCalendarHours(start, time.Duration(p.Amount)*time.Hour), nil
	case CalendarDays:
		return cal.AddCalendarDays(start, p.Amount), nil
	case WorkingHours:
		return cal.AddWorkingHours(start, time.Duration(p.Amount)*time.Hour)
	case WorkingDays:
		return cal.AddWorkingDays(start, p.Amount)
	case EndOfWorkingDay:
		return cal.EndOfWorkingDay(start)
	}
	return time.Time{}, fmt.Errorf("policy %s: unknown unit %q", p.Code, p.Unit)
}

// Working reports whether p counts working time (a pause then moves its
// due time by the paused working time rather than by the elapsed time).
func (p *Policy) Working() bool { return p.Unit != CalendarHours && p.Unit != CalendarDays }

// Validate checks a policy.
func (p *Policy) Validate() error {
	var errs []string
	if p.Code == "" {
		errs = append(errs, "code is required")
	}
	if !slices.Contains(units, p.Unit) {
		errs = append(errs, fmt.Sprintf("unknown unit %q", p.Unit))
	}
	if p.Amount < 0 || p.RemindBefore < 0 || p.EscalateAfter < 0 {
		errs = append(errs, "negative duration")
	}
	if p.Amount == 0 && p.Unit != EndOfWorkingDay {
		errs = append(errs, "amount is required")
	}
	if len(p.Start) == 0 || len(p.Stop) == 0 {
		errs = append(errs, "start and stop events are required")
	}
	for _, e := range append(slices.Clone(p.Start), p.Stop...) {
		if !validEvent(e) {
			errs = append(errs, fmt.Sprintf("unknown event %q", e))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("policy %q: %s", p.Code, strings.Join(errs, "; "))
	}
	return nil
}

func validEvent(e string) bool {
	if e == EventCreated {
		return true
	}
	for _, p := range eventPrefixes {
		if name, ok := strings.CutPrefix(e, p); ok && name != "" && !strings.ContainsAny(name, " :") {
			return true
		}
	}
	return false
}

// Policies is a validated set of policies, keyed by code.
type Policies struct {
	list   []Policy
	byCode map[string]*Policy
}

// ParsePolicies reads a JSON array of policies and validates it.
func ParsePolicies(b []byte) (*Policies, error) {
	var list []Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("sla policies: %w", err)
	}
	return NewPolicies(list)
}

// NewPolicies validates list.
func NewPolicies(list []Policy) (*Policies, error) {
	ps := &Policies{list: list, byCode: map[string]*Policy{}}
	for i := range ps.list {
		p := &ps.list[i]
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if _, dup := ps.byCode[p.Code]; dup {
			return nil, fmt.Errorf("policy %q defined twice", p.Code)
		}
		ps.byCode[p.Code] = p
	}
	return ps, nil
}

//go:embed policies.json
var defaultPolicies []byte

// DefaultPolicies are SPEC SLA-1…SLA-14 as shipped.
func DefaultPolicies() (*Policies, error) { return ParsePolicies(defaultPolicies) }

// List returns the policies in file order.
func (ps *Policies) List() []Policy { return slices.Clone(ps.list) }

// Get returns the policy with code.
func (ps *Policies) Get(code string) (*Policy, bool) {
	p, ok := ps.byCode[code]
	return p, ok
}

// MaxRemindBefore is the longest reminder lead time, for the dry run.
func (ps *Policies) MaxRemindBefore() time.Duration {
	var d Duration
	for _, p := range ps.list {
		d = max(d, p.RemindBefore)
	}
	return time.Duration(d)
}

// Set returns the policies' codes and names in file order.
func (ps *Policies) Set() enum.Set {
	out := make(enum.Set, len(ps.list))
	for i, p := range ps.list {
		out[i] = enum.Option{Code: p.Code, ZH: p.ZH, EN: p.EN}
	}
	return out
}
