package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// auditRow is an audit entry as people read it: what was done and to
// what in words, and the detail as labelled facts. The codes stay for the
// filters.
type auditRow struct {
	audit.Entry
	Who        string
	What       string
	ObjectText string
	ObjectLink string
	Facts      []auditFact
}

type auditFact struct{ Label, Value string }

// auditWords turns entries into rows in lang.
func (h *handler) auditWords(ctx context.Context, r *http.Request, es []audit.Entry, lang string) []auditRow {
	steps := map[string]*workflow.Action{}
	states := map[string]string{}
	if h.d.Cases != nil {
		for _, d := range h.d.Cases.Definitions.All() {
			for i := range d.Actions {
				if _, ok := steps[d.Actions[i].Code]; !ok {
					steps[d.Actions[i].Code] = &d.Actions[i]
				}
			}
			for _, s := range d.States {
				if _, ok := states[s.Code]; !ok {
					states[s.Code] = s.Label(lang)
				}
			}
		}
	}
	var who names
	byUsername := map[string]string{}
	if users, n, err := h.userNames(ctx); err == nil {
		who = n
		for _, u := range users {
			byUsername[u.Username] = u.Name
		}
	}
	numbers := map[int64]string{}
	out := make([]auditRow, len(es))
	for i, e := range es {
		row := auditRow{Entry: e, Who: e.Actor.Name}
		if n := byUsername[e.Actor.Name]; n != "" {
			row.Who = n
		}
		row.What = auditAction(e.Action, steps, lang)
		kind, id, _ := strings.Cut(e.Object, ":")
		n, _ := strconv.ParseInt(id, 10, 64)
		switch {
		case kind == "complaint" && n > 0:
			num, ok := numbers[n]
			if !ok {
				if c, err := h.d.ComplaintStore.Get(ctx, n); err == nil {
					num = c.Number
				}
				numbers[n] = num
			}
			row.ObjectText = web.T(lang, "desk.audit.kind.complaint") + " " + cmpOr(num, "#"+id)
			row.ObjectLink = "/complaints/" + id
		case kind == "user" && n > 0 && who[n] != "":
			row.ObjectText = web.T(lang, "desk.audit.kind.user") + " " + who[n]
		case kind != "" && web.Has("zh", "desk.audit.kind."+kind):
			row.ObjectText = strings.TrimSpace(web.T(lang, "desk.audit.kind."+kind) + " " + id)
		default:
			row.ObjectText = e.Object
		}
		row.Facts = auditFacts(e, steps, states, lang)
		out[i] = row
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// auditAction names an audit action in lang: its own message, a workflow
// step by the definition's label, or the kind of record and the verb.
func auditAction(action string, steps map[string]*workflow.Action, lang string) string {
	if web.Has("zh", "desk.audit.action."+action) {
		return web.T(lang, "desk.audit.action."+action)
	}
	kind, verb, _ := strings.Cut(action, ".")
	if kind == "workflow" {
		if a, ok := steps[verb]; ok {
			return web.T(lang, "desk.audit.step", a.Label(lang))
		}
	}
	if web.Has("zh", "desk.audit.kind."+kind) && web.Has("zh", "desk.audit.verb."+verb) {
		return web.T(lang, "desk.audit.compose", web.T(lang, "desk.audit.kind."+kind), web.T(lang, "desk.audit.verb."+verb))
	}
	return action
}

// auditFacts reads an entry's detail as labelled values; a detail that is
// not an object is shown as it is.
func auditFacts(e audit.Entry, steps map[string]*workflow.Action, states map[string]string, lang string) []auditFact {
	if len(e.Detail) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		return []auditFact{{Value: string(e.Detail)}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k == "action" && strings.HasPrefix(e.Action, "workflow.") {
			continue // the step is the action's name already
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []auditFact
	for _, k := range keys {
		if k == "changes" {
			if ch, ok := m[k].(map[string]any); ok {
				ks := make([]string, 0, len(ch))
				for ck := range ch {
					ks = append(ks, ck)
				}
				slices.Sort(ks)
				for _, ck := range ks {
					out = append(out, auditFact{auditLabel(ck, lang), auditValue(ck, ch[ck], steps, states, lang)})
				}
				continue
			}
		}
		out = append(out, auditFact{auditLabel(k, lang), auditValue(k, m[k], steps, states, lang)})
	}
	return out
}

func auditLabel(k, lang string) string {
	switch {
	case web.Has("zh", "desk.audit.detail."+k):
		return web.T(lang, "desk.audit.detail."+k)
	case web.Has("zh", "field."+k):
		return web.T(lang, "field."+k)
	}
	return k
}

// auditValue says one value of a detail in words: states, steps and code
// lists by their labels, yes and no, lists joined.
func auditValue(k string, v any, steps map[string]*workflow.Action, states map[string]string, lang string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return web.T(lang, "ui.yes")
		}
		return web.T(lang, "ui.no")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = auditValue(k, p, steps, states, lang)
		}
		return strings.Join(parts, web.T(lang, "ui.list_sep"))
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	case string:
		switch k {
		case "from", "to", "status":
			if l, ok := states[x]; ok {
				return l
			}
		case "action":
			if a, ok := steps[x]; ok {
				return a.Label(lang)
			}
		case "level", "levels", "role":
			return workflow.Roles.Label(x, lang)
		case "kind":
			if casework.CAPAKinds.Has(x) {
				return casework.CAPAKinds.Label(x, lang)
			}
		case "type":
			if slices.Contains(casework.InvestigationKinds, x) {
				return web.T(lang, "case.investigation."+x)
			}
		case "channel":
			if complaint.Channels.Has(x) {
				return complaint.Channels.Label(x, lang)
			}
		case "severity":
			return complaint.Severities.Label(x, lang)
		case "resolution":
			return casework.Resolutions.Label(x, lang)
		case "validity":
			return casework.Validities.Label(x, lang)
		case "responsibility":
			return casework.Responsibilities.Label(x, lang)
		case "verification":
			return casework.CAPAVerifications.Label(x, lang)
		}
		return x
	}
	return fmt.Sprint(v)
}
