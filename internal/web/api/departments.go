package api

import (
	"net/http"

	"kesu/internal/org"
	"kesu/internal/web"
)

// departmentInput is the writable part of a department (SPEC ORG-1).
type departmentInput struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	NameEN    string `json:"name_en"`
	ParentID  *int64 `json:"parent_id"`
	ManagerID *int64 `json:"manager_id"`
	DeputyID  *int64 `json:"deputy_id"`
	Sort      int    `json:"sort"`
}

type departmentPatch struct {
	departmentInput
	Version *int `json:"version"`
}

func (in departmentInput) apply(d *org.Department) {
	d.Code, d.Name, d.NameEN, d.ParentID, d.ManagerID, d.DeputyID, d.Sort =
		in.Code, in.Name, in.NameEN, in.ParentID, in.ManagerID, in.DeputyID, in.Sort
}

func (a *api) listDepartments(w http.ResponseWriter, r *http.Request) {
	ds, err := a.d.Org.ListDepartments(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if ds == nil {
		ds = []org.Department{}
	}
	web.WriteJSON(w, http.StatusOK, listResponse[org.Department]{Items: ds})
}

func (a *api) createDepartment(w http.ResponseWriter, r *http.Request) {
	var in departmentInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var d org.Department
	in.apply(&d)
	if err := a.d.Org.CreateDepartment(r.Context(), &d, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeDepartment(w, r, http.StatusCreated, d.ID)
}

func (a *api) writeDepartment(w http.ResponseWriter, r *http.Request, status int, id int64) {
	d, err := a.d.Org.GetDepartment(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, d)
}

func (a *api) getDepartment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeDepartment(w, r, http.StatusOK, id)
}

func (a *api) patchDepartment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	d, err := a.d.Org.GetDepartment(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	in := departmentPatch{departmentInput: departmentInput{Code: d.Code, Name: d.Name, NameEN: d.NameEN,
		ParentID: d.ParentID, ManagerID: d.ManagerID, DeputyID: d.DeputyID, Sort: d.Sort}}
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	in.apply(d)
	d.Version = *in.Version
	if err := a.d.Org.UpdateDepartment(r.Context(), d, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeDepartment(w, r, http.StatusOK, id)
}

func (a *api) deleteDepartment(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, a.d.Org.DeleteDepartment)
}
