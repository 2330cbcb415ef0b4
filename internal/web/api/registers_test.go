package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kesu/internal/org"
	"kesu/internal/web/api"
)

func TestCustomersCRUD(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		dealer := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "D-01", "name": "华南经销商", "class": "dealer",
			"phone": "13900001111", "email": "dealer@example.com"}).want(http.StatusCreated).M()
		walkin := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "W-01", "name": "散户甲", "class": "walk_in"}).
			want(http.StatusCreated).M()
		sub := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "S-01", "name": "分销商乙", "class": "sub_distributor",
			"dealer_id": dealer["id"]}).want(http.StatusCreated).M()
		if sub["dealer"] != "华南经销商" {
			t.Errorf("dealer name %v", sub["dealer"])
		}
		e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "S-02", "name": "分销商丙", "class": "sub_distributor",
			"dealer_id": walkin["id"]}).wantErr(422, "invalid", "dealer_id", "not_a_dealer")
		e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "D-01", "name": "重复", "class": "dealer"}).
			wantErr(http.StatusConflict, "conflict", "code", "duplicate")
		e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"name": "x", "class": "vip"}).wantErr(422, "invalid", "class", "invalid_value")
		e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"name": "<script>", "class": "dealer"}).
			wantErr(422, "invalid", "name", "markup_not_allowed")

		path := "/api/v1/customers/" + id(dealer)
		if g := e.get(org.RoleAuditor, path).want(http.StatusOK).M(); g["phone"] != "139****1111" || g["email"] != "d***@example.com" {
			t.Errorf("auditor sees customer contact %v %v", g["phone"], g["email"])
		}
		p := e.patch(org.RoleAgent, path, map[string]any{"version": 1, "note": "重点客户"}).want(http.StatusOK).M()
		if p["note"] != "重点客户" || p["version"] != 2.0 || p["name"] != "华南经销商" {
			t.Errorf("patched %v", p)
		}
		e.patch(org.RoleAgent, path, map[string]any{"version": 1, "note": "旧"}).wantErr(http.StatusConflict, "conflict", "", "")
		var l struct{ Items []map[string]any }
		e.get(org.RoleAgent, "/api/v1/customers?class=sub_distributor").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 || l.Items[0]["code"] != "S-01" {
			t.Errorf("filtered list %v", l.Items)
		}
		e.get(org.RoleAgent, "/api/v1/customers?q=经销").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("q=经销 found %d", len(l.Items))
		}
		// A dealer with a sub-distributor is still in use.
		e.send(req{role: org.RoleAgent, method: "DELETE", path: path}).wantErr(http.StatusConflict, "conflict", "", "")
		e.send(req{role: org.RoleAgent, method: "DELETE", path: "/api/v1/customers/" + id(sub)}).want(http.StatusNoContent)
		e.get(org.RoleAgent, "/api/v1/customers/"+id(sub)).wantErr(http.StatusNotFound, "not_found", "", "")
		e.get(org.RoleAgent, "/api/v1/customers/abc").wantErr(http.StatusNotFound, "not_found", "", "")
	})
}

