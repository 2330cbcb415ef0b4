package api

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/mailin"
	"kesu/internal/web"
)

// mailList is received mail, newest first.
type mailList struct {
	Items []mailin.Record `json:"items"`
	Next  string          `json:"next,omitempty"` // the before= of the next page
}

func (a *api) mailIntake(w http.ResponseWriter, r *http.Request) bool {
	if a.d.Mail == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no mail intake"))
		return false
	}
	return true
}

// listMail lists received mail; by default those an administrator must
// look at (unparsed, failed).
func (a *api) listMail(w http.ResponseWriter, r *http.Request) {
	if !a.mailIntake(w, r) {
		return
	}
	q := query{r: r}
	status := q.list("status", mailin.Statuses)
	if len(status) == 0 {
		status = mailin.Attention
	}
	before := q.id("before")
	limit := q.num("limit", 50, 1, 500)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	f := mailin.Filter{Status: status, Limit: limit}
	if before != nil {
		f.Before = *before
	}
	items, err := a.d.Mail.List(r.Context(), f, role(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := mailList{Items: items}
	if len(items) == limit {
		out.Next = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// getMail answers one received mail (without its bytes).
func (a *api) getMail(w http.ResponseWriter, r *http.Request) {
	if !a.mailIntake(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	m, err := a.d.Mail.Get(r.Context(), id, role(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

// rawMail answers a received mail's bytes as message/rfc822; reading it
// is audited (it holds the complainant's personal data).
func (a *api) rawMail(w http.ResponseWriter, r *http.Request) {
	if !a.mailIntake(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	m, err := a.d.Mail.Raw(r.Context(), id, role(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Audit.Append(r.Context(), &audit.Entry{At: a.d.Now(), Actor: web.Actor(r), Action: "mail.raw",
		Object: "mail:" + strconv.FormatInt(id, 10)}); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="mail-`+strconv.FormatInt(id, 10)+`.eml"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(m.Raw)
}

// retryMail takes an unparsed or failed mail in again.
func (a *api) retryMail(w http.ResponseWriter, r *http.Request) {
	if !a.mailIntake(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	res, err := a.d.Mail.Retry(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res.Record)
}

// mailStatus answers the SMTP receiver and IMAP pollers of this server,
// the mailboxes' places and the outcome counts.
func (a *api) mailStatus(w http.ResponseWriter, r *http.Request) {
	if a.d.MailStatus == nil {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "no mail intake"))
		return
	}
	st, err := a.d.MailStatus(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

// role is the signed-in user's role ("" for none).
func role(r *http.Request) string {
	if pr := web.PrincipalOf(r); pr != nil {
		return pr.User.Role
	}
	return ""
}
