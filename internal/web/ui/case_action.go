package ui

import (
	"net/http"
	"strings"

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
	if _, err := h.d.Cases.Do(r.Context(), id, formVersion(r), r.PathValue("action"), in, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "case")
}
