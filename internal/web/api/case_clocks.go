package api

import (
	"net/http"
	"time"

	"kesu/internal/casework"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// clocks answers a complaint's time-limit clocks with due times, the
// remaining time in each clock's own unit and how urgent each is.
func (a *api) clocks(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeClocks(w, r, c.ID)
}

func (a *api) writeClocks(w http.ResponseWriter, r *http.Request, id int64) {
	vs, err := a.d.ClockViews(r.Context(), id, a.d.Now())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, listResponse[web.ClockView]{Items: vs})
}

// extensionRequest moves a time limit's due time with the customer's
// consent.
type extensionRequest struct {
	DueAt   time.Time   `json:"due_at"`
	Consent sla.Consent `json:"consent"`
	Reason  string      `json:"reason"`
}

// extendClock moves the due time of the complaint's running clock of
// {policy} through the case service; without the customer's recorded
// consent (who, when, how) it is refused with field errors.
func (a *api) extendClock(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in extensionRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	e := casework.Extension{Policy: r.PathValue("policy"), DueAt: in.DueAt, Consent: in.Consent, Reason: in.Reason}
	if err := a.d.Cases.Extend(r.Context(), id, e, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeClocks(w, r, id)
}
