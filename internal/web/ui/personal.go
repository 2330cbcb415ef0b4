package ui

import (
	"encoding/json"
	"net/http"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/web"
)

// seesPersonal reports whether the signed-in user may see complainants'
// and customers' contact details unmasked (SPEC SEC-2); pages mask them
// with the privacy package otherwise, as the API does.
func seesPersonal(r *http.Request) bool {
	p := web.PrincipalOf(r)
	return p != nil && auth.Can(p.User.Role, auth.PersonalData)
}

// audit records that the requesting user did action on object (SPEC
// SEC-3). detail, when not nil, is stored as JSON.
func (h *handler) audit(r *http.Request, action, object string, detail any) error {
	e := &audit.Entry{Actor: web.Actor(r), Action: action, Object: object}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		e.Detail = b
	}
	return h.d.Audit.Append(r.Context(), e)
}
