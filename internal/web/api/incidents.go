package api

import (
	"net/http"

	"kesu/internal/incident"
	"kesu/internal/web"
)

// maxIncidents bounds the incident list; a batch incident is rare.
const maxIncidents = 200

// incidentList is the open and recent batch incidents (TRI-6).
type incidentList struct {
	Items []incident.Incident `json:"items"`
}

func (a *api) listIncidents(w http.ResponseWriter, r *http.Request) {
	items, err := a.d.Incidents.Recent(r.Context(), maxIncidents)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, incidentList{Items: items})
}

func (a *api) getIncident(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	inc, err := a.d.Incidents.Store.Incident(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, inc)
}

// quarantineIncident puts the incident's batch in quarantine; the service
// decides which roles may.
func (a *api) quarantineIncident(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	inc, err := a.d.Incidents.Quarantine(r.Context(), id, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, inc)
}

// representativeRequest flags a representative quality problem.
type representativeRequest struct {
	Note string `json:"note"`
}

// flagRepresentative records that the case's quality problem is
// representative (004 §6.4) and tells QA, R&D, production and the GM.
func (a *api) flagRepresentative(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in representativeRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, _, err := a.d.Cases.FlagRepresentative(r.Context(), id, in.Note, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusCreated, id)
}
