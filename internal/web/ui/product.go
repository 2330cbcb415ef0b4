package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/product"
	"kesu/internal/web"
)

// productList lists the product catalogue with a search.
func (h *handler) productList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.products")
	p.Nav = "products"
	p.F = r.URL.Query()
	list, err := h.d.Products.ListProducts(r.Context(), p.F.Get("q"), 500, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = list
	h.render(w, http.StatusOK, "staff", "product_list", p)
}

// productForm shows a new product form, or product {id} with its batches.
func (h *handler) productForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.product_new")
	p.Nav = "products"
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		pr, err := h.d.Products.GetProduct(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.product_edit")
		p.F = url.Values{"id": {strconv.FormatInt(pr.ID, 10)}, "version": {strconv.Itoa(pr.Version)},
			"code": {pr.Code}, "name": {pr.Name}, "model": {pr.Model}, "line": {pr.Line}}
	}
	h.renderProductForm(w, r, p, http.StatusOK)
}

func (h *handler) renderProductForm(w http.ResponseWriter, r *http.Request, p *page, status int) {
	var batches []product.Batch
	if id, err := strconv.ParseInt(p.F.Get("id"), 10, 64); err == nil && id > 0 {
		if batches, err = h.d.Products.ListBatches(r.Context(), id, "", 500, 0); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p.D = batches
	h.render(w, status, "staff", "product_form", p)
}

// productSave creates or updates a product.
func (h *handler) productSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.product_new")
	p.Nav = "products"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	pr := &product.Product{Code: d.str("code"), Name: d.str("name"), Model: d.str("model"), Line: d.str("line")}
	var err error
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.product_edit")
		if pr.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		p.F.Set("id", r.PathValue("id"))
		pr.Version, _ = strconv.Atoi(d.str("version"))
		err = h.d.Products.UpdateProduct(r.Context(), pr, web.Actor(r))
	} else {
		err = h.d.Products.CreateProduct(r.Context(), pr, web.Actor(r))
	}
	if err != nil {
		if showable(p, err) {
			h.renderProductForm(w, r, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/products/"+strconv.FormatInt(pr.ID, 10), http.StatusSeeOther)
}
