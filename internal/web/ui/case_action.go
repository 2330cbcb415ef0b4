package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/workflow"
)

// caseAction takes a workflow action on a case: the engine decides whether
// the signed-in user may, and a refusal comes back on the complaint page.
func (h *handler) caseAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := workflow.Input{}
	for _, k := range []string{"reason", "comment", "reminder_date", "merge_into", "satisfaction", "method", "body"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			in[k] = v
		}
	}
	// 合并到 takes the number of the complaint that stays, as people
	// write it; the engine takes its id.
	if n := in["merge_into"]; n != "" {
		c, err := h.d.ComplaintStore.GetByNumber(r.Context(), n)
		switch {
		case apperr.Is(err, apperr.NotFound):
			h.refused(w, r, id, &apperr.Error{Code: apperr.Invalid, Message: "no complaint " + n,
				Fields: []apperr.FieldError{{Field: "merge_into", Rule: "no_such_number", Param: n}}})
			return
		case err != nil:
			h.fail(w, r, err)
			return
		}
		in["merge_into"] = strconv.FormatInt(c.ID, 10)
	}
	if _, err := h.d.Cases.Do(r.Context(), id, formVersion(r), r.PathValue("action"), in, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "case")
}