func TestProductsBatchesSuppliers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := e.post(org.RoleManager, "/api/v1/products", map[string]any{"code": "RO-100", "name": "净水器", "model": "RO-100A"}).want(http.StatusCreated).M()
		e.post(org.RoleManager, "/api/v1/products", map[string]any{"code": "RO-100", "name": "又一个"}).wantErr(409, "conflict", "code", "duplicate")
		e.post(org.RoleManager, "/api/v1/products", map[string]any{"code": "bad code!", "name": "x"}).wantErr(422, "invalid", "code", "invalid_code")
		pp := e.patch(org.RoleManager, "/api/v1/products/"+id(p), map[string]any{"version": 1, "line": "家用"}).want(http.StatusOK).M()
		if pp["line"] != "家用" || pp["model"] != "RO-100A" {
			t.Errorf("patched product %v", pp)
		}

		s := e.post(org.RoleManager, "/api/v1/suppliers", map[string]any{"code": "SUP1", "name": "膜片供应商"}).want(http.StatusCreated).M()
		e.post(org.RoleManager, "/api/v1/suppliers", map[string]any{"code": "SUP1", "name": "重复"}).wantErr(409, "conflict", "code", "duplicate")
		e.patch(org.RoleManager, "/api/v1/suppliers/"+id(s), map[string]any{"version": 1, "phone": "021-12345678"}).want(http.StatusOK)

		b := e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L2026-001", "produced_on": "2026-01-15",
			"quantity": 500, "supplier_id": s["id"]}).want(http.StatusCreated).M()
		if b["produced_on"] != "2026-01-15" || b["status"] != "normal" || b["product"] != "净水器" {
			t.Errorf("batch %v", b)
		}
		e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L2", "quantity": -1}).
			wantErr(422, "invalid", "quantity", "negative")
		e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L2", "produced_on": "15/01/2026"}).
			wantErr(422, "invalid", "produced_on", "invalid_date")
		e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": 9999, "lot_no": "L2"}).wantErr(422, "invalid", "product_id", "not_found")
		e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L2026-001"}).wantErr(409, "conflict", "lot_no", "duplicate")
		bp := e.patch(org.RoleManager, "/api/v1/batches/"+id(b), map[string]any{"version": 1, "status": "quarantined"}).want(http.StatusOK).M()
		if bp["status"] != "quarantined" || bp["produced_on"] != "2026-01-15" {
			t.Errorf("patched batch %v", bp)
		}
		e.patch(org.RoleManager, "/api/v1/batches/"+id(b), map[string]any{"version": 2, "status": "lost"}).wantErr(422, "invalid", "status", "invalid_value")
		var l struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/batches?status=quarantined&product_id="+id(p)).want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("batches %v", l.Items)
		}
		e.get(org.RoleAuditor, "/api/v1/batches?status=lost").wantErr(422, "invalid", "status", "invalid_value")
		e.get(org.RoleAuditor, "/api/v1/products?q=净水").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("products %v", l.Items)
		}
		e.get(org.RoleAuditor, "/api/v1/suppliers").want(http.StatusOK)

		e.send(req{role: org.RoleManager, method: "DELETE", path: "/api/v1/products/" + id(p)}).wantErr(409, "conflict", "", "")
		e.send(req{role: org.RoleManager, method: "DELETE", path: "/api/v1/batches/" + id(b)}).want(http.StatusNoContent)
		e.send(req{role: org.RoleManager, method: "DELETE", path: "/api/v1/products/" + id(p)}).want(http.StatusNoContent)
		e.send(req{role: org.RoleManager, method: "DELETE", path: "/api/v1/suppliers/" + id(s)}).want(http.StatusNoContent)
		e.get(org.RoleManager, "/api/v1/products/"+id(p)).wantErr(404, "not_found", "", "")
	})
}

func TestDepartmentsAndUsers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		d := e.post(org.RoleAdmin, "/api/v1/departments", map[string]any{"code": "aftersales", "name": "售后部", "name_en": "After-sales",
			"manager_id": e.users[org.RoleManager].ID}).want(http.StatusCreated).M()
		if d["manager"] == "" || d["manager"] == nil {
			t.Errorf("manager name missing: %v", d)
		}
		e.post(org.RoleAdmin, "/api/v1/departments", map[string]any{"code": "aftersales", "name": "重复"}).wantErr(409, "conflict", "code", "duplicate")
		e.post(org.RoleManager, "/api/v1/departments", map[string]any{"code": "x", "name": "x"}).wantErr(403, "forbidden", "", "")
		e.patch(org.RoleAdmin, "/api/v1/departments/"+id(d), map[string]any{"version": 1, "parent_id": d["id"]}).
			wantErr(422, "invalid", "parent_id", "self_reference")
		e.patch(org.RoleAdmin, "/api/v1/departments/"+id(d), map[string]any{"version": 1, "deputy_id": e.users[org.RoleAgent].ID}).want(http.StatusOK)

		u := e.post(org.RoleAdmin, "/api/v1/users", map[string]any{"username": "wang.qa", "name": "王质量", "role": "handler",
			"department_id": d["id"], "password": "correct horse battery"}).want(http.StatusCreated).M()
		if _, ok := u["password"]; ok || u["department"] != "售后部" {
			t.Errorf("user %v", u)
		}
		e.post(org.RoleAdmin, "/api/v1/users", map[string]any{"username": "wang.qa", "name": "x", "role": "agent", "password": "12345678"}).
			wantErr(409, "conflict", "username", "duplicate")
		e.post(org.RoleAdmin, "/api/v1/users", map[string]any{"username": "Bad Name", "name": "x", "role": "king", "password": "short"}).
			wantErr(422, "invalid", "role", "invalid_value")
		e.post(org.RoleAdmin, "/api/v1/users", map[string]any{"username": "ok.name", "name": "x", "role": "agent", "password": "short"}).
			wantErr(422, "invalid", "password", "too_short")
		up := e.patch(org.RoleAdmin, "/api/v1/users/"+id(u), map[string]any{"version": 1, "role": "manager", "password": "another good one"}).
			want(http.StatusOK).M()
		if up["role"] != "manager" || up["username"] != "wang.qa" {
			t.Errorf("patched user %v", up)
		}
		if _, _, _, err := e.app.Deps.Auth.Login(t.Context(), "wang.qa", "another good one", "127.0.0.1"); err != nil {
			t.Errorf("new password does not work: %v", err)
		}
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/departments/" + id(d)}).wantErr(409, "conflict", "", "")
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/users/" + id(u)}).want(http.StatusNoContent)
		if g := e.get(org.RoleAdmin, "/api/v1/users/"+id(u)).M(); g["disabled"] != true {
			t.Errorf("deleted user not disabled: %v", g)
		}
		admin := fmt.Sprint(e.users[org.RoleAdmin].ID)
		e.send(req{role: org.RoleAdmin, method: "DELETE", path: "/api/v1/users/" + admin}).wantErr(422, "invalid", "id", "self_lockout")
		var l struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/users").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 7 {
			t.Errorf("%d users", len(l.Items))
		}
	})
}

