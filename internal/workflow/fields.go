package workflow

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Case is the view of a complaint the rules read. The caller fills it from
// the complaint, its classification, CAPA actions, approvals and visits.
type Case struct {
	Status         string
	PreviousStatus string // state before the current side state, for @previous

	Category string
	Quality  bool // the category is a quality one (TRI-1)
	Severity string
	Safety   bool
	Level    int // service complaints: 1–3 (TRI-3); 0 when not used

	Established    *bool  // 投诉是否成立; nil while undecided
	Validity       string // valid, pending_improvement, invalid (TRI-4)
	Malicious      bool
	Responsibility string // customer, internal, supplier, logistics, undetermined
	RootCause      string

	Resolution         string // resolution type (WF-4)
	Amount             Money
	ResolutionExecuted bool

	CAPA CAPASummary

	FollowUpsDone     int // visits since the last reopen
	FollowUpsRequired int // 0: use the definition's rule
	LastSatisfaction  int // score of the latest visit, 1–5; 0 when none

	ApprovalsObtained int     // levels signed on the current plan
	ApproverIDs       []int64 // who signed them (one per level; a signer covering two levels appears twice)
	// PlanCommitted: the current plan was promised by someone within their
	// own authority (an action with commits_resolution), without approval.
	PlanCommitted bool
	Reopens       int // times an unsatisfied visit sent the case back

	HolderID int64
	BackupID int64
	PartyIDs []int64 // 当事人: the people complained about

	Now time.Time // from the injected clock; zero skips "date in the future" checks
}

// CAPASummary counts a case's corrective and preventive actions (WF-3).
type CAPASummary struct {
	Actions     int // all actions
	Supplier    int // actions owned by a supplier (supplier CAPA)
	Done        int // executed
	Effective   int // verified effective by QA
	Ineffective int // verified ineffective
}

// Responsibility types (TRI-4).
const (
	RespCustomer     = "customer"
	RespInternal     = "internal"
	RespSupplier     = "supplier"
	RespLogistics    = "logistics"
	RespUndetermined = "undetermined"
)

// Validity values (TRI-4).
const (
	ValidityValid   = "valid"
	ValidityPending = "pending_improvement"
	ValidityInvalid = "invalid"
)

// Severities (TRI-2), as the complaint module stores them.
const (
	SeverityCritical = "critical"
	SeverityMajor    = "major"
	SeverityMinor    = "minor"
)

// Values of Action.Satisfaction.
const (
	Satisfied   = "satisfied"
	Unsatisfied = "unsatisfied"
)

type fieldKind int

const (
	kindString fieldKind = iota
	kindBool
	kindNumber
)

// value is a case field as the rules see it.
type value struct {
	kind fieldKind
	s    string
	n    float64
	b    bool
	set  bool
	tri  bool // a bool that may be undecided; then it is not set
}

type field struct {
	kind fieldKind
	enum []string // allowed string values, when fixed
	get  func(d *Definition, c *Case) value
}

func str(s string) value   { return value{kind: kindString, s: s, set: s != ""} }
func num(n int) value      { return value{kind: kindNumber, n: float64(n), set: n > 0} }
func boolean(b bool) value { return value{kind: kindBool, b: b, set: b} }

