package api

import (
	"net/http"

	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/enum"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/web"
)

// allPermissions lists the permissions /me reports on.
var allPermissions = []auth.Permission{
	auth.ComplaintRead, auth.ComplaintCreate, auth.ComplaintUpdate, auth.RegisterRead, auth.RegisterWrite,
	auth.OrgWrite, auth.AuditRead, auth.PersonalData, auth.Export, auth.ExportPersonal,
}

// meResponse is the signed-in user and what they may do.
type meResponse struct {
	User        *org.User         `json:"user"`
	Permissions []auth.Permission `json:"permissions"`
	Lang        string            `json:"lang"`
	// CSRFToken is set for cookie sessions: state-changing requests must
	// send it in X-CSRF-Token.
	CSRFToken string `json:"csrf_token,omitempty"`
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r)
	resp := meResponse{User: p.User, Permissions: []auth.Permission{}, Lang: web.Lang(r)}
	for _, perm := range allPermissions {
		if auth.Can(p.User.Role, perm) {
			resp.Permissions = append(resp.Permissions, perm)
		}
	}
	if p.Session != nil {
		resp.CSRFToken = p.Session.CSRF
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// enumsResponse lists every stored enumeration with its labels.
type enumsResponse struct {
	Channels        enum.Set `json:"channels"`
	Severities      enum.Set `json:"severities"`
	Requests        enum.Set `json:"requests"`
	Statuses        enum.Set `json:"statuses"`
	CustomerClasses enum.Set `json:"customer_classes"`
	Regions         enum.Set `json:"regions"`
	Roles           enum.Set `json:"roles"`
	BatchStatuses   enum.Set `json:"batch_statuses"`
	Sorts           []string `json:"sorts"`
}

func (a *api) enums(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, enumsResponse{
		Channels: complaint.Channels, Severities: complaint.Severities, Requests: complaint.Requests,
		Statuses: complaint.Statuses, CustomerClasses: customer.Classes, Regions: customer.Regions,
		Roles: org.Roles, BatchStatuses: product.BatchStatuses, Sorts: complaint.Sorts,
	})
}

func (a *api) categories(w http.ResponseWriter, r *http.Request) {
	cs, err := a.d.ComplaintStore.Categories(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, listResponse[complaint.Category]{Items: cs})
}
