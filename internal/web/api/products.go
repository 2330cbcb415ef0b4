package api

import (
	"net/http"

	"kesu/internal/product"
	"kesu/internal/web"
)

// productInput is the writable part of a product (SPEC ORG-2).
type productInput struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Model string `json:"model"`
	Line  string `json:"line"`
}

type productPatch struct {
	productInput
	Version *int `json:"version"`
}

func (in productInput) apply(p *product.Product) {
	p.Code, p.Name, p.Model, p.Line = in.Code, in.Name, in.Model, in.Line
}

func (a *api) listProducts(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	text := q.str("q")
	limit, offset := q.pageParams()
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	ps, err := a.d.Products.ListProducts(r.Context(), text, limit, offset)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, offsetPage(ps, limit, offset))
}

func (a *api) createProduct(w http.ResponseWriter, r *http.Request) {
	var in productInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var p product.Product
	in.apply(&p)
	if err := a.d.Products.CreateProduct(r.Context(), &p, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, p)
}

func (a *api) getProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	p, err := a.d.Products.GetProduct(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, p)
}

func (a *api) patchProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	p, err := a.d.Products.GetProduct(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	in := productPatch{productInput: productInput{Code: p.Code, Name: p.Name, Model: p.Model, Line: p.Line}}
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	in.apply(p)
	p.Version = *in.Version
	if err := a.d.Products.UpdateProduct(r.Context(), p, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, p)
}

func (a *api) deleteProduct(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, a.d.Products.DeleteProduct)
}
