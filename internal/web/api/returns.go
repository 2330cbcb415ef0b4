package api

import (
	"net/http"

	"kesu/internal/apperr"
	fin "kesu/internal/money"
	"kesu/internal/web"
)

// returnResponse is a case's return slip 成品退货单 (RET-1).
type returnResponse struct {
	Return   *fin.ReturnSlip `json:"return_slip"`
	NextStep string          `json:"next_step,omitempty"` // of defective goods, once booked
	Version  int             `json:"version"`             // the case version to send with a change
}

func (a *api) writeReturn(w http.ResponseWriter, r *http.Request, status int, id int64) {
	ctx := r.Context()
	n, err := a.d.Cases.Return(ctx, id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	rec, err := a.d.Cases.Load(ctx, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	resp := returnResponse{Return: n, Version: rec.Version}
	if n != nil && n.Status == fin.ReturnBooked {
		resp.NextStep = n.NextStep()
	}
	web.WriteJSON(w, status, resp)
}

func (a *api) getReturn(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeReturn(w, r, http.StatusOK, id)
}

// returnRequest is the slip as the approver writes it.
type returnRequest struct {
	fin.ReturnInput
	Version *int `json:"version"`
}

func (a *api) putReturn(w http.ResponseWriter, r *http.Request) {
	var in returnRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.SaveReturn(r.Context(), id, *in.Version, in.ReturnInput, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeReturn(w, r, http.StatusOK, id)
}

// receiveRequest is what the warehouse received and who signed.
type receiveRequest struct {
	ReceivedQty *int64 `json:"received_qty"`
	Signer      string `json:"signer"`
}

func (a *api) receiveReturn(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in receiveRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.ReceivedQty == nil {
		var v apperr.Validation
		v.Add("received_qty", "required", "")
		web.WriteError(w, r, v.Err())
		return
	}
	if _, err := a.d.Cases.ReceiveReturn(r.Context(), id, *in.ReceivedQty, in.Signer, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeReturn(w, r, http.StatusOK, id)
}

// stepRequest records a step of defective goods.
type stepRequest struct {
	Step string `json:"step"`
	Note string `json:"note"`
}

func (a *api) returnStep(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in stepRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.ReturnStep(r.Context(), id, in.Step, in.Note, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeReturn(w, r, http.StatusCreated, id)
}

func (a *api) getTolerance(w http.ResponseWriter, r *http.Request) {
	id, err := a.dealerOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	t, err := a.d.Cases.CustomerTolerance(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

// toleranceRequest is a customer's over-quantity tolerance in percent; ""
// returns it to the company default.
type toleranceRequest struct {
	Tolerance string `json:"tolerance"`
}

func (a *api) putTolerance(w http.ResponseWriter, r *http.Request) {
	id, err := a.dealerOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in toleranceRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	t, err := a.d.Cases.SetCustomerTolerance(r.Context(), id, in.Tolerance, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}
