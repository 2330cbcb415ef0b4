package sla

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/enum"
)

// Units a policy's limit can be counted in.
const (
	CalendarHours   = "calendar_hours"
	CalendarDays    = "calendar_days"
	WorkingHours    = "working_hours"
	WorkingDays     = "working_days"
	EndOfWorkingDay = "end_of_working_day" // the end of the working day the clock starts in
	// EndOfCalendarDay is the end of the calendar day the clock starts on,
	// in the organisation's zone, weekends and holidays included (safety
	// hazards are handled the same day, 000 物业 §3.5.1).
	EndOfCalendarDay = "end_of_calendar_day"
)

// Units lists the units in the order an administrator chooses from.
var Units = []string{CalendarHours, CalendarDays, WorkingHours, WorkingDays, EndOfWorkingDay, EndOfCalendarDay}

// EventCreated starts the clocks of a new complaint. Besides it, policies
// start, stop and void on events with these prefixes:
//
//	action:reply            a workflow action taken
//	status:closed           a state entered
//	decision:resolution     a decision field recorded (established, validity,
//	                        responsibility, root_cause, resolution, amount …)
//	capa:containment        a CAPA action of that kind added
//	record:contact          an investigation record of that kind
//	channel:returned_goods  registered through that channel
const EventCreated = "created"

// EventPrefixes are the kinds of events a policy can name.
var EventPrefixes = []string{"action:", "status:", "decision:", "capa:", "record:", "channel:"}

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
	Quality     *bool    `json:"quality,omitempty"`
	Safety      *bool    `json:"safety,omitempty"`
	Categories  []string `json:"categories,omitempty"` // a complaint matches by its category or top category
	Severities  []string `json:"severities,omitempty"`
	Regions     []string `json:"regions,omitempty"`     // domestic, foreign
	Classes     []string `json:"classes,omitempty"`     // customer classes
	Profiles    []string `json:"profiles,omitempty"`    // lifecycle profiles: manufacturer, service, bank
	Resolutions []string `json:"resolutions,omitempty"` // the resolution decided (parts, return …)
}

// Policy is one time limit: a named clock that starts on an event, is met
// by another and is due after Amount of Unit (SPEC §5).
type Policy struct {
	Code   string   `json:"code"`
	ZH     string   `json:"zh"`
	EN     string   `json:"en"`
	Source string   `json:"source,omitempty"` // the seed clause it comes from
	Start  []string `json:"start"`
	Stop   []string `json:"stop"`
	// Void are events after which the limit no longer applies (the case
	// took a path without it): the clock ends as not applicable.
	Void   []string   `json:"void,omitempty"`
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
	// Page tells the owning department's manager, their deputy and the GMs
	// at once when the clock starts (safety hazards).
	Page bool `json:"page,omitempty"`
}

// DefaultProfile is the lifecycle profile of a complaint that names none
// (the stored column's default).
const DefaultProfile = "manufacturer"

// Subject is what policy conditions look at in a complaint.
type Subject struct {
	Quality     bool
	Safety      bool
	Category    string
	CategoryTop string
	Severity    string
	Region      string
	Class       string
	Profile     string
	Resolution  string
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
	region, profile := s.Region, s.Profile
	if region == "" {
		region = "domestic"
	}
	if profile == "" {
		profile = DefaultProfile
	}
	return matches(w.Severities, s.Severity) && matches(w.Regions, region) && matches(w.Classes, s.Class) &&
		matches(w.Profiles, profile) && matches(w.Resolutions, s.Resolution)
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
	case EndOfCalendarDay:
		return cal.EndOfCalendarDay(start), nil
	}
	return time.Time{}, fmt.Errorf("policy %s: unknown unit %q", p.Code, p.Unit)
}

// Working reports whether p counts working time (a pause then moves its
// due time by the paused working time rather than by the elapsed time, and
// the time left is shown in working days and hours).
func (p *Policy) Working() bool {
	return p.Unit == WorkingHours || p.Unit == WorkingDays || p.Unit == EndOfWorkingDay
}

// Closure reports whether p limits the whole case: it starts at
// registration and only closing meets it (SLA-9). The acknowledgement
// letter promises completion by its due time.
func (p *Policy) Closure() bool {
	return slices.Contains(p.Start, EventCreated) && slices.Contains(p.Stop, "action:close")
}

