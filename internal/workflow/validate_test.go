package workflow

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"kesu/internal/apperr"
)

// tiny is the smallest valid definition; each case breaks one rule.
func tiny() *Definition {
	return &Definition{
		Profile: "tiny", ZH: "小", EN: "Tiny", Initial: "registered",
		States: []State{
			{Code: "registered", ZH: "已登记", EN: "Registered", Kind: KindNormal, Open: true},
			{Code: "closed", ZH: "已结案", EN: "Closed", Kind: KindNormal},
			{Code: "archived", ZH: "已归档", EN: "Archived", Kind: KindTerminal},
			{Code: "waiting", ZH: "等待", EN: "Waiting", Kind: KindSide, Open: true, PausesSLA: true},
		},
		Actions: []Action{
			{Code: "close", ZH: "结案", EN: "Close", From: []string{"registered"}, To: "closed", Roles: []string{"manager"},
				Requires: []string{"satisfaction"}},
			{Code: "archive", ZH: "归档", EN: "Archive", From: []string{"closed"}, To: "archived", Roles: []string{"manager"}},
			{Code: "wait", ZH: "等待", EN: "Wait", From: []string{FromOpen}, To: "waiting", Roles: []string{"agent"},
				Input: []string{"reminder_date"}, Effects: Effects{RemembersPrevious: true}},
			{Code: "resume", ZH: "恢复", EN: "Resume", From: []string{"waiting"}, To: ToPrevious, Roles: []string{"agent"}},
		},
		FollowUps: FollowUps{Quality: 2, Default: 1, SatisfiedMin: 4},
		Approval:  DefaultApproval(),
		Routing:   []Rule{{Name: "all", Department: "cs", Strategy: RoundRobin}},
	}
}

func load(t *testing.T, d *Definition) error {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(bytes.NewReader(b))
	return err
}

