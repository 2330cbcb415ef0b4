package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
)

// sameVersion refuses a form shown with an older version of the case, for
// the casework calls that take no version themselves.
func (h *handler) sameVersion(r *http.Request, id int64) error {
	v := formVersion(r)
	if v == 0 {
		return nil
	}
	rec, err := h.d.Cases.Load(r.Context(), id)
	if err != nil {
		return err
	}
	if rec.Version != v {
		return &apperr.Error{Code: apperr.Conflict, Message: "complaint changed",
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(rec.Version)}}}
	}
	return nil
}

// caseAssign sets the holder and backup of a case by hand.
func (h *handler) caseAssign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	holder, backup := d.int("holder_id"), d.int("backup_id")
	if err := d.err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if _, err := h.d.Cases.Assign(r.Context(), id, formVersion(r), holder, backup, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "case")
}

// caseParties records the staff the complaint is about (当事人).
func (h *handler) caseParties(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.sameVersion(r, id); err != nil {
		h.refused(w, r, id, err)
		return
	}
	var ids []int64
	for _, s := range r.PostForm["user_ids"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			h.refused(w, r, id, &apperr.Error{Code: apperr.Invalid, Message: "bad user",
				Fields: []apperr.FieldError{{Field: "user_ids", Rule: "invalid_value"}}})
			return
		}
		ids = append(ids, n)
	}
	if err := h.d.Cases.SetParties(r.Context(), id, ids, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "case")
}
