package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/mailin"
	"kesu/internal/web"
)

// mailAdmin shows the mail intake: the SMTP receiver and IMAP pollers of
// this server, the mailboxes' places, the outcome counts, and the mail it
// could not take in (unparsed, failed) with its bytes and a retry.
func (h *handler) mailAdmin(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "mail.title")
	p.Nav = "mail"
	if h.d.Mail == nil || h.d.MailStatus == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no mail intake"))
		return
	}
	st, err := h.d.MailStatus(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := mailin.Attention
	if s := r.URL.Query().Get("status"); s != "" {
		var v apperr.Validation
		if !v.OneOf("status", s, mailin.Statuses) {
			h.fail(w, r, v.Err())
			return
		}
		status = []string{s}
	}
	items, err := h.d.Mail.List(r.Context(), mailin.Filter{Status: status, Limit: 200}, p.User.Role)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if id := r.URL.Query().Get("retried"); id != "" {
		p.Flash = web.T(p.L, "mail.retried", id, web.T(p.L, "mail.status."+r.URL.Query().Get("outcome")))
	}
	p.D = struct {
		Status   *mailin.Status
		Items    []mailin.Record
		Statuses []string
		Showing  string
		CanAct   bool
		CanRaw   bool
	}{st, items, mailin.Statuses, strings.Join(status, ","), auth.Can(p.User.Role, auth.OrgWrite), auth.Can(p.User.Role, auth.PersonalData)}
	h.render(w, http.StatusOK, "staff", "mail_admin", p)
}

// mailRetry takes an unparsed or failed mail in again.
func (h *handler) mailRetry(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.d.Mail == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no mail intake"))
		return
	}
	res, err := h.d.Mail.Retry(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mail?retried="+strconv.FormatInt(id, 10)+"&outcome="+res.Status, http.StatusSeeOther)
}

// mailRaw downloads a received mail as it came (.eml); audited.
func (h *handler) mailRaw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.d.Mail == nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "no mail intake"))
		return
	}
	m, err := h.d.Mail.Raw(r.Context(), id, web.PrincipalOf(r).User.Role)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.d.Audit.Append(r.Context(), &audit.Entry{At: h.d.Now(), Actor: web.Actor(r), Action: "mail.raw",
		Object: "mail:" + strconv.FormatInt(id, 10)}); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="mail-`+strconv.FormatInt(id, 10)+`.eml"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(m.Raw)
}