// caseFields is the registry of case fields a definition may require or test,
// the one place that lists them. "set" means: non-empty text, a number
// above zero, true, or (established) decided either way.
var caseFields = map[string]field{
	"category": {kind: kindString, get: func(_ *Definition, c *Case) value { return str(c.Category) }},
	"quality":  {kind: kindBool, get: func(_ *Definition, c *Case) value { return boolean(c.Quality) }},
	"severity": {kind: kindString, enum: []string{SeverityCritical, SeverityMajor, SeverityMinor},
		get: func(_ *Definition, c *Case) value { return str(c.Severity) }},
	"safety": {kind: kindBool, get: func(_ *Definition, c *Case) value { return boolean(c.Safety) }},
	"level":  {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.Level) }},
	"established": {kind: kindBool, get: func(_ *Definition, c *Case) value {
		if c.Established == nil {
			return value{kind: kindBool, tri: true}
		}
		return value{kind: kindBool, b: *c.Established, set: true, tri: true}
	}},
	"validity": {kind: kindString, enum: []string{ValidityValid, ValidityPending, ValidityInvalid},
		get: func(_ *Definition, c *Case) value { return str(c.Validity) }},
	"malicious": {kind: kindBool, get: func(_ *Definition, c *Case) value { return boolean(c.Malicious) }},
	"responsibility": {kind: kindString, enum: []string{RespCustomer, RespInternal, RespSupplier, RespLogistics, RespUndetermined},
		get: func(_ *Definition, c *Case) value { return str(c.Responsibility) }},
	"root_cause": {kind: kindString, get: func(_ *Definition, c *Case) value { return str(strings.TrimSpace(c.RootCause)) }},
	"resolution": {kind: kindString, get: func(_ *Definition, c *Case) value { return str(c.Resolution) }},
	"amount": {kind: kindNumber, get: func(_ *Definition, c *Case) value {
		// major units, so files can say 2000; set once a currency is chosen
		return value{kind: kindNumber, n: float64(c.Amount.Amount) / 100, set: c.Amount.Currency != ""}
	}},
	"resolution_executed":   {kind: kindBool, get: func(_ *Definition, c *Case) value { return boolean(c.ResolutionExecuted) }},
	"capa_actions":          {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.CAPA.Actions) }},
	"supplier_capa_actions": {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.CAPA.Supplier) }},
	"capa_done":             {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.CAPA.Done) }},
	"capa_effective":        {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.CAPA.Effective) }},
	"capa_ineffective":      {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.CAPA.Ineffective) }},
	"capa_all_done": {kind: kindBool, get: func(_ *Definition, c *Case) value {
		return boolean(c.CAPA.Done >= c.CAPA.Actions)
	}},
	// capa_all_effective holds when there are no actions or all were
	// verified effective: a customer-caused case closes without CAPA.
	"capa_all_effective": {kind: kindBool, get: func(_ *Definition, c *Case) value {
		return boolean(c.CAPA.Effective >= c.CAPA.Actions && c.CAPA.Ineffective == 0)
	}},
	"follow_ups_done":     {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.FollowUpsDone) }},
	"follow_ups_required": {kind: kindNumber, get: func(d *Definition, c *Case) value { return num(d.FollowUps.Required(c)) }},
	"follow_ups_complete": {kind: kindBool, get: func(d *Definition, c *Case) value {
		return boolean(c.FollowUpsDone >= d.FollowUps.Required(c))
	}},
	"satisfaction": {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.LastSatisfaction) }},
	"satisfied": {kind: kindBool, get: func(d *Definition, c *Case) value {
		return boolean(c.LastSatisfaction >= d.FollowUps.SatisfiedMin)
	}},
	"approvals_obtained": {kind: kindNumber, get: func(_ *Definition, c *Case) value { return num(c.ApprovalsObtained) }},
	"approvals_required": {kind: kindNumber, get: func(d *Definition, c *Case) value {
		return num(len(d.Chain(c)))
	}},
	"approvals_remaining": {kind: kindNumber, get: func(d *Definition, c *Case) value {
		return num(max(len(d.Chain(c))-c.ApprovalsObtained, 0))
	}},
	"holder":        {kind: kindBool, get: func(_ *Definition, c *Case) value { return boolean(c.HolderID != 0) }},
	"plan_approved": {kind: kindBool, get: func(d *Definition, c *Case) value { return boolean(d.PlanApproved(c)) }},
}

// FieldNames lists the registry's field names, sorted.
func FieldNames() []string {
	out := make([]string, 0, len(caseFields))
	for k := range caseFields {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Input is what the actor gives with an action, keyed by input name.
type Input map[string]string

type inputKind int

const (
	inputText  inputKind = iota
	inputDate            // 2006-01-02, not in the past
	inputID              // a positive integer id
	inputScore           // 1–5
)

// actionInputs is the registry of inputs an action may ask for.
var actionInputs = map[string]inputKind{
	"reason":        inputText,
	"comment":       inputText,
	"reminder_date": inputDate, // waiting on customer: when to chase (未了事宜)
	"merge_into":    inputID,   // the surviving complaint
	"satisfaction":  inputScore,
}

func checkInput(name, s string, now time.Time, add func(field, rule, param string)) {
	s = strings.TrimSpace(s)
	if s == "" {
		add(name, "required", "")
		return
	}
	switch actionInputs[name] {
	case inputText:
		if len([]rune(s)) > 2000 {
			add(name, "too_long", "2000")
		}
	case inputDate:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			add(name, "invalid_date", "")
			return
		}
		if !now.IsZero() && t.Before(truncateDay(now)) {
			add(name, "in_past", "")
		}
	case inputID:
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
			add(name, "invalid_id", "")
		}
	case inputScore:
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 5 {
			add(name, "out_of_range", "1-5")
		}
	}
}

func truncateDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// InputNames lists the inputs an action may ask for, sorted.
func InputNames() []string {
	out := make([]string, 0, len(actionInputs))
	for k := range actionInputs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
