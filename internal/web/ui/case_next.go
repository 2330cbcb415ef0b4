package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/org"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// nextStep is one step that moves a case on: what it is, who takes it and
// what it still needs, as the workflow engine reports them.
type nextStep struct {
	Code, Label string
	Who         string   // names or roles
	Needs       []string // the engine's reasons it cannot be taken yet
	Mine        bool     // the signed-in user may take it now
}

// forward reports whether action a moves a case from state on: it starts
// in that state alone (not an exception such as waiting, withdrawing or
// escalating from any open state) and leads to the same or a later state
// of the definition.
func forward(def *workflow.Definition, a *workflow.Action, state string) bool {
	if len(a.From) != 1 || a.From[0] != state {
		return false
	}
	if a.To == "@same" {
		return true
	}
	from, to := -1, -1
	for i, s := range def.States {
		switch s.Code {
		case state:
			from = i
		case a.To:
			to = i
		}
	}
	return from >= 0 && to > from
}

// nextSteps fills the "next step" box of v: the owning department, the
// forward steps with who takes each and what each still needs, the
// follow-up visits still to make and why, and why the forms the user does
// not see are not theirs.
func (h *handler) nextSteps(ctx context.Context, r *http.Request, v *caseView, opts []workflow.Option, def *workflow.Definition,
	who names, users []org.User, next []org.User, depts []org.Department, lang string) {
	rec := v.R
	if rec.DepartmentID != nil {
		for _, d := range depts {
			if d.ID == *rec.DepartmentID {
				v.Department = d.Name
			}
		}
	}
	if !v.Open {
		return
	}
	sep := web.T(lang, "ui.list_sep")
	roleOf := map[int64]string{}
	for _, u := range users {
		roleOf[u.ID] = u.Role
	}
	followUps := false
	for _, o := range opts {
		a := o.Action
		if !forward(def, a, rec.Status) {
			continue
		}
		s := nextStep{Code: a.Code, Label: a.Label(lang), Mine: !slices.ContainsFunc(o.Problems, func(f apperr.FieldError) bool { return f.Field == "actor" })}
		if a.Effects.RecordsFollowUp {
			followUps = true
		}
		var roles []string
		for _, code := range a.Roles {
			roles = append(roles, workflow.Roles.Label(code, lang))
		}
		switch {
		case a.Authority && len(next) > 0:
			var ns []string
			for _, u := range next {
				ns = append(ns, u.Name)
			}
			s.Who = joinWith(ns, sep)
		case rec.HolderID != nil && (a.HolderOnly || slices.Contains(a.Roles, roleOf[*rec.HolderID])):
			s.Who = who.of(rec.HolderID)
			if rec.BackupID != nil {
				s.Who += web.T(lang, "desk.or_backup", who.of(rec.BackupID))
			}
		default:
			s.Who = joinWith(roles, sep)
		}
		for _, f := range o.Problems {
			if f.Field == "actor" {
				continue // who may take it is said above
			}
			s.Needs = append(s.Needs, problemText(lang, f))
		}
		v.Next = append(v.Next, s)
	}
	if followUps && v.Required > 0 && rec.FollowUpsDone < v.Required {
		v.FollowUpsLeft = v.Required - rec.FollowUpsDone
		v.FollowUpsWhy = web.T(lang, "desk.follow_ups_why."+def.FollowUps.Basis(h.d.Cases.View(rec)), strconv.Itoa(v.Required))
	}
	for _, c := range v.CAPA {
		if c.Status == "done" && c.Verification == "" && c.SupersededBy == nil {
			v.ToVerify++
		}
	}
	actor := caseActor(r)
	if !v.CanDecide {
		v.DecideWhy = h.whyNot(ctx, actor, rec.ComplaintID, auth.CaseDecide, lang)
	}
	if !v.CanUpdate {
		v.UpdateWhy = h.whyNot(ctx, actor, rec.ComplaintID, auth.ComplaintUpdate, lang)
	}
}

// whyNot asks the case gate why actor may not do p on a case, in lang.
func (h *handler) whyNot(ctx context.Context, actor casework.Actor, id int64, p auth.Permission, lang string) []string {
	err := h.d.Cases.Gate(ctx, id, actor, p, "")
	var ae *apperr.Error
	if err == nil || !errors.As(err, &ae) {
		return nil
	}
	var out []string
	for _, f := range ae.Fields {
		if f.Rule == casework.RuleNoPermission {
			out = append(out, web.T(lang, "desk.no_permission."+string(p)))
			continue
		}
		out = append(out, problemText(lang, f))
	}
	if len(out) == 0 {
		out = append(out, web.Localize(err, lang).Error.Message)
	}
	return slices.Compact(out)
}

func joinWith(ss []string, sep string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += sep
		}
		out += s
	}
	return out
}
