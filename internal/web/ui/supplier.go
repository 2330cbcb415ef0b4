package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/product"
	"kesu/internal/web"
)

// supplierList lists suppliers.
func (h *handler) supplierList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.suppliers")
	p.Nav = "suppliers"
	list, err := h.d.Products.ListSuppliers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = list
	h.render(w, http.StatusOK, "staff", "supplier_list", p)
}

// supplierForm shows a new supplier form or supplier {id}.
func (h *handler) supplierForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.supplier_new")
	p.Nav = "suppliers"
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		s, err := h.d.Products.GetSupplier(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.supplier_edit")
		p.F = url.Values{"id": {strconv.FormatInt(s.ID, 10)}, "version": {strconv.Itoa(s.Version)}, "code": {s.Code},
			"name": {s.Name}, "contact": {s.Contact}, "phone": {s.Phone}, "email": {s.Email}}
	}
	h.render(w, http.StatusOK, "staff", "supplier_form", p)
}

// supplierSave creates or updates a supplier.
func (h *handler) supplierSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.supplier_new")
	p.Nav = "suppliers"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	s := &product.Supplier{Code: d.str("code"), Name: d.str("name"), Contact: d.str("contact"), Phone: d.str("phone"), Email: d.str("email")}
	var err error
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.supplier_edit")
		if s.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		p.F.Set("id", r.PathValue("id"))
		s.Version, _ = strconv.Atoi(d.str("version"))
		err = h.d.Products.UpdateSupplier(r.Context(), s, web.Actor(r))
	} else {
		err = h.d.Products.CreateSupplier(r.Context(), s, web.Actor(r))
	}
	if err != nil {
		if showable(p, err) {
			h.render(w, web.Status(apperr.CodeOf(err)), "staff", "supplier_form", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/suppliers", http.StatusSeeOther)
}
