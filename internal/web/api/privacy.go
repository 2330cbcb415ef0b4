package api

import (
	"net/http"

	"kesu/internal/privacy"
	"kesu/internal/web"
)

// erasePersonalData erases the personal data of one closed complaint
// ({"number": …}) or of one customer's complaints and record
// ({"customer_id": …}), with the reason recorded (SEC-2).
func (a *api) erasePersonalData(w http.ResponseWriter, r *http.Request) {
	var in privacy.Request
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	res, err := a.d.Privacy.Erase(r.Context(), in, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}
