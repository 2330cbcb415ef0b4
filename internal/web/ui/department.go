package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/org"
	"kesu/internal/web"
)

// departmentList shows the department tree with managers and deputies.
func (h *handler) departmentList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.departments")
	p.Nav = "departments"
	ds, err := h.d.Org.ListDepartments(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = deptTree(ds)
	h.render(w, http.StatusOK, "staff", "department_list", p)
}

// departmentForm shows a new department form or department {id}.
func (h *handler) departmentForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.department_new")
	p.Nav = "departments"
	p.F = url.Values{"sort": {"100"}}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d, err := h.d.Org.GetDepartment(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.department_edit")
		p.F = url.Values{"id": {strconv.FormatInt(d.ID, 10)}, "version": {strconv.Itoa(d.Version)}, "code": {d.Code},
			"name": {d.Name}, "name_en": {d.NameEN}, "parent_id": {formatID(d.ParentID)},
			"manager_id": {formatID(d.ManagerID)}, "deputy_id": {formatID(d.DeputyID)}, "sort": {strconv.Itoa(d.Sort)}}
	}
	h.renderDepartmentForm(w, r, p, http.StatusOK)
}

func (h *handler) renderDepartmentForm(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ds, err := h.d.Org.ListDepartments(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, err := h.d.Org.ListUsers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = struct {
		Departments []deptNode
		Users       []org.User
	}{deptTree(ds), users}
	h.render(w, status, "staff", "department_form", p)
}

// departmentSave creates or updates a department.
func (h *handler) departmentSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.department_new")
	p.Nav = "departments"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	dep := &org.Department{Code: d.str("code"), Name: d.str("name"), NameEN: d.str("name_en"),
		ParentID: d.int("parent_id"), ManagerID: d.int("manager_id"), DeputyID: d.int("deputy_id")}
	if s := d.int("sort"); s != nil {
		dep.Sort = int(*s)
	}
	var err error
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.department_edit")
		if dep.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		p.F.Set("id", r.PathValue("id"))
		dep.Version, _ = strconv.Atoi(d.str("version"))
	}
	if err = d.err(); err == nil {
		if dep.ID == 0 {
			err = h.d.Org.CreateDepartment(r.Context(), dep, web.Actor(r))
		} else {
			err = h.d.Org.UpdateDepartment(r.Context(), dep, web.Actor(r))
		}
	}
	if err != nil {
		if showable(p, err) {
			h.renderDepartmentForm(w, r, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/departments", http.StatusSeeOther)
}
