package workflow

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
)

// problems collects everything wrong with a definition, so an administrator
// fixes a file in one pass.
type problems struct {
	fields []apperr.FieldError
	msgs   []string
}

func (p *problems) add(where, rule, param, format string, args ...any) {
	p.fields = append(p.fields, apperr.FieldError{Field: where, Rule: rule, Param: param})
	p.msgs = append(p.msgs, where+": "+fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "workflow definition: " + strings.Join(p.msgs, "; "), Fields: p.fields}
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

var ops = []string{"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "set", "unset"}

func (d *Definition) validate() error {
	var p problems
	if d.Profile == "" {
		p.add("profile", "required", "", "the profile has no name")
	}
	d.validateStates(&p)
	d.validateActions(&p)
	if len(p.fields) == 0 {
		d.validateGraph(&p) // only meaningful once names resolve
	}
	d.validateFollowUps(&p)
	d.validateApproval(&p)
	d.validateRouting(&p)
	return p.err()
}

func (d *Definition) validateStates(p *problems) {
	d.states = make(map[string]*State, len(d.States))
	terminal := 0
	for i := range d.States {
		s := &d.States[i]
		where := fmt.Sprintf("states[%s]", s.Code)
		if !codeRe.MatchString(s.Code) {
			p.add(fmt.Sprintf("states[%d]", i), "invalid_code", s.Code, "state code %q must be lower_snake_case", s.Code)
			continue
		}
		if _, dup := d.states[s.Code]; dup {
			p.add(where, "duplicate", s.Code, "state %q is defined twice", s.Code)
			continue
		}
		d.states[s.Code] = s
		if s.ZH == "" || s.EN == "" {
			p.add(where, "label_required", "", "state %q needs zh and en labels", s.Code)
		}
		switch s.Kind {
		case KindNormal, KindSide:
		case KindTerminal:
			terminal++
			if s.Open {
				p.add(where+".open", "terminal_open", "", "terminal state %q cannot be open", s.Code)
			}
		default:
			p.add(where+".kind", "invalid_value", "normal,side,terminal", "state %q has unknown kind %q", s.Code, s.Kind)
		}
		if s.Within != "" {
			if dur, err := time.ParseDuration(s.Within); err != nil || dur <= 0 {
				p.add(where+".within", "invalid_duration", s.Within, "state %q has a bad time limit %q", s.Code, s.Within)
			}
		}
		if s.PausesSLA && !s.Open {
			p.add(where+".pauses_sla", "not_open", "", "state %q pauses SLA clocks but is not open", s.Code)
		}
	}
	switch {
	case d.Initial == "":
		p.add("initial", "no_initial_state", "", "the definition has no initial state")
	case d.states[d.Initial] == nil:
		p.add("initial", "unknown_state", d.Initial, "initial state %q is not defined", d.Initial)
	case d.states[d.Initial].Kind == KindTerminal:
		p.add("initial", "terminal_initial", d.Initial, "initial state %q is terminal", d.Initial)
	}
	if terminal == 0 && len(d.States) > 0 {
		p.add("states", "no_terminal_state", "", "no state has kind terminal, so no case can ever finish")
	}
}

func (d *Definition) validateActions(p *problems) {
	d.actions = make(map[string]*Action, len(d.Actions))
	for i := range d.Actions {
		a := &d.Actions[i]
		where := fmt.Sprintf("actions[%s]", a.Code)
		if !codeRe.MatchString(a.Code) {
			p.add(fmt.Sprintf("actions[%d]", i), "invalid_code", a.Code, "action code %q must be lower_snake_case", a.Code)
			continue
		}
		if _, dup := d.actions[a.Code]; dup {
			p.add(where, "duplicate", a.Code, "action %q is defined twice", a.Code)
			continue
		}
		d.actions[a.Code] = a
		if a.ZH == "" || a.EN == "" {
			p.add(where, "label_required", "", "action %q needs zh and en labels", a.Code)
		}
		switch {
		case a.To == ToSame || a.To == ToPrevious:
		case a.To == "":
			p.add(where+".to", "required", "", "action %q has no target state", a.Code)
		case d.states[a.To] == nil:
			p.add(where+".to", "unknown_state", a.To, "action %q goes to unknown state %q", a.Code, a.To)
		}
		if len(a.From) == 0 {
			p.add(where+".from", "required", "", "action %q has no source state", a.Code)
		}
		a.from = map[string]bool{}
		for _, f := range a.From {
			if f == FromOpen {
				for _, s := range d.States {
					if s.Open && s.Code != a.To {
						a.from[s.Code] = true
					}
				}
				continue
			}
			if d.states[f] == nil {
				p.add(where+".from", "unknown_state", f, "action %q starts from unknown state %q", a.Code, f)
				continue
			}
			a.from[f] = true
		}
		if a.To == ToPrevious {
			for f := range a.from {
				if s := d.states[f]; s != nil && s.Kind != KindSide {
					p.add(where+".to", "previous_from_normal", f, "action %q returns to the previous state but starts from %q, which is not a side state", a.Code, f)
				}
			}
		}
		if len(a.Roles) == 0 {
			p.add(where+".roles", "required", "", "action %q names no role that may take it", a.Code)
		}
		for _, r := range a.Roles {
			if !Roles.Has(r) {
				p.add(where+".roles", "unknown_role", r, "action %q names unknown role %q", a.Code, r)
			}
		}
		for _, f := range a.Requires {
			if _, ok := caseFields[f]; !ok {
				p.add(where+".requires", "unknown_field", f, "action %q requires unknown case field %q", a.Code, f)
			}
		}
		for _, in := range a.Input {
			if _, ok := actionInputs[in]; !ok {
				p.add(where+".input", "unknown_input", in, "action %q asks for unknown input %q", a.Code, in)
			}
		}
		switch a.Satisfaction {
		case "":
		case Satisfied, Unsatisfied:
			if !slices.Contains(a.Input, "satisfaction") {
				p.add(where+".input", "satisfaction_input_required", "", "action %q records a visit but does not ask for the satisfaction score", a.Code)
			}
		default:
			p.add(where+".satisfaction", "invalid_value", "satisfied,unsatisfied", "action %q has unknown satisfaction %q", a.Code, a.Satisfaction)
		}
		for _, r := range a.Effects.Notify {
			if !Roles.Has(r) {
				p.add(where+".effects.notify", "unknown_role", r, "action %q notifies unknown role %q", a.Code, r)
			}
		}
		for gi := range a.Guards {
			g := &a.Guards[gi]
			gw := fmt.Sprintf("%s.guards[%d]", where, gi)
			if !codeRe.MatchString(g.Rule) {
				p.add(gw+".rule", "required", "", "a guard of action %q needs a rule code", a.Code)
			}
			if len(g.All) == 0 && len(g.Any) == 0 {
				p.add(gw, "empty_guard", "", "a guard of action %q tests nothing", a.Code)
			}
			for _, list := range [][]Cond{g.If, g.All, g.Any} {
				for ci := range list {
					validateCond(p, gw, &list[ci])
				}
			}
		}
	}
}

// validateCond checks a condition and converts its value for evaluation.
func validateCond(p *problems, where string, c *Cond) {
	f, ok := caseFields[c.Field]
	if !ok {
		p.add(where, "unknown_field", c.Field, "condition on unknown case field %q", c.Field)
		return
	}
	if !slices.Contains(ops, c.Op) {
		p.add(where, "unknown_op", c.Op, "condition on %q uses unknown op %q", c.Field, c.Op)
		return
	}
	bad := func(want string) {
		p.add(where, "invalid_value", c.Field, "condition %s %s needs %s, got %v", c.Field, c.Op, want, c.Value)
	}
	switch c.Op {
	case "set", "unset":
		if c.Value != nil {
			bad("no value")
		}
	case "in", "not_in":
		list, ok := c.Value.([]any)
		if !ok || f.kind != kindString || len(list) == 0 {
			bad("a list of strings on a text field")
			return
		}
		for _, v := range list {
			s, ok := v.(string)
			if !ok || (f.enum != nil && !slices.Contains(f.enum, s)) {
				bad("known values " + strings.Join(f.enum, ","))
				return
			}
		}
	case "gt", "gte", "lt", "lte":
		if _, ok := c.Value.(float64); !ok || f.kind != kindNumber {
			bad("a number on a numeric field")
		}
	default: // eq, ne
		switch f.kind {
		case kindString:
			s, ok := c.Value.(string)
			if !ok || (f.enum != nil && !slices.Contains(f.enum, s)) {
				bad("a string" + enumHint(f.enum))
			}
		case kindBool:
			if _, ok := c.Value.(bool); !ok {
				bad("true or false")
			}
		case kindNumber:
			if _, ok := c.Value.(float64); !ok {
				bad("a number")
			}
		}
	}
}

func enumHint(e []string) string {
	if e == nil {
		return ""
	}
	return " (" + strings.Join(e, ",") + ")"
}

// validateGraph rejects unreachable states, dead ends, terminal states with
// exits and states from which no terminal state can be reached. A normal
// state must make progress on its own: moving to a side state (waiting,
// withdrawn, merged), which any open state can do, does not count as a way
// out. A side state's way out may be @previous, the states that lead into it.
func (d *Definition) validateGraph(p *problems) {
	type graph map[string]map[string]bool
	link := func(g graph, a, b string) {
		if g[a] == nil {
			g[a] = map[string]bool{}
		}
		g[a][b] = true
	}
	all, main := graph{}, graph{} // all edges; edges of normal states that stay off side states
	for _, a := range d.Actions {
		for f := range a.from {
			if d.states[f].Kind == KindTerminal {
				p.add(fmt.Sprintf("actions[%s].from", a.Code), "terminal_has_exit", f, "terminal state %q has an outgoing action %q", f, a.Code)
			}
			to := a.To
			switch to {
			case ToPrevious:
				continue
			case ToSame:
				to = f
			}
			link(all, f, to)
			if d.states[f].Kind != KindSide && d.states[to].Kind != KindSide {
				link(main, f, to)
			}
		}
	}
	seen := map[string]bool{d.Initial: true}
	queue := []string{d.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for t := range all[s] {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	// exits of side states: their own edges plus, for @previous, every
	// state that leads into them
	side := graph{}
	for _, a := range d.Actions {
		for f := range a.from {
			if d.states[f].Kind != KindSide {
				continue
			}
			if a.To != ToPrevious {
				for t := range all[f] {
					link(side, f, t)
				}
				continue
			}
			for src, outs := range all {
				if outs[f] && src != f {
					link(side, f, src)
				}
			}
		}
	}
	exits := func(s State) map[string]bool {
		if s.Kind == KindSide {
			return side[s.Code]
		}
		return main[s.Code]
	}
	finishes := map[string]bool{}
	for _, s := range d.States {
		if s.Kind == KindTerminal {
			finishes[s.Code] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, s := range d.States {
			if finishes[s.Code] {
				continue
			}
			for t := range exits(s) {
				if finishes[t] {
					finishes[s.Code], changed = true, true
					break
				}
			}
		}
	}
	for _, s := range d.States {
		where := fmt.Sprintf("states[%s]", s.Code)
		if !seen[s.Code] {
			p.add(where, "unreachable", s.Code, "state %q cannot be reached from %q", s.Code, d.Initial)
		}
		if s.Kind == KindTerminal {
			continue
		}
		n := 0
		for t := range exits(s) {
			if t != s.Code {
				n++
			}
		}
		if n == 0 {
			p.add(where, "dead_end", s.Code, "state %q is not terminal but no action moves it on", s.Code)
		} else if !finishes[s.Code] {
			p.add(where, "cannot_finish", s.Code, "no terminal state can be reached from %q", s.Code)
		}
	}
}

func (d *Definition) validateFollowUps(p *problems) {
	f := d.FollowUps
	if f.SatisfiedMin < 1 || f.SatisfiedMin > 5 {
		p.add("follow_ups.satisfied_min", "out_of_range", "1-5", "satisfied_min must be a score from 1 to 5")
	}
	if f.Quality < 0 || f.Default < 0 {
		p.add("follow_ups", "negative", "0", "follow-up counts cannot be negative")
	}
	for k, n := range f.ByCategory {
		if n < 0 {
			p.add("follow_ups.by_category", "negative", k, "follow-up count for %q is negative", k)
		}
	}
}

func (d *Definition) validateApproval(p *problems) {
	a := &d.Approval
	if a.Currency == "" {
		p.add("approval.currency", "required", "", "the approval currency is missing")
	}
	if len(a.Tiers) == 0 {
		p.add("approval.tiers", "required", "", "there are no approval tiers")
	}
	seen := map[string]bool{}
	for i, t := range a.Tiers {
		where := fmt.Sprintf("approval.tiers[%d]", i)
		if !Roles.Has(t.Role) {
			p.add(where+".role", "unknown_role", t.Role, "approval tier %d names unknown role %q", i, t.Role)
		}
		if seen[t.Role] {
			p.add(where+".role", "duplicate", t.Role, "role %q appears in two approval tiers", t.Role)
		}
		seen[t.Role] = true
		last := i == len(a.Tiers)-1
		switch {
		case last && t.UpTo != Unlimited:
			p.add(where+".up_to", "top_tier_limited", "", "the last approval tier must be unlimited")
		case !last && t.UpTo == Unlimited:
			p.add(where+".up_to", "unlimited_below_top", "", "only the last approval tier may be unlimited")
		case i > 0 && !last && t.UpTo <= a.Tiers[i-1].UpTo:
			p.add(where+".up_to", "not_ascending", "", "approval tier %d does not raise the amount", i)
		}
	}
	for r, l := range a.Limits {
		if !Roles.Has(r) {
			p.add("approval.limits", "unknown_role", r, "a limit is set for unknown role %q", r)
		}
		if l < Unlimited {
			p.add("approval.limits", "negative", r, "the limit of %q is negative", r)
		}
	}
	for lv, roles := range a.Levels {
		if n, err := strconv.Atoi(lv); err != nil || n < 1 {
			p.add("approval.levels", "invalid_level", lv, "level %q is not a positive number", lv)
		}
		for _, r := range roles {
			if a.rank(r) < 0 {
				p.add("approval.levels", "not_an_approver", r, "level %s names %q, which is in no approval tier", lv, r)
			}
		}
	}
	for c, r := range a.Rates {
		if r <= 0 {
			p.add("approval.rates", "invalid_rate", c, "the rate for %s must be positive", c)
		}
	}
}

func (d *Definition) validateRouting(p *problems) {
	if len(d.Routing) == 0 {
		p.add("routing", "required", "", "there are no routing rules")
		return
	}
	names := map[string]bool{}
	for i, r := range d.Routing {
		where := fmt.Sprintf("routing[%d]", i)
		if r.Name == "" {
			p.add(where+".name", "required", "", "routing rule %d has no name", i)
		} else if names[r.Name] {
			p.add(where+".name", "duplicate", r.Name, "routing rule %q is defined twice", r.Name)
		}
		names[r.Name] = true
		if r.RouteToDealer {
			if r.Department != "" {
				p.add(where, "dealer_and_department", r.Name, "routing rule %q sends both to the dealer and to a department", r.Name)
			}
		} else {
			if r.Department == "" {
				p.add(where+".department", "required", r.Name, "routing rule %q names no department", r.Name)
			}
			if r.Strategy != RoundRobin && r.Strategy != LeastLoaded {
				p.add(where+".strategy", "invalid_value", RoundRobin+","+LeastLoaded, "routing rule %q has unknown strategy %q", r.Name, r.Strategy)
			}
		}
		for _, s := range r.When.Severities {
			if !slices.Contains(caseFields["severity"].enum, s) {
				p.add(where+".when.severities", "invalid_value", s, "routing rule %q names unknown severity %q", r.Name, s)
			}
		}
	}
	last := d.Routing[len(d.Routing)-1]
	if !last.When.catchAll() || last.RouteToDealer {
		p.add("routing", "no_catch_all", "", "the last routing rule must match every complaint and name a department")
	}
}
