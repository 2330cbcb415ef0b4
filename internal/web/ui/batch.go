package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/product"
	"kesu/internal/web"
)

// batchForm shows a new batch of product {pid}, or batch {id}.
func (h *handler) batchForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.batch_new")
	p.Nav = "products"
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		b, err := h.d.Products.GetBatch(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.batch_edit")
		produced := ""
		if b.ProducedOn != nil {
			produced = b.ProducedOn.Format("2006-01-02")
		}
		p.F = url.Values{"id": {strconv.FormatInt(b.ID, 10)}, "version": {strconv.Itoa(b.Version)},
			"product_id": {strconv.FormatInt(b.ProductID, 10)}, "lot_no": {b.LotNo}, "produced_on": {produced},
			"quantity": {strconv.FormatInt(b.Quantity, 10)}, "status": {b.Status}, "supplier_id": {formatID(b.SupplierID)}}
	} else {
		pid, err := pathID(r, "pid")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.F = url.Values{"product_id": {strconv.FormatInt(pid, 10)}, "status": {product.BatchNormal}, "quantity": {"0"}}
	}
	h.renderBatchForm(w, r, p, http.StatusOK)
}

func (h *handler) renderBatchForm(w http.ResponseWriter, r *http.Request, p *page, status int) {
	pid, _ := strconv.ParseInt(p.F.Get("product_id"), 10, 64)
	pr, err := h.d.Products.GetProduct(r.Context(), pid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sups, err := h.d.Products.ListSuppliers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = struct {
		Product   *product.Product
		Suppliers []product.Supplier
	}{pr, sups}
	h.render(w, status, "staff", "batch_form", p)
}

// batchSave creates or updates a batch.
func (h *handler) batchSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.batch_new")
	p.Nav = "products"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	b := &product.Batch{LotNo: d.str("lot_no"), ProducedOn: d.date("produced_on"), Status: d.str("status"),
		SupplierID: d.int("supplier_id")}
	if q := d.int("quantity"); q != nil {
		b.Quantity = *q
	}
	var err error
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.batch_edit")
		if b.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		old, err := h.d.Products.GetBatch(r.Context(), b.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		b.ProductID = old.ProductID
		p.F.Set("id", r.PathValue("id"))
		b.Version, _ = strconv.Atoi(d.str("version"))
	} else if b.ProductID, err = pathID(r, "pid"); err != nil {
		h.fail(w, r, err)
		return
	}
	p.F.Set("product_id", strconv.FormatInt(b.ProductID, 10))
	if err = d.err(); err == nil {
		if b.ID == 0 {
			err = h.d.Products.CreateBatch(r.Context(), b, web.Actor(r))
		} else {
			err = h.d.Products.UpdateBatch(r.Context(), b, web.Actor(r))
		}
	}
	if err != nil {
		if showable(p, err) {
			h.renderBatchForm(w, r, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/products/"+strconv.FormatInt(b.ProductID, 10)+"#batches", http.StatusSeeOther)
}
