package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/web"
)

// accountData is what the account page shows: the user's API tokens and,
// once after making one, its secret.
type accountData struct {
	MustChange bool
	Tokens     []tokenView
	Secret     string
}

// tokenView is a token with its state at the time of the page: active,
// expired or revoked.
type tokenView struct {
	auth.Token
	State string
}

func tokenViews(ts []auth.Token, now time.Time) []tokenView {
	out := make([]tokenView, len(ts))
	for i, t := range ts {
		st := "active"
		switch {
		case t.RevokedAt != nil:
			st = "revoked"
		case !t.Active(now):
			st = "expired"
		}
		out[i] = tokenView{Token: t, State: st}
	}
	return out
}

// account is the signed-in user's own page: change the password, make,
// list and revoke their API tokens. A session that must change a
// generated password is sent here and may do nothing else.
func (h *handler) account(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "sec.account")
	h.renderAccount(w, r, p, http.StatusOK, "")
}

func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, p *page, status int, secret string) {
	p.Nav = "account"
	pr := web.PrincipalOf(r)
	d := accountData{MustChange: pr.Session != nil && pr.Session.MustChange, Secret: secret}
	if d.MustChange && p.Error == "" && len(p.Errs) == 0 {
		p.Error = web.T(p.L, "sec.must_change")
	}
	if !d.MustChange {
		ts, err := h.d.Auth.Store.ListTokens(r.Context(), pr.User.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Tokens = tokenViews(ts, h.d.Now())
	}
	p.D = d
	h.render(w, status, "staff", "account", p)
}

// accountPassword changes the user's own password; their other sessions
// and API tokens end, this session stays.
func (h *handler) accountPassword(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "sec.account")
	err := h.d.Auth.ChangeOwnPassword(r.Context(), web.PrincipalOf(r).User, r.PostFormValue("current_password"),
		r.PostFormValue("new_password"), web.Keep(r), web.Actor(r))
	if err != nil {
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.renderAccount(w, r, p, http.StatusUnprocessableEntity, "")
		return
	}
	if web.PrincipalOf(r).Session.MustChange {
		http.Redirect(w, r, "/complaints", http.StatusSeeOther)
		return
	}
	p.Flash = web.T(p.L, "sec.password_changed")
	h.renderAccount(w, r, p, http.StatusOK, "")
}

// accountTokenCreate makes an API token of the user, valid for the days
// given (none: no expiry), and shows its secret once.
func (h *handler) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "sec.account")
	var until time.Time
	if s := strings.TrimSpace(r.PostFormValue("expires_days")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3650 {
			var v apperr.Validation
			v.Add("expires_days", "out_of_range", "1–3650")
			formErrors(p, v.Err())
			p.F.Set("name", r.PostFormValue("name"))
			p.F.Set("expires_days", s)
			h.renderAccount(w, r, p, http.StatusUnprocessableEntity, "")
			return
		}
		until = h.d.Now().Add(time.Duration(n) * 24 * time.Hour)
	}
	secret, _, err := h.d.Auth.CreateTokenUntil(r.Context(), web.PrincipalOf(r).User.ID, r.PostFormValue("name"), until, web.Actor(r))
	if err != nil {
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.renderAccount(w, r, p, http.StatusUnprocessableEntity, "")
		return
	}
	p.Flash = web.T(p.L, "sec.token_made")
	h.renderAccount(w, r, p, http.StatusCreated, secret)
}

// accountTokenRevoke ends one of the user's own tokens at once.
func (h *handler) accountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = h.d.Auth.RevokeToken(r.Context(), id, web.PrincipalOf(r).User.ID, web.Actor(r))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account#tokens", http.StatusSeeOther)
}

// tokensAdmin lists every user's API tokens; administrators revoke them.
func (h *handler) tokensAdmin(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "sec.tokens_all")
	p.Nav = "tokens"
	ts, err := h.d.Auth.Store.ListTokens(r.Context(), 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = accountData{Tokens: tokenViews(ts, h.d.Now())}
	h.render(w, http.StatusOK, "staff", "tokens_admin", p)
}

// tokenRevokeAdmin ends any user's token.
func (h *handler) tokenRevokeAdmin(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = h.d.Auth.RevokeToken(r.Context(), id, 0, web.Actor(r))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}