func TestLoadTinyIsValid(t *testing.T) {
	if err := load(t, tiny()); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRejects(t *testing.T) {
	addState := func(d *Definition, code, kind string) {
		d.States = append(d.States, State{Code: code, ZH: code, EN: code, Kind: kind, Open: kind != KindTerminal})
	}
	addAction := func(d *Definition, code string, from []string, to string) {
		d.Actions = append(d.Actions, Action{Code: code, ZH: code, EN: code, From: from, To: to, Roles: []string{"agent"}})
	}
	tests := []struct {
		name   string
		mutate func(d *Definition)
		where  string // field of the expected problem
		rule   string
		text   string // the message must name the problem
	}{
		{"unknown target state", func(d *Definition) { d.Actions[0].To = "clsoed" },
			"actions[close].to", "unknown_state", `unknown state "clsoed"`},
		{"unknown source state", func(d *Definition) { d.Actions[1].From = []string{"closd"} },
			"actions[archive].from", "unknown_state", `unknown state "closd"`},
		{"unreachable state", func(d *Definition) {
			addState(d, "orphan", KindNormal)
			addAction(d, "leave_orphan", []string{"orphan"}, "closed")
		}, "states[orphan]", "unreachable", `"orphan" cannot be reached`},
		{"dead end", func(d *Definition) {
			addState(d, "stuck", KindNormal)
			addAction(d, "get_stuck", []string{"registered"}, "stuck")
		}, "states[stuck]", "dead_end", `"stuck" is not terminal`},
		{"dead end with only a self loop", func(d *Definition) {
			addState(d, "loop", KindNormal)
			addAction(d, "enter_loop", []string{"registered"}, "loop")
			addAction(d, "spin", []string{"loop"}, ToSame)
		}, "states[loop]", "dead_end", `"loop"`},
		{"cycle that never finishes", func(d *Definition) {
			addState(d, "ping", KindNormal)
			addState(d, "pong", KindNormal)
			addAction(d, "to_ping", []string{"registered"}, "ping")
			addAction(d, "to_pong", []string{"ping"}, "pong")
			addAction(d, "back_to_ping", []string{"pong"}, "ping")
		}, "states[ping]", "cannot_finish", `no terminal state can be reached from "ping"`},
		{"terminal state with an exit", func(d *Definition) { addAction(d, "unarchive", []string{"archived"}, "registered") },
			"actions[unarchive].from", "terminal_has_exit", `terminal state "archived"`},
		{"terminal state that is open", func(d *Definition) { d.States[2].Open = true },
			"states[archived].open", "terminal_open", "cannot be open"},
		{"no terminal state", func(d *Definition) { d.States[2].Kind = KindNormal },
			"states", "no_terminal_state", "no state has kind terminal"},
		{"duplicate state", func(d *Definition) { addState(d, "closed", KindNormal) },
			"states[closed]", "duplicate", `state "closed" is defined twice`},
		{"duplicate action", func(d *Definition) { addAction(d, "archive", []string{"closed"}, "archived") },
			"actions[archive]", "duplicate", `action "archive" is defined twice`},
		{"unknown required field", func(d *Definition) { d.Actions[0].Requires = []string{"root_caus"} },
			"actions[close].requires", "unknown_field", `unknown case field "root_caus"`},
		{"unknown role", func(d *Definition) { d.Actions[0].Roles = []string{"manager", "ceo"} },
			"actions[close].roles", "unknown_role", `unknown role "ceo"`},
		{"no role", func(d *Definition) { d.Actions[0].Roles = nil },
			"actions[close].roles", "required", "names no role"},
		{"no initial state", func(d *Definition) { d.Initial = "" },
			"initial", "no_initial_state", "no initial state"},
		{"unknown initial state", func(d *Definition) { d.Initial = "new" },
			"initial", "unknown_state", `initial state "new"`},
		{"unknown input", func(d *Definition) { d.Actions[2].Input = []string{"remind_on"} },
			"actions[wait].input", "unknown_input", `unknown input "remind_on"`},
		{"guard on unknown field", func(d *Definition) {
			d.Actions[0].Guards = []Guard{{Rule: "x", All: []Cond{{Field: "colour", Op: "eq", Value: "red"}}}}
		}, "actions[close].guards[0]", "unknown_field", `unknown case field "colour"`},
		{"guard with unknown op", func(d *Definition) {
			d.Actions[0].Guards = []Guard{{Rule: "x", All: []Cond{{Field: "level", Op: "between", Value: 1.0}}}}
		}, "actions[close].guards[0]", "unknown_op", `unknown op "between"`},
		{"guard with a value outside the enum", func(d *Definition) {
			d.Actions[0].Guards = []Guard{{Rule: "x", All: []Cond{{Field: "severity", Op: "eq", Value: "fatal"}}}}
		}, "actions[close].guards[0]", "invalid_value", "severity eq"},
		{"guard comparing text with a number", func(d *Definition) {
			d.Actions[0].Guards = []Guard{{Rule: "x", All: []Cond{{Field: "validity", Op: "gte", Value: 2.0}}}}
		}, "actions[close].guards[0]", "invalid_value", "numeric field"},
		{"guard without a rule code", func(d *Definition) {
			d.Actions[0].Guards = []Guard{{All: []Cond{{Field: "safety", Op: "eq", Value: false}}}}
		}, "actions[close].guards[0].rule", "required", "needs a rule code"},
		{"previous from a normal state", func(d *Definition) { d.Actions[3].From = []string{"registered", "waiting"} },
			"actions[resume].to", "previous_from_normal", `starts from "registered"`},
		{"bad time limit", func(d *Definition) { d.States[0].Within = "1 hour" },
			"states[registered].within", "invalid_duration", `"1 hour"`},
		{"pauses SLA when not open", func(d *Definition) { d.States[1].PausesSLA = true },
			"states[closed].pauses_sla", "not_open", "not open"},
		{"tiers not ascending", func(d *Definition) { d.Approval.Tiers[1].UpTo = 100000 },
			"approval.tiers[1].up_to", "not_ascending", "does not raise"},
		{"top tier limited", func(d *Definition) { d.Approval.Tiers[2].UpTo = 5000000 },
			"approval.tiers[2].up_to", "top_tier_limited", "must be unlimited"},
		{"level names a non-approver", func(d *Definition) { d.Approval.Levels = map[string][]string{"3": {"agent"}} },
			"approval.levels", "not_an_approver", `"agent"`},
		{"satisfied_min out of range", func(d *Definition) { d.FollowUps.SatisfiedMin = 0 },
			"follow_ups.satisfied_min", "out_of_range", "score from 1 to 5"},
		{"routing without catch-all", func(d *Definition) {
			q := true
			d.Routing[0].When.Quality = &q
		}, "routing", "no_catch_all", "must match every complaint"},
		{"routing with unknown strategy", func(d *Definition) { d.Routing[0].Strategy = "random" },
			"routing[0].strategy", "invalid_value", `unknown strategy "random"`},
		{"no routing", func(d *Definition) { d.Routing = nil },
			"routing", "required", "no routing rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tiny()
			tt.mutate(d)
			err := load(t, d)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("got %v, want an invalid definition", err)
			}
			e := err.(*apperr.Error)
			found := false
			for _, f := range e.Fields {
				if f.Field == tt.where && f.Rule == tt.rule {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s at %s in %+v", tt.rule, tt.where, e.Fields)
			}
			if !strings.Contains(e.Message, tt.text) {
				t.Errorf("message %q does not contain %q", e.Message, tt.text)
			}
		})
	}
}

