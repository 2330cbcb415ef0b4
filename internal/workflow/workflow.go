package workflow

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/enum"
	"kesu/internal/org"
)

// Kinds of state.
const (
	KindNormal   = "normal"   // a step of the main lifecycle
	KindSide     = "side"     // waiting on customer, withdrawn, merged
	KindTerminal = "terminal" // nothing leaves it (archived)
)

// Special from/to values; see the package documentation.
const (
	FromOpen   = "@open"
	ToSame     = "@same"
	ToPrevious = "@previous"
)

// Roles added by the workflow; org's role list is expected to grow by these.
const (
	RoleQAEngineer = "qa_engineer"
	RoleDeputyGM   = "deputy_gm"
	RoleGM         = "gm"
	RoleFinance    = "finance"
	RoleWarehouse  = "warehouse"
)

// Roles lists every role code a definition may name: kesu's org roles and
// the ones the lifecycle needs that org does not have yet.
var Roles = append(append(enum.Set{}, org.Roles...), enum.Set{
	{Code: RoleQAEngineer, ZH: "品质工程师", EN: "QA engineer"},
	{Code: RoleDeputyGM, ZH: "副总经理", EN: "Deputy GM"},
	{Code: RoleGM, ZH: "总经理", EN: "General manager"},
	{Code: RoleFinance, ZH: "财务", EN: "Finance"},
	{Code: RoleWarehouse, ZH: "仓库", EN: "Warehouse"},
}...)

// Definition is one workflow profile, validated by Load.
type Definition struct {
	Profile   string    `json:"profile"`
	ZH        string    `json:"zh"`
	EN        string    `json:"en"`
	Initial   string    `json:"initial"`
	States    []State   `json:"states"`
	Actions   []Action  `json:"actions"`
	FollowUps FollowUps `json:"follow_ups"`
	Approval  Approval  `json:"approval"`
	Routing   []Rule    `json:"routing"`

	states  map[string]*State
	actions map[string]*Action
}

// State is one step of the lifecycle.
type State struct {
	Code      string `json:"code"`
	ZH        string `json:"zh"`
	EN        string `json:"en"`
	Kind      string `json:"kind"`
	Open      bool   `json:"open"`                 // work remains; counts in open lists and SLA
	PausesSLA bool   `json:"pauses_sla,omitempty"` // e.g. waiting on the customer
	// PlanLocked marks the states after the resolution plan was promised to
	// the customer (replied, executing, verification, follow-up, closed): a
	// case enters one only with its current plan approved (or committed
	// within the actor's authority, or free), and a change of the plan
	// there sends it back to approval.
	PlanLocked bool `json:"plan_locked,omitempty"`
	// Within is a clock-time limit for leaving the state ("1h": a bank
	// reports to the customer-service manager within an hour), a hint for
	// the SLA module; working-day limits live there.
	Within string `json:"within,omitempty"`
}

// Label returns the state's label in lang.
func (s State) Label(lang string) string { return label(s.ZH, s.EN, lang) }

// Action is a transition: who may take it from which states, what it needs
// and what it does.
type Action struct {
	Code     string   `json:"code"`
	ZH       string   `json:"zh"`
	EN       string   `json:"en"`
	From     []string `json:"from"`
	To       string   `json:"to"`
	Roles    []string `json:"roles"`
	Requires []string `json:"requires,omitempty"` // case fields that must be set (see FieldNames)
	Guards   []Guard  `json:"guards,omitempty"`
	Input    []string `json:"input,omitempty"` // inputs the actor must give (see InputNames)
	// HolderOnly limits the action to the case's holder or backup (when
	// the case has one).
	HolderOnly bool `json:"holder_only,omitempty"`
	// Authority makes the actor sign the next level of the approval chain.
	Authority bool `json:"authority,omitempty"`
	// CommitsResolution promises the customer the case's amount without an
	// approval, so the actor's own limit must cover it (WF-5).
	CommitsResolution bool `json:"commits_resolution,omitempty"`
	// CustomerContact marks a step that records the customer's side (their
	// agreement to a plan, a follow-up visit): customer service takes it on
	// any complaint (permission case.contact instead of complaint.update).
	CustomerContact bool `json:"customer_contact,omitempty"`
	// Satisfaction is "satisfied" or "unsatisfied" for actions that record
	// a follow-up visit; the input score must agree with it.
	Satisfaction string  `json:"satisfaction,omitempty"`
	Effects      Effects `json:"effects,omitempty"`

	from map[string]bool // From with @open expanded
}

// Label returns the action's label in lang.
func (a Action) Label(lang string) string { return label(a.ZH, a.EN, lang) }

// Guard is a condition on case data. When all If conditions hold (or there
// are none), every All condition and at least one Any condition (if any are
// given) must hold; otherwise the action is refused with Rule.
type Guard struct {
	Rule string `json:"rule"`
	If   []Cond `json:"if,omitempty"`
	All  []Cond `json:"all,omitempty"`
	Any  []Cond `json:"any,omitempty"`
}

// Cond compares a case field with a value. Ops: eq, ne, in, not_in, gt,
// gte, lt, lte, set, unset. Value is a string, number, bool or, for in and
// not_in, a list of strings.
type Cond struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value,omitempty"`
}