func TestMetaEndpoints(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		me := e.get(org.RoleAuditor, "/api/v1/me").want(http.StatusOK).M()
		if fmt.Sprint(me["permissions"]) != "[complaint.read register.read audit.read]" {
			t.Errorf("auditor permissions %v", me["permissions"])
		}
		en := e.get(org.RoleAgent, "/api/v1/enums").want(http.StatusOK).M()
		for _, k := range []string{"channels", "severities", "requests", "customer_classes", "regions", "roles", "batch_statuses"} {
			if l, _ := en[k].([]any); len(l) == 0 {
				t.Errorf("enum %s empty", k)
			}
		}
		if !strings.Contains(fmt.Sprint(en["channels"]), "微信") {
			t.Error("channels lack Chinese labels")
		}
		cats := e.get(org.RoleAgent, "/api/v1/categories").want(http.StatusOK).M()
		if !strings.Contains(fmt.Sprint(cats), "quality.leak") {
			t.Error("categories lack quality.leak")
		}
		v := e.get(org.RoleAuditor, "/api/v1/audit/verify").want(http.StatusOK).M()
		if v["ok"] != true {
			t.Errorf("audit chain %v", v)
		}
		e.get(org.RoleAgent, "/api/v1/audit").wantErr(403, "forbidden", "", "")
		r := e.get("", "/api/v1/nothing-here")
		r.wantErr(404, "not_found", "", "")
	})
}

func TestAuthAndRoles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("权限"))["number"].(string)
		e.get("", "/api/v1/complaints").wantErr(http.StatusUnauthorized, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/complaints", headers: map[string]string{"Authorization": "Bearer ks_wrong"}}).
			wantErr(http.StatusUnauthorized, "unauthorized", "", "")
		e.send(req{method: "GET", path: "/api/v1/complaints", headers: map[string]string{"Authorization": "Basic YWRtaW46eA=="}}).
			wantErr(http.StatusUnauthorized, "unauthorized", "", "")
		e.post(org.RoleHandler, "/api/v1/customers", map[string]any{"name": "x", "class": "dealer"}).wantErr(403, "forbidden", "", "")
		e.post(org.RoleHandler, "/api/v1/complaints", minimal("处理人不能登记")).wantErr(403, "forbidden", "", "")
		e.post(org.RoleAgent, "/api/v1/users", map[string]any{"username": "x1", "name": "x", "role": "admin", "password": "12345678"}).
			wantErr(403, "forbidden", "", "")
		// The auditor is read-only: every write route refuses it, and its
		// reads work.
		before := e.complaintCount()
		public := map[string]bool{}
		for _, rt := range api.Access() {
			public[rt.Pattern] = rt.Perm == "-"
		}
		for _, pattern := range api.Routes() {
			method, path, _ := strings.Cut(pattern, " ")
			if public[pattern] && method != "GET" {
				continue // open to anyone: taking a queue ticket
			}
			path = strings.NewReplacer("{number}", num, "{id}", "1").Replace(path)
			r := e.send(req{role: org.RoleAuditor, method: method, path: path, body: map[string]any{}})
			switch {
			case method == "GET" && strings.Contains(path, "/audit"), method == "GET" && r.Status == 200:
			case pattern == "GET /api/v1/mail/messages/{id}/raw":
				// A mail's original holds personal data, which the
				// auditor does not read (TestMailPersonalDataMasked).
			case strings.HasPrefix(path, "/api/v1/me/"):
				// Marking one's own notification read, one's own
				// password and API tokens change no record.
			case method == "GET":
				if r.Status == 403 {
					t.Errorf("auditor may not read %s", pattern)
				}
			default:
				if r.Status != 403 {
					t.Errorf("auditor %s: %d, want 403", pattern, r.Status)
				}
			}
		}
		if e.complaintCount() != before {
			t.Error("auditor wrote a complaint")
		}
	})
}