func TestLoadRejectsBadJSON(t *testing.T) {
	for name, src := range map[string]string{
		"syntax":      `{"profile": `,
		"unknown key": `{"profile": "x", "stats": []}`,
		"bad amount":  `{"approval": {"tiers": [{"up_to": "2,000", "role": "manager"}]}}`,
	} {
		if _, err := Load(strings.NewReader(src)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
}

func TestProfiles(t *testing.T) {
	names := Profiles()
	if strings.Join(names, ",") != "bank,manufacturer,service" {
		t.Fatalf("profiles = %v", names)
	}
	for _, name := range names {
		d, err := LoadProfile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Profile != name || d.Initial != "registered" {
			t.Errorf("%s: profile %q initial %q", name, d.Profile, d.Initial)
		}
	}
	if _, err := LoadProfile("casino"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestManufacturerLifecycle pins the default lifecycle of SPEC §4.
func TestManufacturerLifecycle(t *testing.T) {
	d := mustProfile(t, ProfileManufacturer)
	var codes []string
	for _, s := range d.States {
		codes = append(codes, s.Code)
	}
	want := "registered,accepted,investigating,responsibility_determined,measures,approval,replied,executing,verification,follow_up,resolved_on_spot,closed,archived,waiting_on_customer,withdrawn,merged"
	if got := strings.Join(codes, ","); got != want {
		t.Errorf("states = %s", got)
	}
	main := []struct{ action, from, to string }{
		{"accept", "registered", "accepted"},
		{"start_investigation", "accepted", "investigating"},
		{"determine_responsibility", "investigating", "responsibility_determined"},
		{"propose_measures", "responsibility_determined", "measures"},
		{"submit_for_approval", "measures", "approval"},
		{"reply", "approval", "replied"},
		{"customer_agrees", "replied", "executing"},
		{"execute", "executing", "verification"},
		{"verify_effective", "verification", "follow_up"},
		{"close", "follow_up", "closed"},
		{"archive", "closed", "archived"},
		{"verify_ineffective", "verification", "measures"},
		{"follow_up_unsatisfied", "follow_up", "responsibility_determined"},
		{"reply_explanation", "responsibility_determined", "follow_up"},
		{"resolve_on_spot", "registered", "resolved_on_spot"},
		{"start_follow_up", "resolved_on_spot", "follow_up"},
	}
	for _, m := range main {
		a, ok := d.Action(m.action)
		if !ok || !a.from[m.from] || a.To != m.to {
			t.Errorf("%s: want %s → %s", m.action, m.from, m.to)
		}
	}
	if a, _ := d.Action("follow_up_unsatisfied"); !a.Effects.CountsAsReopen {
		t.Error("an unsatisfied follow-up must count as a reopen")
	}
	w, _ := d.State("waiting_on_customer")
	if !w.PausesSLA || !w.Open || w.Kind != KindSide {
		t.Errorf("waiting_on_customer = %+v", w)
	}
	if got := strings.Join(d.OpenStates(), ","); strings.Contains(got, "closed") || !strings.Contains(got, "waiting_on_customer") {
		t.Errorf("open states = %s", got)
	}
}

func mustProfile(t *testing.T, name string) *Definition {
	t.Helper()
	d, err := LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
