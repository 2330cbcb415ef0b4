package ui

import (
	"errors"
	"net/http"

	"kesu/internal/apperr"
)

// caseMemo files a memo (签呈) on an open case to the next approval level,
// for objections to a resolution; it appears on the timeline.
func (h *handler) caseMemo(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Cases.Memo(r.Context(), id, r.PostFormValue("memo"), caseActor(r)); err != nil {
		h.refused(w, r, id, memoField(err))
		return
	}
	afterCase(w, r, id, "timeline")
}

// memoField names the memo's text "memo" in a validation error, so it is
// shown at the memo form and not at the note form.
func memoField(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = make([]apperr.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		if f.Field == "body" {
			f.Field = "memo"
		}
		out.Fields[i] = f
	}
	return &out
}
