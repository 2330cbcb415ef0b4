package api

import (
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/web"
)

// passwordRequest changes the signed-in user's own password.
type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets the caller's own password; their other sessions and
// tokens end, the session or token of this request stays.
func (a *api) changePassword(w http.ResponseWriter, r *http.Request) {
	var in passwordRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Auth.ChangeOwnPassword(r.Context(), web.PrincipalOf(r).User, in.CurrentPassword, in.NewPassword, web.Keep(r), actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// tokenList is a page of API tokens.
type tokenList struct {
	Items []auth.Token `json:"items"`
}

// tokenCreate asks for a new API token of the caller: a label and, if it
// is to expire, when (expires_at) or in how many days (expires_in_days).
type tokenCreate struct {
	Name          string     `json:"name"`
	ExpiresAt     *time.Time `json:"expires_at"`
	ExpiresInDays *int       `json:"expires_in_days"`
}

// tokenCreated is a new token with its secret, shown this once.
type tokenCreated struct {
	auth.Token
	Secret string `json:"token"`
}

// myTokens lists the caller's API tokens, revoked and expired ones too.
func (a *api) myTokens(w http.ResponseWriter, r *http.Request) {
	a.writeTokens(w, r, web.PrincipalOf(r).User.ID)
}

// allTokens lists every user's tokens (or one user's: user_id).
func (a *api) allTokens(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	uid := q.id("user_id")
	if err := q.v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var id int64
	if uid != nil {
		id = *uid
	}
	a.writeTokens(w, r, id)
}

func (a *api) writeTokens(w http.ResponseWriter, r *http.Request, userID int64) {
	ts, err := a.d.Auth.Store.ListTokens(r.Context(), userID)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if ts == nil {
		ts = []auth.Token{}
	}
	web.WriteJSON(w, http.StatusOK, tokenList{Items: ts})
}

// createMyToken makes an API token for the caller.
func (a *api) createMyToken(w http.ResponseWriter, r *http.Request) {
	var in tokenCreate
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var until time.Time
	switch {
	case in.ExpiresAt != nil && in.ExpiresInDays != nil:
		var v apperr.Validation
		v.Add("expires_in_days", "one_of_expiry", "")
		web.WriteError(w, r, v.Err())
		return
	case in.ExpiresAt != nil:
		until = *in.ExpiresAt
	case in.ExpiresInDays != nil:
		if *in.ExpiresInDays < 1 || *in.ExpiresInDays > 3650 {
			var v apperr.Validation
			v.Add("expires_in_days", "out_of_range", "1–3650")
			web.WriteError(w, r, v.Err())
			return
		}
		until = a.d.Now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
	}
	secret, t, err := a.d.Auth.CreateTokenUntil(r.Context(), web.PrincipalOf(r).User.ID, in.Name, until, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	t.Username = web.PrincipalOf(r).User.Username
	w.Header().Set("Location", Prefix+"/me/tokens")
	web.WriteJSON(w, http.StatusCreated, tokenCreated{Token: *t, Secret: secret})
}

// revokeMyToken ends one of the caller's tokens at once.
func (a *api) revokeMyToken(w http.ResponseWriter, r *http.Request) {
	a.revoke(w, r, web.PrincipalOf(r).User.ID)
}

// revokeToken ends any user's token (administrators).
func (a *api) revokeToken(w http.ResponseWriter, r *http.Request) {
	a.revoke(w, r, 0)
}

func (a *api) revoke(w http.ResponseWriter, r *http.Request, owner int64) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Auth.RevokeToken(r.Context(), id, owner, actor(r)); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			err = apperr.New(apperr.NotFound, "token %s not found", strconv.FormatInt(id, 10))
		}
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