func TestSessionNeedsCSRF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sess, tok, _, err := e.app.Deps.Auth.Login(t.Context(), "admin", "admin-pass-123", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		cookie := map[string]string{"Cookie": "kesu_session=" + tok}
		me := e.send(req{method: "GET", path: "/api/v1/me", headers: cookie}).want(200).M()
		if me["csrf_token"] != sess.CSRF {
			t.Errorf("csrf token %v", me["csrf_token"])
		}
		e.send(req{method: "POST", path: "/api/v1/complaints", body: minimal("会话"), headers: cookie}).wantErr(403, "forbidden", "", "")
		cookie["X-CSRF-Token"] = sess.CSRF
		e.send(req{method: "POST", path: "/api/v1/complaints", body: minimal("会话"), headers: cookie}).want(201)
	})
}

// A user disabled or given another role through the API is refused, or
// seen in the new role, on the very next request with their token: the
// server that made the change does not keep the old user in its token
// cache.
func TestUserChangeReachesTokensAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		agent, handler, manager := e.users[org.RoleAgent], e.users[org.RoleHandler], e.users[org.RoleManager]
		path := func(u *org.User) string { return "/api/v1/users/" + fmt.Sprint(u.ID) }
		for _, role := range []string{org.RoleAgent, org.RoleHandler, org.RoleManager} {
			e.get(role, "/api/v1/me").want(http.StatusOK) // the token is now cached
		}

		e.patch(org.RoleAdmin, path(agent), map[string]any{"version": agent.Version, "disabled": true}).want(http.StatusOK)
		e.get(org.RoleAgent, "/api/v1/me").wantErr(http.StatusUnauthorized, "unauthorized", "", "")

		e.send(req{role: org.RoleAdmin, method: "DELETE", path: path(handler)}).want(http.StatusNoContent)
		e.get(org.RoleHandler, "/api/v1/me").wantErr(http.StatusUnauthorized, "unauthorized", "", "")

		e.patch(org.RoleAdmin, path(manager), map[string]any{"version": manager.Version, "role": org.RoleAuditor}).want(http.StatusOK)
		if me := e.get(org.RoleManager, "/api/v1/me").want(http.StatusOK).M(); fmt.Sprint(me["permissions"]) != "[complaint.read register.read audit.read]" {
			t.Errorf("after the change to auditor the token has %v", me["permissions"])
		}

		// Administrators may not lock themselves out on this path either,
		// and the refusal writes nothing.
		self := path(e.users[org.RoleAdmin])
		v := e.get(org.RoleAdmin, self).want(http.StatusOK).M()["version"]
		e.patch(org.RoleAdmin, self, map[string]any{"version": v, "disabled": true}).wantErr(422, "invalid", "id", "self_lockout")
		e.patch(org.RoleAdmin, self, map[string]any{"version": v, "role": org.RoleAgent}).wantErr(422, "invalid", "id", "self_lockout")
		if after := e.get(org.RoleAdmin, self).want(http.StatusOK).M(); after["version"] != v || after["role"] != org.RoleAdmin {
			t.Errorf("refused self change wrote: %v", after)
		}
	})
}
