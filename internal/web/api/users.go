package api

import (
	"net/http"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/web"
)

// userInput is the writable part of a staff user (SPEC SEC-1). The
// password is write-only: required on creation, optional on update.
type userInput struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Role         string `json:"role"`
	DepartmentID *int64 `json:"department_id"`
	Lang         string `json:"lang"`
	Disabled     bool   `json:"disabled"`
	Password     string `json:"password"`
}

type userCreate struct {
	Username string `json:"username"`
	userInput
}

// userPatch changes a user; the username never changes.
type userPatch struct {
	userInput
	Version *int `json:"version"`
}

func (in userInput) apply(u *org.User) {
	u.Name, u.Email, u.Phone, u.Role, u.DepartmentID, u.Lang, u.Disabled =
		in.Name, in.Email, in.Phone, in.Role, in.DepartmentID, in.Lang, in.Disabled
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := a.d.Org.ListUsers(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if us == nil {
		us = []org.User{}
	}
	web.WriteJSON(w, http.StatusOK, listResponse[org.User]{Items: us})
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) {
	var in userCreate
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	u := org.User{Username: in.Username}
	in.apply(&u)
	// Check the record and the password together, so one answer lists all.
	var v apperr.Validation
	for _, err := range []error{org.ValidateUser(&u), auth.ValidatePassword(in.Password)} {
		if ae, ok := err.(*apperr.Error); ok {
			for _, f := range ae.Fields {
				v.Add(f.Field, f.Rule, f.Param)
			}
		}
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Org.CreateUser(r.Context(), &u, auth.HashPassword(in.Password), actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeUser(w, r, http.StatusCreated, u.ID)
}

func (a *api) writeUser(w http.ResponseWriter, r *http.Request, status int, id int64) {
	u, err := a.d.Org.GetUser(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, u)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeUser(w, r, http.StatusOK, id)
}

func (a *api) patchUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	u, err := a.d.Org.GetUser(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	in := userPatch{userInput: userInput{Name: u.Name, Email: u.Email, Phone: u.Phone, Role: u.Role,
		DepartmentID: u.DepartmentID, Lang: u.Lang, Disabled: u.Disabled}}
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.Password != "" {
		if err := auth.ValidatePassword(in.Password); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	in.apply(u)
	u.Version = *in.Version
	if err := a.d.Org.UpdateUser(r.Context(), u, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.Password != "" {
		var keep auth.Keep
		if id == web.PrincipalOf(r).User.ID {
			keep = web.Keep(r) // resetting one's own: this request stays signed in
		}
		if err := a.d.Auth.SetPassword(r.Context(), id, in.Password, keep, actor(r)); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	a.writeUser(w, r, http.StatusOK, id)
}

// deleteUser disables the user: users stay on record because complaints,
// timelines and the audit log name them.
func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Org.DisableUser(r.Context(), id, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
