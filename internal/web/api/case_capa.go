package api

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/web"
)

// capaCreate is a new containment, corrective or preventive action. A
// supplier CAPA names the supplier that owns it.
type capaCreate struct {
	Kind              string `json:"kind"`
	Description       string `json:"description"`
	OwnerDepartmentID *int64 `json:"owner_department_id"`
	OwnerUserID       *int64 `json:"owner_user_id"`
	SupplierID        *int64 `json:"supplier_id"`
	DueDate           string `json:"due_date"`
}

// capaResponse is a CAPA action and the version its case now has.
type capaResponse struct {
	Version int      `json:"version"`
	CAPA    capaView `json:"capa"`
}

// capaAnswer re-reads the case version after a CAPA change.
func (a *api) capaAnswer(w http.ResponseWriter, r *http.Request, status int, act *casework.CAPAAction) {
	rec, err := a.d.Cases.Load(r.Context(), act.ComplaintID)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, capaResponse{Version: rec.Version, CAPA: viewCAPA(*act)})
}

func (a *api) createCAPA(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in capaCreate
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var fe fieldErrs
	act := &casework.CAPAAction{ComplaintID: id, Kind: in.Kind, Description: in.Description, OwnerDepartmentID: in.OwnerDepartmentID,
		OwnerUserID: in.OwnerUserID, SupplierID: in.SupplierID, DueDate: fe.date("due_date", in.DueDate)}
	if err := fe.v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Cases.AddCAPA(r.Context(), act, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.capaAnswer(w, r, http.StatusCreated, act)
}

// capaInput reads what a request on one CAPA action carries: the case, the
// action's id from the path and the JSON body with the action's version,
// which is required. On failure it has answered and ok is false.
func (a *api) capaInput(w http.ResponseWriter, r *http.Request, body any, version **int) (id, cid int64, ok bool) {
	id, err := a.caseOf(r)
	if err == nil {
		cid, err = pathID(r)
	}
	if err == nil {
		err = web.DecodeJSON(w, r, body)
	}
	if err == nil {
		err = requireVersion(*version)
	}
	if err != nil {
		web.WriteError(w, r, err)
		return 0, 0, false
	}
	return id, cid, true
}

// capaComplete marks an action executed; version is the action's.
type capaComplete struct {
	Version  *int   `json:"version"`
	Evidence string `json:"evidence"`
}

func (a *api) completeCAPA(w http.ResponseWriter, r *http.Request) {
	var in capaComplete
	id, cid, ok := a.capaInput(w, r, &in, &in.Version)
	if !ok {
		return
	}
	act, err := a.d.Cases.CompleteCAPA(r.Context(), id, cid, *in.Version, in.Evidence, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	a.capaAnswer(w, r, http.StatusOK, act)
}

// capaVerify is QA's verdict on an executed action; version is the
// action's. Effective actions may be flagged to update the standard.
type capaVerify struct {
	Version        *int   `json:"version"`
	Effective      *bool  `json:"effective"`
	Note           string `json:"note"`
	UpdateStandard bool   `json:"update_standard"`
}

func (a *api) verifyCAPA(w http.ResponseWriter, r *http.Request) {
	var in capaVerify
	id, cid, ok := a.capaInput(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if in.Effective == nil {
		var v apperr.Validation
		v.Add("effective", "required", "")
		web.WriteError(w, r, v.Err())
		return
	}
	act, err := a.d.Cases.VerifyCAPA(r.Context(), id, cid, *in.Version, *in.Effective, in.Note, in.UpdateStandard, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	a.capaAnswer(w, r, http.StatusOK, act)
}

// capaRework is the revised action replacing one QA verified ineffective;
// version is the ineffective action's. Owners left out are the old ones.
type capaRework struct {
	Version           *int   `json:"version"`
	Description       string `json:"description"`
	OwnerDepartmentID *int64 `json:"owner_department_id"`
	OwnerUserID       *int64 `json:"owner_user_id"`
	SupplierID        *int64 `json:"supplier_id"`
	DueDate           string `json:"due_date"`
}

// reworkCAPA replaces an ineffective action with a revised one, which must
// be carried out and verified on its own (000: 重新纠正,并追踪至问题完全改善
// 才能结案).
func (a *api) reworkCAPA(w http.ResponseWriter, r *http.Request) {
	var in capaRework
	id, cid, ok := a.capaInput(w, r, &in, &in.Version)
	if !ok {
		return
	}
	var fe fieldErrs
	rw := casework.Rework{Description: in.Description, OwnerDepartmentID: in.OwnerDepartmentID, OwnerUserID: in.OwnerUserID,
		SupplierID: in.SupplierID, DueDate: fe.date("due_date", in.DueDate)}
	if err := fe.v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	act, err := a.d.Cases.ReworkCAPA(r.Context(), id, cid, *in.Version, rw, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	a.capaAnswer(w, r, http.StatusCreated, act)
}

// standardUpdate is an effective action to go into the procedures, with
// the number of its complaint.
type standardUpdate struct {
	capaView
	Number string `json:"number"`
}

// standardUpdates lists effective actions flagged "update the standard",
// newest first, for the quality manager (000 §4.6.2).
func (a *api) standardUpdates(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	limit := q.num("limit", 100, 1, 500)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	list, err := a.d.Cases.Store.StandardUpdates(r.Context(), limit)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	numbers := map[int64]string{}
	out := listResponse[standardUpdate]{Items: make([]standardUpdate, len(list))}
	for i, act := range list {
		n, ok := numbers[act.ComplaintID]
		if !ok {
			c, err := a.d.ComplaintStore.Get(r.Context(), act.ComplaintID)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				web.WriteError(w, r, err)
				return
			}
			if c != nil {
				n = c.Number
			} else {
				n = "#" + strconv.FormatInt(act.ComplaintID, 10)
			}
			numbers[act.ComplaintID] = n
		}
		out.Items[i] = standardUpdate{capaView: viewCAPA(act), Number: n}
	}
	web.WriteJSON(w, http.StatusOK, out)
}
