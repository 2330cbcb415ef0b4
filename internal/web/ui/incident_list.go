package ui

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/incident"
	"kesu/internal/org"
	"kesu/internal/web"
)

// incidentView is one batch incident as the list shows it.
type incidentView struct {
	incident.Incident
	Recipients    string
	QuarantinedBy string
}

// quarantineRoles may quarantine a batch, as incident.Service allows.
var quarantineRoles = []string{org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM, org.RoleAdmin}

// incidentList lists batch incidents, open first.
func (h *handler) incidentList(w http.ResponseWriter, r *http.Request) {
	h.showIncidents(w, r, h.newPage(r, "ui.incidents"), http.StatusOK)
}

func (h *handler) showIncidents(w http.ResponseWriter, r *http.Request, p *page, status int) {
	p.Nav = "incidents"
	list, err := h.d.Incidents.Recent(r.Context(), 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Open incidents first, newest first within each.
	slices.SortStableFunc(list, func(a, b incident.Incident) int {
		return cmp.Compare(statusRank(a.Status), statusRank(b.Status))
	})
	_, who, err := h.userNames(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]incidentView, 0, len(list))
	for _, inc := range list {
		v := incidentView{Incident: inc, QuarantinedBy: who.of(inc.QuarantinedBy)}
		var ns []string
		for _, id := range inc.Recipients {
			ns = append(ns, who.of(&id))
		}
		v.Recipients = strings.Join(ns, web.T(p.L, "ui.list_sep"))
		views = append(views, v)
	}
	if r.URL.Query().Get("quarantined") != "" && p.Flash == "" && p.Error == "" {
		p.Flash = web.T(p.L, "ui.incident.quarantined_flash", r.URL.Query().Get("quarantined"))
	}
	p.D = struct {
		Items         []incidentView
		CanQuarantine bool
	}{views, p.User != nil && slices.Contains(quarantineRoles, p.User.Role)}
	h.render(w, status, "staff", "incident_list", p)
}

// incidentQuarantine puts an incident's batch in quarantine; a refusal
// comes back on the list as a message.
func (h *handler) incidentQuarantine(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inc, err := h.d.Incidents.Quarantine(r.Context(), id, caseActor(r))
	if err != nil {
		var ae *apperr.Error
		code := apperr.CodeOf(err)
		if !errors.As(err, &ae) || (code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden && code != apperr.NotFound) {
			h.fail(w, r, err)
			return
		}
		p := h.newPage(r, "ui.incidents")
		p.Error = web.Localize(err, p.L).Error.Message
		for _, f := range ae.Fields {
			p.Problems = append(p.Problems, problemText(p.L, f))
		}
		h.showIncidents(w, r, p, web.Status(code))
		return
	}
	http.Redirect(w, r, "/incidents?quarantined="+inc.BatchNo, http.StatusSeeOther)
}

func statusRank(status string) int {
	if status == incident.StatusOpen {
		return 0
	}
	return 1
}