// Effects are what a transition means beyond the change of state; the
// caller carries them out (timeline, counters, messages).
type Effects struct {
	CountsAsReopen      bool     `json:"counts_as_reopen,omitempty"`
	TakesCase           bool     `json:"takes_case,omitempty"` // the actor becomes holder if there is none
	SendsAcknowledgment bool     `json:"sends_acknowledgment,omitempty"`
	Reply               string   `json:"reply,omitempty"` // first, second, final, explanation
	RecordsFollowUp     bool     `json:"records_follow_up,omitempty"`
	RecordsApproval     bool     `json:"records_approval,omitempty"`
	ResetsApprovals     bool     `json:"resets_approvals,omitempty"`
	ResetsVerification  bool     `json:"resets_verification,omitempty"` // CAPA must be verified again
	RemembersPrevious   bool     `json:"remembers_previous,omitempty"`  // store the state left for @previous
	Escalates           bool     `json:"escalates,omitempty"`           // level + 1 (WF-8)
	Notify              []string `json:"notify,omitempty"`              // role codes to tell
	Standardise         bool     `json:"standardise,omitempty"`         // lessons into procedures
}

// FollowUps says how many follow-up visits a case needs before closing
// (WF-7) and which score counts as satisfied.
type FollowUps struct {
	ByCategory   map[string]int `json:"by_category,omitempty"`
	Quality      int            `json:"quality"`
	Default      int            `json:"default"`
	SatisfiedMin int            `json:"satisfied_min"`
}

// Required returns the number of visits a case needs: the case's own
// figure when set, else by category code, its parent, quality, default.
func (f FollowUps) Required(c *Case) int {
	if c.FollowUpsRequired > 0 {
		return c.FollowUpsRequired
	}
	if n, ok := f.ByCategory[c.Category]; ok {
		return n
	}
	if i := strings.IndexByte(c.Category, '.'); i > 0 {
		if n, ok := f.ByCategory[c.Category[:i]]; ok {
			return n
		}
	}
	if c.Quality {
		return f.Quality
	}
	return f.Default
}

// Basis says where Required takes its number from: "case" (set on the
// case), "category", "quality" or "default".
func (f FollowUps) Basis(c *Case) string {
	switch {
	case c.FollowUpsRequired > 0:
		return "case"
	case f.ByCategory[c.Category] > 0:
		return "category"
	}
	if i := strings.IndexByte(c.Category, '.'); i > 0 {
		if _, ok := f.ByCategory[c.Category[:i]]; ok {
			return "category"
		}
	}
	if c.Quality {
		return "quality"
	}
	return "default"
}

// State returns the state with code.
func (d *Definition) State(code string) (*State, bool) {
	s, ok := d.states[code]
	return s, ok
}

// Action returns the action with code.
func (d *Definition) Action(code string) (*Action, bool) {
	a, ok := d.actions[code]
	return a, ok
}

// OpenStates lists the codes of open states, for "open work" queries.
func (d *Definition) OpenStates() []string {
	var out []string
	for _, s := range d.States {
		if s.Open {
			out = append(out, s.Code)
		}
	}
	return out
}

// StateSet returns the states as an enum set for labels and validation.
func (d *Definition) StateSet() enum.Set {
	out := make(enum.Set, len(d.States))
	for i, s := range d.States {
		out[i] = enum.Option{Code: s.Code, ZH: s.ZH, EN: s.EN}
	}
	return out
}

// Load reads and validates a definition. Every problem found is reported in
// one Invalid error whose fields name the place (e.g. "actions[approve].to")
// and the rule broken.
func Load(r io.Reader) (*Definition, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Definition
	err := dec.Decode(&d)
	if err == nil {
		if _, err2 := dec.Token(); !errors.Is(err2, io.EOF) {
			err = errors.New("data after the definition object")
		}
	}
	if err != nil {
		return nil, parseError(err)
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// parseError names the place of a file that cannot be read: the key of a
// value of the wrong type, an unknown key, else the whole file.
func parseError(err error) error {
	fe := apperr.FieldError{Field: "file", Rule: "invalid_definition", Param: err.Error()}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		fe = apperr.FieldError{Field: te.Field, Rule: "wrong_type", Param: te.Type.String()}
	} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		fe = apperr.FieldError{Field: strings.Trim(f, `"`), Rule: "unknown_field"}
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "workflow: cannot parse definition: " + err.Error(),
		Fields: []apperr.FieldError{fe}, Err: err}
}

//go:embed profiles/*.json
var profileFS embed.FS

// Profile names.
const (
	ProfileManufacturer = "manufacturer"
	ProfileService      = "service"
	ProfileBank         = "bank"
	DefaultProfile      = ProfileManufacturer
)

// Profiles lists the embedded profile names.
func Profiles() []string {
	ents, _ := profileFS.ReadDir("profiles")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// LoadProfile loads an embedded profile by name.
func LoadProfile(name string) (*Definition, error) {
	b, err := ProfileSource(name)
	if err != nil {
		return nil, err
	}
	d, err := Load(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("workflow profile %s: %w", name, err)
	}
	return d, nil
}

// ProfileSource returns the file of an embedded profile as shipped.
func ProfileSource(name string) ([]byte, error) {
	b, err := profileFS.ReadFile("profiles/" + name + ".json")
	if err != nil {
		return nil, apperr.New(apperr.NotFound, "workflow: no profile %q", name)
	}
	return b, nil
}

func label(zh, en, lang string) string {
	if lang == "en" {
		return en
	}
	return zh
}
