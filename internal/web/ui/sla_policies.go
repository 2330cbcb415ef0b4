package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// policyRow is one policy on the administrator's page, with the form
// field prefix its inputs and errors use ("policies[3]").
type policyRow struct {
	sla.Policy
	Field                      string
	Remind, Escalate           string
	Categories, Severities     string
	Regions, Classes, Profiles string
	Start, Stop, Void          string
	Flags                      []string // message keys of the quality and safety conditions
}

// policiesPage is what /admin/sla-policies shows.
type policiesPage struct {
	Current  *sla.Policies
	Rows     []policyRow
	Versions []*sla.Policies
	Units    []string
	Poll     int
}

// shortDuration writes 4h rather than 4h0m0s.
func shortDuration(d sla.Duration) string {
	t := time.Duration(d)
	switch {
	case t == 0:
		return ""
	case t%time.Hour == 0:
		return strconv.FormatInt(int64(t/time.Hour), 10) + "h"
	}
	return t.String()
}

func joinList(l []string) string { return strings.Join(l, ", ") }

// splitList reads "a, b c" as [a b c].
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' })
}

func (h *handler) policyBook() (*sla.PolicyBook, error) {
	if h.d.PolicyBook == nil {
		return nil, apperr.New(apperr.NotFound, "time limits are not configured")
	}
	return h.d.PolicyBook, nil
}

// slaPolicies shows the time-limit policies in force with the form that
// changes them and the history of versions.
func (h *handler) slaPolicies(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.sla_policies")
	if v := r.URL.Query().Get("saved"); v != "" {
		p.Flash = web.T(p.L, "ui.sla_policies.saved", v)
	}
	h.renderPolicies(w, r, p, http.StatusOK)
}

func (h *handler) renderPolicies(w http.ResponseWriter, r *http.Request, p *page, status int) {
	b, err := h.policyBook()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav = "sla_policies"
	cur := b.Rules.Policies()
	d := policiesPage{Current: cur, Versions: b.Rules.Versions(), Units: sla.Units, Poll: int(sla.PolicyPoll / time.Second)}
	for i, pol := range cur.List() {
		w := pol.When
		d.Rows = append(d.Rows, policyRow{Policy: pol, Field: "policies[" + strconv.Itoa(i) + "]",
			Remind: shortDuration(pol.RemindBefore), Escalate: shortDuration(pol.EscalateAfter),
			Categories: joinList(w.Categories), Severities: joinList(w.Severities), Regions: joinList(w.Regions),
			Classes: joinList(w.Classes), Profiles: joinList(w.Profiles),
			Start: joinList(pol.Start), Stop: joinList(pol.Stop), Void: joinList(pol.Void), Flags: flags(w)})
	}
	p.D = d
	h.render(w, status, "staff", "sla_policies", p)
}

// policiesRefused shows the page again with the problems of err.
func (h *handler) policiesRefused(w http.ResponseWriter, r *http.Request, err error) {
	p := h.newPage(r, "ui.sla_policies")
	p.F = r.PostForm
	if !formErrors(p, err) {
		h.fail(w, r, err)
		return
	}
	var ae *apperr.Error
	if e, ok := err.(*apperr.Error); ok {
		ae = e
		for _, f := range ae.Fields {
			p.Problems = append(p.Problems, f.Field+": "+web.T(p.L, "rule."+f.Rule, f.Param))
		}
	}
	h.renderPolicies(w, r, p, web.Status(apperr.CodeOf(err)))
}

