package ui

import (
	"net/http"

	"kesu/internal/casework"
)

// capaAdd adds a containment, corrective or preventive action (WF-3).
func (h *handler) capaAdd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.sameVersion(r, id); err != nil {
		h.refused(w, r, id, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	a := &casework.CAPAAction{ComplaintID: id, Kind: d.str("kind"), Description: d.str("description"),
		OwnerUserID: d.int("owner_user_id"), OwnerDepartmentID: d.int("owner_department_id"), SupplierID: d.int("supplier_id"),
		DueDate: d.date("due_date")}
	if err := d.err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if err := h.d.Cases.AddCAPA(r.Context(), a, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "capa")
}

// capaDone marks an action executed, with its evidence.
func (h *handler) capaDone(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	capaID, err := pathID(r, "capa")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Cases.CompleteCAPA(r.Context(), id, capaID, formVersion(r), r.PostFormValue("evidence"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "capa")
}

// capaRework replaces an action QA verified ineffective with a revised one.
func (h *handler) capaRework(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	capaID, err := pathID(r, "capa")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	rw := casework.Rework{Description: d.str("description"), DueDate: d.date("due_date")}
	if err := d.err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if _, err := h.d.Cases.ReworkCAPA(r.Context(), id, capaID, formVersion(r), rw, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "capa")
}

// capaVerify records QA's verification of an executed action.
func (h *handler) capaVerify(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	capaID, err := pathID(r, "capa")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	effective := d.str("verification") == "effective"
	if _, err := h.d.Cases.VerifyCAPA(r.Context(), id, capaID, formVersion(r), effective, d.str("verify_note"),
		d.bool("update_standard"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "capa")
}
