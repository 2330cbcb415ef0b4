package api

import (
	"net/http"

	fin "kesu/internal/money"
	"kesu/internal/web"
)

// partsResponse lists a case's part shipments (004 §6.3).
type partsResponse struct {
	Items   []fin.PartShipment `json:"items"`
	Version int                `json:"version"` // the case version to send with a change
}

func (a *api) writeParts(w http.ResponseWriter, r *http.Request, status int, id int64) {
	ctx := r.Context()
	ps, err := a.d.Cases.Parts(ctx, id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	rec, err := a.d.Cases.Load(ctx, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, partsResponse{Items: ps, Version: rec.Version})
}

func (a *api) getParts(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeParts(w, r, http.StatusOK, id)
}

// partsRequest is a shipment: unit_price is the retail price in major units.
type partsRequest struct {
	fin.PartsInput
	Version *int `json:"version"`
}

func (a *api) shipParts(w http.ResponseWriter, r *http.Request) {
	var in partsRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.ShipParts(r.Context(), id, *in.Version, in.PartsInput, caseActor(r)); err != nil {
		caseError(w, r, yuanParams(err))
		return
	}
	a.writeParts(w, r, http.StatusCreated, id)
}
