package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/org"
)

// The account form refuses an administrator disabling or demoting
// themselves, beside the field they changed, and writes nothing; a user
// disabled through the form is refused on their API token at once.
func TestUserFormSelfLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csrf := e.login("admin", adminPassword)
	admin, err := e.app.Deps.Org.GetUserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	self := "/users/" + strconv.FormatInt(admin.ID, 10)
	form := func(role string, disabled bool) url.Values {
		f := url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(admin.Version)}, "name": {admin.Name},
			"role": {role}, "lang": {"zh"}}
		if disabled {
			f.Set("disabled", "on")
		}
		return f
	}
	const refusal = `<span class="ferr">不能停用自己或更改自己的角色</span>`
	resp, body := e.post(self, form(org.RoleAgent, false))
	expect(t, resp, body, http.StatusUnprocessableEntity, `<div class="field has-err">`+"\n"+`<label for="f-role">`, refusal)
	resp, body = e.post(self, form(org.RoleAdmin, true))
	expect(t, resp, body, http.StatusUnprocessableEntity, refusal)
	after, err := e.app.Deps.Org.GetUser(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != admin.Version || after.Role != org.RoleAdmin || after.Disabled {
		t.Errorf("a refused change was written: %+v", after)
	}
	// Their own name they may change.
	f := form(org.RoleAdmin, false)
	f.Set("name", "管理员甲")
	resp, body = e.post(self, f)
	expect(t, resp, body, http.StatusSeeOther)

	// Another account, disabled on the form, loses its API token at once.
	u := &org.User{Username: "api.client", Name: "接口账号", Role: org.RoleAgent, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, u, "!", audit.System); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.app.Deps.Auth.CreateToken(ctx, u.ID, "test", audit.System)
	if err != nil {
		t.Fatal(err)
	}
	me := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := me(); s != http.StatusOK {
		t.Fatalf("token before: %d", s)
	}
	resp, body = e.post("/users/"+strconv.FormatInt(u.ID, 10), url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(u.Version)},
		"name": {u.Name}, "role": {u.Role}, "lang": {"zh"}, "disabled": {"on"}})
	expect(t, resp, body, http.StatusSeeOther)
	if s := me(); s != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: %d, want 401", s)
	}
}