// check records what is wrong with p under field prefix f ("policies[3]").
func (p *Policy) check(v *apperr.Validation, f string) {
	if p.Code == "" {
		v.Add(f+".code", "required", "")
	} else if !validCode(p.Code) {
		v.Add(f+".code", "invalid_value", "a-z0-9_")
	}
	if strings.TrimSpace(p.ZH) == "" {
		v.Add(f+".zh", "required", "")
	}
	v.MaxLen(f+".zh", p.ZH, 100)
	v.MaxLen(f+".en", p.EN, 100)
	v.MaxLen(f+".source", p.Source, 200)
	if !slices.Contains(Units, p.Unit) {
		v.Add(f+".unit", "invalid_value", strings.Join(Units, ","))
	}
	switch {
	case p.Amount < 0:
		v.Add(f+".amount", "negative", "0")
	case p.Amount == 0 && p.Unit != EndOfWorkingDay && p.Unit != EndOfCalendarDay:
		v.Add(f+".amount", "required", "")
	case p.Amount > 1000:
		v.Add(f+".amount", "too_large", "1000")
	}
	if p.RemindBefore < 0 {
		v.Add(f+".remind_before", "negative", "0")
	}
	if p.EscalateAfter < 0 {
		v.Add(f+".escalate_after", "negative", "0")
	}
	if len(p.Start) == 0 {
		v.Add(f+".start", "required", "")
	}
	if len(p.Stop) == 0 {
		v.Add(f+".stop", "required", "")
	}
	for name, list := range map[string][]string{"start": p.Start, "stop": p.Stop, "void": p.Void} {
		for _, e := range list {
			if !ValidEvent(e) {
				v.Add(f+"."+name, "invalid_value", e)
				break
			}
		}
	}
}

func validCode(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return len(s) <= 40
}

// Validate checks a policy on its own.
func (p *Policy) Validate() error {
	var v apperr.Validation
	p.check(&v, "policy")
	return v.Err()
}

// ValidEvent reports whether e is an event a policy can name.
func ValidEvent(e string) bool {
	if e == EventCreated {
		return true
	}
	for _, p := range EventPrefixes {
		if name, ok := strings.CutPrefix(e, p); ok && name != "" && !strings.ContainsAny(name, " :,;") {
			return true
		}
	}
	return false
}

// Policies is a validated version of the time-limit policies, keyed by
// code. Version 1 is the shipped policies.json; every administrator's save
// is a new version, and a clock keeps the version it started under.
type Policies struct {
	Version int         `json:"version"`
	Note    string      `json:"note,omitempty"` // why it was saved
	By      audit.Actor `json:"by"`
	At      time.Time   `json:"at"`
	list    []Policy
	byCode  map[string]*Policy
}

// ParsePolicies reads a JSON array of policies and validates it.
func ParsePolicies(b []byte) (*Policies, error) {
	var list []Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "sla policies")
	}
	return NewPolicies(list)
}

// NewPolicies validates list; field errors name the policy by its place,
// e.g. "policies[3].amount".
func NewPolicies(list []Policy) (*Policies, error) {
	ps := &Policies{list: list, byCode: map[string]*Policy{}}
	var v apperr.Validation
	if len(list) == 0 {
		v.Add("policies", "required", "")
	}
	for i := range ps.list {
		p := &ps.list[i]
		f := "policies[" + strconv.Itoa(i) + "]"
		p.check(&v, f)
		if _, dup := ps.byCode[p.Code]; dup && p.Code != "" {
			v.Add(f+".code", "duplicate", p.Code)
		}
		ps.byCode[p.Code] = p
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return ps, nil
}

//go:embed policies.json
var defaultPolicies []byte

// DefaultPolicies are SPEC SLA-1…SLA-14 as shipped: version 1.
func DefaultPolicies() (*Policies, error) {
	ps, err := ParsePolicies(defaultPolicies)
	if err != nil {
		return nil, err
	}
	ps.Version, ps.By = 1, audit.System
	return ps, nil
}

// ShippedPolicies is the shipped policies.json, stored as version 1.
func ShippedPolicies() []byte { return slices.Clone(defaultPolicies) }

// List returns a copy of the policies in file order.
func (ps *Policies) List() []Policy { return slices.Clone(ps.list) }

// All yields the policies in file order, without copying them.
func (ps *Policies) All() iter.Seq[*Policy] {
	return func(yield func(*Policy) bool) {
		for i := range ps.list {
			if !yield(&ps.list[i]) {
				return
			}
		}
	}
}

// JSON returns the policies in the file format.
func (ps *Policies) JSON() []byte { return mustJSON(ps.list) }

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

// Lookup finds a policy by code (the current version's, or the newest
// version that had it).
type Lookup interface {
	Get(code string) (*Policy, bool)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data
	}
	return b
}
