package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/privacy"
	"kesu/internal/web"
)

// privacyView is the erasure page's data.
type privacyView struct {
	RetentionDays int
	Result        *privacy.Result
}

// privacyPage shows the erasure form and the retention setting (SEC-2).
func (h *handler) privacyPage(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.privacy")
	p.Nav = "privacy"
	p.D = privacyView{RetentionDays: h.d.Privacy.RetentionDays}
	h.render(w, http.StatusOK, "staff", "privacy", p)
}

// privacyErase erases the personal data of one closed complaint or one
// customer through the privacy service and shows what it did.
func (h *handler) privacyErase(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.privacy")
	p.Nav = "privacy"
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Invalid, err, "bad form"))
		return
	}
	p.F = r.PostForm
	v := privacyView{RetentionDays: h.d.Privacy.RetentionDays}
	req := privacy.Request{Number: r.PostForm.Get("number"), Reason: r.PostForm.Get("reason")}
	var err error
	if s := strings.TrimSpace(r.PostForm.Get("customer_id")); s != "" {
		req.CustomerID, err = strconv.ParseInt(s, 10, 64)
		if err != nil || req.CustomerID <= 0 {
			err = &apperr.Error{Code: apperr.Invalid, Message: "validation failed",
				Fields: []apperr.FieldError{{Field: "customer_id", Rule: "invalid_value"}}}
		}
	}
	if err == nil {
		v.Result, err = h.d.Privacy.Erase(r.Context(), req, web.Actor(r))
	}
	if err != nil {
		status := web.Status(apperr.CodeOf(err))
		if apperr.Is(err, apperr.NotFound) {
			// An unknown number or customer is a mistake in the form.
			var ae *apperr.Error
			if errors.As(err, &ae) {
				for _, f := range ae.Fields {
					p.Errs[f.Field] = web.T(p.L, "rule."+f.Rule, f.Param)
				}
			}
			p.Error = web.Localize(err, p.L).Error.Message
		} else if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		v.Result = nil
		p.D = v
		h.render(w, status, "staff", "privacy", p)
		return
	}
	p.F = nil
	p.Flash = web.T(p.L, "ui.privacy.done", strconv.Itoa(len(v.Result.Complaints)))
	p.D = v
	h.render(w, http.StatusOK, "staff", "privacy", p)
}
