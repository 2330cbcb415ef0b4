package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/web"
)

// userList lists staff accounts (administrators only).
func (h *handler) userList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.users")
	p.Nav = "users"
	users, err := h.d.Org.ListUsers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = users
	h.render(w, http.StatusOK, "staff", "user_list", p)
}

// userForm shows a new account form or account {id}.
func (h *handler) userForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.user_new")
	p.Nav = "users"
	p.F = url.Values{"role": {org.RoleAgent}, "lang": {"zh"}}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u, err := h.d.Org.GetUser(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.user_edit")
		p.F = url.Values{"id": {strconv.FormatInt(u.ID, 10)}, "version": {strconv.Itoa(u.Version)}, "username": {u.Username},
			"name": {u.Name}, "email": {u.Email}, "phone": {u.Phone}, "role": {u.Role},
			"department_id": {formatID(u.DepartmentID)}, "lang": {u.Lang}}
		if u.Disabled {
			p.F.Set("disabled", "on")
		}
	}
	h.renderUserForm(w, r, p, http.StatusOK)
}

func (h *handler) renderUserForm(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ds, err := h.d.Org.ListDepartments(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = deptTree(ds)
	p.F.Del("password") // never echo a password back
	h.render(w, status, "staff", "user_form", p)
}

// userSave creates an account or updates one; a password given on the edit
// form replaces the old one.
func (h *handler) userSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.user_new")
	p.Nav = "users"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	u := &org.User{Username: d.str("username"), Name: d.str("name"), Email: d.str("email"), Phone: d.str("phone"),
		Role: d.str("role"), DepartmentID: d.int("department_id"), Lang: d.str("lang"), Disabled: d.bool("disabled")}
	pw := r.PostForm.Get("password")
	ctx, actor := r.Context(), web.Actor(r)
	var err error
	var old *org.User
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.user_edit")
		if u.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		if old, err = h.d.Org.GetUser(ctx, u.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		u.Username = old.Username // user names do not change
		p.F.Set("id", r.PathValue("id"))
		p.F.Set("username", old.Username)
		u.Version, _ = strconv.Atoi(d.str("version"))
	}
	if pw != "" || u.ID == 0 {
		if perr := auth.ValidatePassword(pw); perr != nil {
			formErrors(p, perr)
		}
	}
	err = d.err()
	if err == nil && len(p.Errs) == 0 {
		if u.ID == 0 {
			err = h.d.Org.CreateUser(ctx, u, auth.HashPassword(pw), actor)
		} else if err = h.d.Org.UpdateUser(ctx, u, actor); err == nil && pw != "" {
			var keep auth.Keep
			if u.ID == web.PrincipalOf(r).User.ID {
				keep = web.Keep(r) // resetting one's own: this session stays
			}
			err = h.d.Auth.SetPassword(ctx, u.ID, pw, keep, actor)
		}
	} else if err == nil {
		// Report the other fields' problems together with the password's.
		err = org.ValidateUser(u)
	}
	if err != nil || len(p.Errs) > 0 {
		if err == nil || showable(p, err) {
			selfLockoutField(p, u, old)
			h.renderUserForm(w, r, p, http.StatusUnprocessableEntity)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

// selfLockoutField shows the refusal of administrators disabling or
// demoting themselves (reported on the account, field "id") beside the
// field they changed.
func selfLockoutField(p *page, u, old *org.User) {
	msg, ok := p.Errs["id"]
	if !ok || old == nil {
		return
	}
	if u.Role != old.Role {
		p.Errs["role"] = msg
	} else {
		p.Errs["disabled"] = msg
	}
}
