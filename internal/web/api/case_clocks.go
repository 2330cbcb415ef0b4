package api

import (
	"net/http"

	"kesu/internal/web"
)

// clocks answers a complaint's time-limit clocks with due times, the
// remaining (working) time and how urgent each is (issue 6).
func (a *api) clocks(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	vs, err := a.d.ClockViews(r.Context(), c.ID, a.d.Now())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, listResponse[web.ClockView]{Items: vs})
}
