package api

import (
	"net/http"

	"kesu/internal/product"
	"kesu/internal/web"
)

// batchInput is the writable part of a production batch (SPEC ORG-2);
// produced_on is "YYYY-MM-DD".
type batchInput struct {
	ProductID  int64  `json:"product_id"`
	LotNo      string `json:"lot_no"`
	ProducedOn string `json:"produced_on"`
	Quantity   int64  `json:"quantity"`
	Status     string `json:"status"`
	SupplierID *int64 `json:"supplier_id"`
}

type batchPatch struct {
	batchInput
	Version *int `json:"version"`
}

// batchResponse shows produced_on as a date.
type batchResponse struct {
	product.Batch
	ProducedOn string `json:"produced_on,omitempty"`
}

func viewBatch(b product.Batch) batchResponse {
	return batchResponse{Batch: b, ProducedOn: dateString(b.ProducedOn)}
}

func (in batchInput) apply(b *product.Batch) error {
	var fe fieldErrs
	b.ProductID, b.LotNo, b.Quantity, b.Status, b.SupplierID = in.ProductID, in.LotNo, in.Quantity, in.Status, in.SupplierID
	b.ProducedOn = fe.date("produced_on", in.ProducedOn)
	return fe.v.Err()
}

func (a *api) listBatches(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	var pid int64
	if p := q.id("product_id"); p != nil {
		pid = *p
	}
	status := q.oneOf("status", product.BatchStatuses.Codes())
	limit, offset := q.pageParams()
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	bs, err := a.d.Products.ListBatches(r.Context(), pid, status, limit, offset)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := make([]batchResponse, len(bs))
	for i, b := range bs {
		out[i] = viewBatch(b)
	}
	web.WriteJSON(w, http.StatusOK, offsetPage(out, limit, offset))
}

func (a *api) createBatch(w http.ResponseWriter, r *http.Request) {
	var in batchInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var b product.Batch
	if err := in.apply(&b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Products.CreateBatch(r.Context(), &b, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeBatch(w, r, http.StatusCreated, b.ID)
}

func (a *api) writeBatch(w http.ResponseWriter, r *http.Request, status int, id int64) {
	b, err := a.d.Products.GetBatch(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, viewBatch(*b))
}

func (a *api) getBatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeBatch(w, r, http.StatusOK, id)
}

func (a *api) patchBatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	b, err := a.d.Products.GetBatch(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	in := batchPatch{batchInput: batchInput{ProductID: b.ProductID, LotNo: b.LotNo, ProducedOn: dateString(b.ProducedOn),
		Quantity: b.Quantity, Status: b.Status, SupplierID: b.SupplierID}}
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := in.apply(b); err != nil {
		web.WriteError(w, r, err)
		return
	}
	b.Version = *in.Version
	if err := a.d.Products.UpdateBatch(r.Context(), b, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeBatch(w, r, http.StatusOK, id)
}

func (a *api) deleteBatch(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, a.d.Products.DeleteBatch)
}
