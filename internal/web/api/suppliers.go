package api

import (
	"net/http"

	"kesu/internal/product"
	"kesu/internal/web"
)

// supplierInput is the writable part of a supplier (SPEC ORG-2).
type supplierInput struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
}

type supplierPatch struct {
	supplierInput
	Version *int `json:"version"`
}

func (in supplierInput) apply(s *product.Supplier) {
	s.Code, s.Name, s.Contact, s.Phone, s.Email = in.Code, in.Name, in.Contact, in.Phone, in.Email
}

func (a *api) listSuppliers(w http.ResponseWriter, r *http.Request) {
	ss, err := a.d.Products.ListSuppliers(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if ss == nil {
		ss = []product.Supplier{}
	}
	web.WriteJSON(w, http.StatusOK, listResponse[product.Supplier]{Items: ss})
}

func (a *api) createSupplier(w http.ResponseWriter, r *http.Request) {
	var in supplierInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var s product.Supplier
	in.apply(&s)
	if err := a.d.Products.CreateSupplier(r.Context(), &s, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, s)
}

func (a *api) getSupplier(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	s, err := a.d.Products.GetSupplier(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, s)
}

func (a *api) patchSupplier(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	s, err := a.d.Products.GetSupplier(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	in := supplierPatch{supplierInput: supplierInput{Code: s.Code, Name: s.Name, Contact: s.Contact, Phone: s.Phone, Email: s.Email}}
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	in.apply(s)
	s.Version = *in.Version
	if err := a.d.Products.UpdateSupplier(r.Context(), s, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, s)
}

func (a *api) deleteSupplier(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, a.d.Products.DeleteSupplier)
}