// readPolicy applies the edits of the form fields under prefix f to pol.
func readPolicy(form map[string][]string, f string, pol *sla.Policy, v *apperr.Validation) {
	get := func(k string) string {
		if vs := form[f+"."+k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	if _, ok := form[f+".amount"]; !ok {
		return // the row was not in the form
	}
	if n, err := strconv.Atoi(get("amount")); err == nil {
		pol.Amount = n
	} else if get("amount") != "" {
		v.Add(f+".amount", "invalid_value", "")
	} else {
		pol.Amount = 0
	}
	pol.Unit = get("unit")
	for k, dst := range map[string]*sla.Duration{"remind_before": &pol.RemindBefore, "escalate_after": &pol.EscalateAfter} {
		s := get(k)
		if s == "" {
			*dst = 0
			continue
		}
		if d, err := time.ParseDuration(s); err == nil {
			*dst = sla.Duration(d)
		} else {
			v.Add(f+"."+k, "invalid_value", "4h, 30m")
		}
	}
	pol.Pause = get("pause") == "on"
	for k, dst := range map[string]*[]string{"categories": &pol.When.Categories, "severities": &pol.When.Severities,
		"regions": &pol.When.Regions, "classes": &pol.When.Classes, "profiles": &pol.When.Profiles} {
		if _, ok := form[f+"."+k]; ok {
			*dst = splitList(get(k))
		}
	}
}

// slaPoliciesSave stores the edited policies as a new version.
func (h *handler) slaPoliciesSave(w http.ResponseWriter, r *http.Request) {
	b, err := h.policyBook()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("version"))
	var v apperr.Validation
	var list []sla.Policy
	for i, pol := range b.Rules.Policies().List() {
		f := "policies[" + strconv.Itoa(i) + "]"
		if r.PostForm.Get(f+".remove") == "on" {
			continue
		}
		readPolicy(r.PostForm, f, &pol, &v)
		list = append(list, pol)
	}
	if err := v.Err(); err != nil {
		h.policiesRefused(w, r, err)
		return
	}
	ps, err := b.Save(r.Context(), list, base, r.PostForm.Get("note"), web.Actor(r))
	if err != nil {
		h.policiesRefused(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/sla-policies?saved="+strconv.Itoa(ps.Version), http.StatusSeeOther)
}

// slaPolicyVariant adds a variant of a policy — the same events under a
// new code, for other complaints or with another limit — as a new version.
func (h *handler) slaPolicyVariant(w http.ResponseWriter, r *http.Request) {
	b, err := h.policyBook()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cur := b.Rules.Policies()
	base, ok := cur.Get(r.PostForm.Get("base"))
	if !ok {
		h.policiesRefused(w, r, &apperr.Error{Code: apperr.Invalid, Message: "no such policy",
			Fields: []apperr.FieldError{{Field: "base", Rule: "not_found"}}})
		return
	}
	pol := *base
	pol.Code, pol.ZH, pol.EN = strings.TrimSpace(r.PostForm.Get("code")), strings.TrimSpace(r.PostForm.Get("zh")), strings.TrimSpace(r.PostForm.Get("en"))
	list := cur.List()
	f := "policies[" + strconv.Itoa(len(list)) + "]"
	form := map[string][]string{}
	for k, vs := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "variant."); ok {
			form[f+"."+name] = vs
		}
	}
	var v apperr.Validation
	readPolicy(form, f, &pol, &v)
	if err := v.Err(); err != nil {
		h.policiesRefused(w, r, err)
		return
	}
	ps, err := b.Save(r.Context(), append(list, pol), cur.Version, r.PostForm.Get("note"), web.Actor(r))
	if ae, ok := err.(*apperr.Error); ok {
		// The new policy's errors belong to the variant form.
		cp := *ae
		cp.Fields = nil
		for _, fe := range ae.Fields {
			if rest, ok := strings.CutPrefix(fe.Field, f+"."); ok {
				fe.Field = "variant." + rest
			}
			cp.Fields = append(cp.Fields, fe)
		}
		err = &cp
	}
	if err != nil {
		h.policiesRefused(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/sla-policies?saved="+strconv.Itoa(ps.Version), http.StatusSeeOther)
}

// flags names the quality and safety conditions of w.
func flags(w sla.Conditions) []string {
	var out []string
	for name, b := range map[string]*bool{"quality": w.Quality, "safety": w.Safety} {
		switch {
		case b == nil:
		case *b:
			out = append(out, "ui.sla_policies."+name)
		default:
			out = append(out, "ui.sla_policies.not_"+name)
		}
	}
	slices.Sort(out)
	return out
}
