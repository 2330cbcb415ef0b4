package ui

import (
	"net/http"
	"slices"

	"kesu/internal/complaint"
	"kesu/internal/privacy"
)

// report8D assembles the 8D report of a case (WF-3), printable: D1 team,
// D2 problem, D3 containment, D4 root cause, D5 corrective actions, D6
// implementation and verification, D7 prevention and standards, D8 closure.
func (h *handler) report8D(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.readable(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !seesPersonal(r) {
		m := privacy.Complaint(*c)
		c = &m
	}
	p := h.newPage(r, "ui.report_8d")
	cv, err := h.caseView(ctx, r, id, p.L)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cats, err := h.d.ComplaintStore.Categories(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// D1: everyone who worked on the case, each once.
	var team []teamMember
	addTeam := func(name, role string) {
		if name == "" {
			return
		}
		for _, m := range team {
			if m.Name == name && m.Role == role {
				return
			}
		}
		team = append(team, teamMember{name, role})
	}
	addTeam(cv.Holder, "ui.holder")
	addTeam(cv.Backup, "ui.backup")
	for _, a := range cv.CAPA {
		addTeam(a.Owner, "ui.capa_owner")
	}
	for _, a := range cv.Approvals {
		if a.Decision == "approved" {
			addTeam(a.Approver, "ui.approver")
		}
	}
	kind := func(k string) []capaView {
		var out []capaView
		for _, a := range cv.CAPA {
			if a.Kind == k {
				out = append(out, a)
			}
		}
		return out
	}
	p.Title = "8D " + c.Number
	p.D = struct {
		C                                             *complaint.Complaint
		Case                                          *caseView
		Category                                      string
		Team                                          []teamMember
		Containment, Corrective, Preventive, Standard []capaView
		Done                                          []capaView
	}{c, cv, categoryLabels(cats, p.L)[c.Category], team, kind("containment"), kind("corrective"), kind("preventive"),
		slices.DeleteFunc(slices.Clone(cv.CAPA), func(a capaView) bool { return !a.UpdateStandard }),
		slices.DeleteFunc(slices.Clone(cv.CAPA), func(a capaView) bool { return a.Status != "done" })}
	h.render(w, http.StatusOK, "print", "report_8d", p)
}

// teamMember is one line of D1.
type teamMember struct{ Name, Role string }
