package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/web/api"
)

// The access matrix: every API route × every role × the relation of the
// user to the case (their own, their department's, another department's).
// The expectations are written here from the procedures (SPEC SEC-1), not
// read from internal/auth, so a change of the grants or of a handler that
// lets a role reach further than this table fails.

// scope of a role's permission, as the table below writes it.
const (
	none = iota
	own
	dep
	all
)

// spec is who may do what with cases, and how far.
var spec = map[string]map[string]int{
	org.RoleAdmin:      {"read": all, "update": none, "edit": all, "decide": none, "assign": all, "contact": none, "approve": none},
	org.RoleGM:         {"read": all, "update": all, "edit": all, "decide": all, "assign": all, "contact": all, "approve": all},
	org.RoleDeputyGM:   {"read": all, "update": all, "edit": all, "decide": all, "assign": all, "contact": all, "approve": all},
	org.RoleManager:    {"read": dep, "update": dep, "edit": dep, "decide": dep, "assign": dep, "contact": dep, "approve": dep},
	org.RoleQAEngineer: {"read": all, "update": dep, "edit": dep, "decide": dep, "assign": none, "contact": dep, "approve": none},
	org.RoleHandler:    {"read": dep, "update": dep, "edit": dep, "decide": dep, "assign": none, "contact": dep, "approve": none},
	org.RoleAgent:      {"read": all, "update": dep, "edit": dep, "decide": dep, "assign": none, "contact": all, "approve": none},
	org.RoleFinance:    {"read": all, "update": dep, "edit": none, "decide": none, "assign": none, "contact": none, "approve": none},
	org.RoleWarehouse:  {"read": dep, "update": dep, "edit": none, "decide": none, "assign": none, "contact": none, "approve": none},
	org.RoleAuditor:    {"read": all, "update": none, "edit": none, "decide": none, "assign": none, "contact": none, "approve": none},
}

// caseRoutes names, for every route on one complaint, what it does to the
// case and the body it is tried with. A route missing here fails the test:
// a new route needs its access rule written down first.
var caseRoutes = map[string]struct {
	need string
	body map[string]any
}{
	"GET /api/v1/complaints/{number}":                            {"read", nil},
	"PATCH /api/v1/complaints/{number}":                          {"edit", map[string]any{"subject": "改过的标题"}},
	"GET /api/v1/complaints/{number}/timeline":                   {"read", nil},
	"GET /api/v1/complaints/{number}/clocks":                     {"read", nil},
	"POST /api/v1/complaints/{number}/notes":                     {"update", map[string]any{"body": "备注"}},
	"GET /api/v1/complaints/{number}/attachments":                {"read", nil},
	"POST /api/v1/complaints/{number}/attachments":               {"update", nil}, // multipart, sent apart
	"GET /api/v1/complaints/{number}/case":                       {"read", nil},
	"GET /api/v1/complaints/{number}/forms/{form}":               {"read", nil},
	"POST /api/v1/complaints/{number}/actions/{action}":          {"action", map[string]any{"reason": "客户暂不方便", "reminder_date": "2099-01-01"}},
	"PATCH /api/v1/complaints/{number}/decision":                 {"decide", map[string]any{"root_cause": "待查"}},
	"POST /api/v1/complaints/{number}/capa":                      {"update", map[string]any{"kind": "containment", "description": "隔离", "owner_department_id": 1}},
	"POST /api/v1/complaints/{number}/capa/{id}/complete":        {"update", map[string]any{"evidence": "x"}},
	"POST /api/v1/complaints/{number}/capa/{id}/verify":          {"update", map[string]any{"effective": true}},
	"POST /api/v1/complaints/{number}/capa/{id}/rework":          {"update", map[string]any{"description": "x"}},
	"POST /api/v1/complaints/{number}/investigations":            {"update", map[string]any{"kind": "note", "body": "调查"}},
	"PUT /api/v1/complaints/{number}/parties":                    {"assign", map[string]any{"user_ids": []int64{}}},
	"POST /api/v1/complaints/{number}/assign":                    {"assign", map[string]any{}},
	"POST /api/v1/complaints/{number}/memos":                     {"update", map[string]any{"body": "签呈"}},
	"POST /api/v1/complaints/{number}/survey-link":               {"update", nil},
	"GET /api/v1/complaints/{number}/duplicates":                 {"read", nil},
	"POST /api/v1/complaints/{number}/links":                     {"update", map[string]any{"kind": "repeat"}},
	"POST /api/v1/complaints/{number}/merge":                     {"update", map[string]any{"into": "KS-00000000-0000"}},
	"POST /api/v1/complaints/{number}/representative":            {"update", map[string]any{"note": "代表性问题"}},
	"GET /api/v1/complaints/{number}/money":                      {"read", nil},
	"PUT /api/v1/complaints/{number}/loss":                       {"decide", map[string]any{"parts": "10.00"}},
	"PUT /api/v1/complaints/{number}/penalty":                    {"decide", map[string]any{"lines": []map[string]any{{"department_id": 1, "kind": "penalty", "amount": "10.00"}}}},
	"POST /api/v1/complaints/{number}/penalty/approve":           {"decide", map[string]any{}},
	"PUT /api/v1/complaints/{number}/credit-note":                {"decide", map[string]any{"reason": "折让", "receivables": []map[string]any{{"ref": "INV-1", "amount": "10.00"}}}},
	"POST /api/v1/complaints/{number}/credit-note/issue":         {"decide", map[string]any{}},
	"POST /api/v1/complaints/{number}/credit-note/sign":          {"update", map[string]any{"attachment_id": 1}},
	"GET /api/v1/complaints/{number}/return":                     {"read", nil},
	"PUT /api/v1/complaints/{number}/return":                     {"approve", map[string]any{"reason": "外观不良", "handling": "repair", "approved_qty": 2}},
	"POST /api/v1/complaints/{number}/return/receive":            {"update", map[string]any{"received_qty": 2, "signer": "仓管员"}},
	"POST /api/v1/complaints/{number}/return/steps":              {"update", map[string]any{"step": "inbound"}},
	"GET /api/v1/complaints/{number}/parts":                      {"read", nil},
	"POST /api/v1/complaints/{number}/parts":                     {"update", map[string]any{"part": "滤芯", "qty": 1, "unit_price": "10.00", "in_warranty": true}},
	"POST /api/v1/complaints/{number}/clocks/{policy}/extension": {"update", map[string]any{"consent": map[string]any{"by": "王女士", "how": "phone", "at": "2026-03-10T02:00:00Z"}, "due_at": "2099-01-01T00:00:00Z"}},
}

// gates are the case permissions of the matrix's needs.
var gates = map[string]auth.Permission{"read": auth.ComplaintRead, "update": auth.ComplaintUpdate, "edit": auth.ComplaintEdit,
	"decide": auth.CaseDecide, "assign": auth.CaseAssign, "approve": auth.CaseApprove, "action": "@action"}

// otherRoutes are the routes not on one complaint, with the permission
// the route itself needs: "-" public, "" any signed-in user.
var otherRoutes = map[string]auth.Permission{}

func init() {
	for _, p := range []string{"GET /api/v1/openapi.json", "GET /api/v1/queue/branches", "GET /api/v1/queue/branches/{id}",
		"GET /api/v1/queue/branches/{id}/status", "GET /api/v1/queue/branches/{id}/events", "POST /api/v1/queue/tickets", "GET /api/v1/queue/branches/{id}/counters",
		"GET /api/v1/queue/tickets/{id}", "GET /api/v1/recall-tasks/{token}", "PUT /api/v1/recall-tasks/{token}"} {
		otherRoutes[p] = "-"
	}
	for _, p := range []string{"GET /api/v1/me", "GET /api/v1/enums", "GET /api/v1/categories", "GET /api/v1/exports",
		"GET /api/v1/exports/{id}", "GET /api/v1/exports/{id}/file", "GET /api/v1/me/notifications",
		"POST /api/v1/me/notifications/{id}/read",
		"PUT /api/v1/me/password", "GET /api/v1/me/tokens", "POST /api/v1/me/tokens", "DELETE /api/v1/me/tokens/{id}"} {
		otherRoutes[p] = ""
	}
	otherRoutes["GET /api/v1/tokens"] = auth.AuditRead
	otherRoutes["DELETE /api/v1/tokens/{id}"] = auth.OrgWrite
	for _, p := range []string{"POST /api/v1/recalls", "POST /api/v1/recalls/{id}/quarantine", "POST /api/v1/recalls/{id}/shipments",
		"PUT /api/v1/recalls/{id}/tasks/{task}", "POST /api/v1/recalls/{id}/files", "POST /api/v1/recalls/{id}/disposals",
		"POST /api/v1/recalls/{id}/close"} {
		otherRoutes[p] = auth.RecallManage
	}
	for p, perm := range map[string]auth.Permission{
		"POST /api/v1/complaints": auth.ComplaintCreate, "GET /api/v1/complaints": auth.ComplaintRead,
		"GET /api/v1/attachments/{id}": auth.ComplaintRead, "GET /api/v1/me/work": auth.ComplaintRead,
		"GET /api/v1/capa/standard-updates": auth.ComplaintRead, "GET /api/v1/workflow": auth.ComplaintRead,
		"GET /api/v1/workflow/definitions": auth.ComplaintRead, "POST /api/v1/workflow/definitions": auth.OrgWrite,
		"GET /api/v1/incidents": auth.ComplaintRead, "GET /api/v1/incidents/{id}": auth.ComplaintRead,
		"POST /api/v1/incidents/{id}/quarantine": auth.ComplaintUpdate, "GET /api/v1/dealers/{id}/ledger": auth.RegisterRead,
		"PUT /api/v1/dealers/{id}/allowance-rate": auth.RegisterWrite,
		"GET /api/v1/customers/{id}/tolerance":    auth.RegisterRead, "PUT /api/v1/customers/{id}/tolerance": auth.RegisterWrite,
		"POST /api/v1/dealers/{id}/ledger": auth.ComplaintUpdate, "POST /api/v1/exports": auth.Export,
		"GET /api/v1/audit": auth.AuditRead, "GET /api/v1/audit/verify": auth.AuditRead, "GET /api/v1/jobs": auth.AuditRead,
		"POST /api/v1/jobs/{id}/retry": auth.OrgWrite,
		"GET /api/v1/mail/status":      auth.AuditRead, "GET /api/v1/mail/messages": auth.AuditRead,
		"GET /api/v1/mail/messages/{id}": auth.AuditRead, "GET /api/v1/mail/messages/{id}/raw": auth.AuditRead,
		"POST /api/v1/mail/messages/{id}/retry": auth.OrgWrite, "GET /api/v1/schedules": auth.AuditRead,
		"POST /api/v1/schedules/{name}/run": auth.OrgWrite, "GET /api/v1/sla/dry-run": auth.AuditRead,
		"GET /api/v1/calendar/years": auth.ComplaintRead, "GET /api/v1/calendar/years/{year}": auth.ComplaintRead,
		"GET /api/v1/sla/policies": auth.ComplaintRead, "PUT /api/v1/sla/policies": auth.CalendarWrite,
		"PUT /api/v1/calendar/years/{year}": auth.CalendarWrite, "DELETE /api/v1/calendar/years/{year}": auth.CalendarWrite,
		"POST /api/v1/calendar/days": auth.CalendarWrite, "DELETE /api/v1/calendar/days/{date}": auth.CalendarWrite,
		"POST /api/v1/privacy/erasures": auth.PrivacyErase,
		// The branch queue: counter staff, queue administrators, analysts.
		"POST /api/v1/queue/branches": auth.QueueAdmin, "PUT /api/v1/queue/branches/{id}": auth.QueueAdmin,
		"POST /api/v1/queue/branches/{id}/types": auth.QueueAdmin, "PUT /api/v1/queue/branches/{id}/types/{type}": auth.QueueAdmin,
		"POST /api/v1/queue/branches/{id}/counters":          auth.QueueAdmin,
		"PUT /api/v1/queue/branches/{id}/counters/{counter}": auth.QueueAdmin,
		"GET /api/v1/queue/branches/{id}/analytics":          auth.QueueReport, "GET /api/v1/queue/branches/{id}/simulation": auth.QueueReport,
		"GET /api/v1/queue/plan": auth.QueueReport, "POST /api/v1/queue/counters/{id}/call": auth.QueueServe,
		"POST /api/v1/queue/counters/{id}/tickets/{ticket}/{action}": auth.QueueServe,
		// The service desk: everyone who reads cases reads the desk; desk
		// staff work it; managers plan it, approve swaps and write the
		// knowledge base; converting a contact registers a complaint.
		"GET /api/v1/desk/shifts": auth.ComplaintRead, "POST /api/v1/desk/shifts": auth.DeskManage,
		"GET /api/v1/desk/roster": auth.ComplaintRead, "POST /api/v1/desk/roster": auth.DeskManage,
		"DELETE /api/v1/desk/roster/{id}": auth.DeskManage, "GET /api/v1/desk/board": auth.ComplaintRead,
		"GET /api/v1/desk/swaps": auth.ComplaintRead, "POST /api/v1/desk/swaps": auth.DeskWork,
		"POST /api/v1/desk/swaps/{id}/agree": auth.DeskWork, "POST /api/v1/desk/swaps/{id}/cancel": auth.DeskWork,
		"POST /api/v1/desk/swaps/{id}/decision": auth.DeskManage, "GET /api/v1/desk/handovers": auth.ComplaintRead,
		"POST /api/v1/desk/handovers": auth.DeskWork, "POST /api/v1/desk/handovers/{id}/ack": auth.DeskWork,
		"GET /api/v1/kb": auth.ComplaintRead, "POST /api/v1/kb": auth.DeskManage, "GET /api/v1/kb/{id}": auth.ComplaintRead,
		"PUT /api/v1/kb/{id}": auth.DeskManage, "GET /api/v1/kb/{id}/versions": auth.ComplaintRead, "POST /api/v1/kb/{id}/use": auth.DeskWork,
		"GET /api/v1/contacts": auth.ComplaintRead, "POST /api/v1/contacts": auth.DeskWork, "GET /api/v1/contacts/{id}": auth.ComplaintRead,
		"POST /api/v1/contacts/{id}/answer": auth.DeskWork, "POST /api/v1/contacts/{id}/close": auth.DeskWork,
		"POST /api/v1/contacts/{id}/convert": auth.ComplaintCreate, "GET /api/v1/reports/contacts": auth.ReportRead,
		// Receivables: finance records them and their collections; report
		// readers read them and the collection-bonus report.
		"POST /api/v1/receivables": auth.ReceivableWrite, "POST /api/v1/receivables/{ref}/collections": auth.ReceivableWrite,
		"GET /api/v1/receivables/{ref}": auth.ReportRead, "GET /api/v1/reports/collection-bonus": auth.ReportRead,
	} {
		otherRoutes[p] = perm
	}
	for _, p := range []string{"GET /api/v1/reports/statistics", "GET /api/v1/reports/statistics/export", "GET /api/v1/reports/kpis",
		"GET /api/v1/reports/losses", "GET /api/v1/reports/dashboard", "GET /api/v1/reports/penalties", "GET /api/v1/receivables/flagged",
		"GET /api/v1/recalls", "GET /api/v1/recalls/{id}"} {
		otherRoutes[p] = auth.ReportRead
	}
	for _, res := range []string{"customers", "products", "batches", "suppliers"} {
		otherRoutes["GET /api/v1/"+res] = auth.RegisterRead
		otherRoutes["GET /api/v1/"+res+"/{id}"] = auth.RegisterRead
		otherRoutes["POST /api/v1/"+res] = auth.RegisterWrite
		otherRoutes["PATCH /api/v1/"+res+"/{id}"] = auth.RegisterWrite
		otherRoutes["DELETE /api/v1/"+res+"/{id}"] = auth.RegisterWrite
	}
	for _, res := range []string{"departments", "users"} {
		otherRoutes["GET /api/v1/"+res] = auth.RegisterRead
		otherRoutes["GET /api/v1/"+res+"/{id}"] = auth.RegisterRead
		otherRoutes["POST /api/v1/"+res] = auth.OrgWrite
		otherRoutes["PATCH /api/v1/"+res+"/{id}"] = auth.OrgWrite
		otherRoutes["DELETE /api/v1/"+res+"/{id}"] = auth.OrgWrite
	}
}

// TestEveryRouteHasAnAccessRule fails for a route of the router that the
// matrix does not list, or a listed route the router lost; routes not on
// one complaint must need the permission written here.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range api.Access() {
		seen[rt.Pattern] = true
		if strings.Contains(rt.Pattern, "{number}") {
			rule, ok := caseRoutes[rt.Pattern]
			if !ok {
				t.Errorf("route %s has no access rule in the matrix (caseRoutes)", rt.Pattern)
			} else if want := gates[rule.need]; rt.Gate != want {
				t.Errorf("route %s is gated by %q, the matrix says %q", rt.Pattern, rt.Gate, want)
			}
			continue
		}
		want, ok := otherRoutes[rt.Pattern]
		if !ok {
			t.Errorf("route %s has no access rule in the matrix (otherRoutes)", rt.Pattern)
			continue
		}
		if rt.Perm != want {
			t.Errorf("route %s needs %q, the matrix says %q", rt.Pattern, rt.Perm, want)
		}
	}
	for p := range caseRoutes {
		if !seen[p] {
			t.Errorf("the matrix lists %s, which the router does not have", p)
		}
	}
	for p := range otherRoutes {
		if !seen[p] {
			t.Errorf("the matrix lists %s, which the router does not have", p)
		}
	}
}

// TestAccessMatrix tries every route on one complaint as every role in
// three relations to the case and checks the case gate's answer: refused
// for scope or permission exactly where the table says so, never refused
// for scope where it allows.
func TestAccessMatrix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dept := func(code string) int64 {
			id, err := e.app.DB.Cases().DepartmentByCode(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		qa, sales := dept("qa"), dept("sales")
		user := func(key, role string, d int64) *org.User {
			u := &org.User{Username: "m_" + key, Name: key, Role: role, DepartmentID: &d}
			if err := e.app.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
				t.Fatal(err)
			}
			tok, _, err := e.app.Deps.Auth.CreateToken(ctx, u.ID, "test", audit.System)
			if err != nil {
				t.Fatal(err)
			}
			e.tokens[key], e.users[key] = tok, u
			return u
		}
		var roleList []string
		for role := range spec {
			roleList = append(roleList, role)
			user(role+"_qa", role, qa)
			user(role+"_sales", role, sales)
		}
		// A QA case for the department and other-department relations, and
		// per role one QA case held by that role's sales user (their own).
		mk := func() string {
			body := minimal("权限矩阵")
			body["category"] = "quality.leak"
			c := e.post(org.RoleAdmin, "/api/v1/complaints", body).want(http.StatusCreated).M()
			return c["number"].(string)
		}
		shared := mk()
		owned := map[string]string{}
		for _, role := range roleList {
			n := mk()
			v := e.get(org.RoleAdmin, "/api/v1/complaints/"+url.PathEscape(n)).want(http.StatusOK).M()["version"]
			e.post(org.RoleAdmin, "/api/v1/complaints/"+url.PathEscape(n)+"/assign",
				map[string]any{"version": v, "holder_id": e.users[role+"_sales"].ID}).want(http.StatusOK)
			owned[role] = n
		}
		allows := func(role, need, relation string) bool {
			if need == "action" {
				need = "update" // wait_on_customer is not a customer contact
			}
			sc := spec[role][need]
			switch relation {
			case "own":
				return sc >= own
			case "department":
				return sc >= dep
			}
			return sc == all
		}
		tried := map[bool]int{}
		for pattern, rule := range caseRoutes {
			method, path, _ := strings.Cut(pattern, " ")
			for _, role := range roleList {
				for _, rel := range []struct{ name, key, number string }{
					{"own", role + "_sales", owned[role]}, {"department", role + "_qa", shared}, {"other", role + "_sales", shared},
				} {
					p := strings.NewReplacer("{number}", url.PathEscape(rel.number), "{form}", "handling.html", "{action}", "wait_on_customer",
						"{id}", "999999", "{policy}", "sla_9").Replace(path)
					var r *resp
					if strings.HasSuffix(pattern, "/attachments") && method == "POST" {
						r = e.upload(rel.key, rel.number, "a.txt", []byte("附件"))
					} else {
						var body any
						if rule.body != nil || method != "GET" {
							b := map[string]any{}
							for k, v := range rule.body {
								b[k] = v
							}
							c := e.get(org.RoleAdmin, "/api/v1/complaints/"+url.PathEscape(rel.number)).M()
							b["version"] = c["version"]
							if strings.HasSuffix(pattern, "/assign") {
								b["holder_id"] = c["holder_id"] // keep the relation
							}
							body = b
						}
						r = e.send(req{role: rel.key, method: method, path: p, body: body})
					}
					refused := r.Status == http.StatusForbidden && gateRefusal(r)
					want := allows(role, rule.need, rel.name)
					tried[want]++
					if refused == want {
						t.Errorf("%s as %s on a case of the %s relation: status %d %s — the table says allowed=%v",
							pattern, role, rel.name, r.Status, r.Body, want)
					}
				}
			}
		}
		// Guard against a matrix that tests nothing: both answers occur often.
		if tried[true] < 100 || tried[false] < 100 {
			t.Errorf("the matrix tried %d allowed and %d refused requests", tried[true], tried[false])
		}
	})
}

// gateRefusal reports whether a 403 came from the case gate or the route's
// permission, not from a workflow rule (a role the definition does not
// name, a 当事人).
func gateRefusal(r *resp) bool {
	b := r.Err()
	if len(b.Error.Fields) == 0 {
		return true // the route's own permission check
	}
	for _, f := range b.Error.Fields {
		if f.Rule == "out_of_scope" || f.Rule == "permission_denied" {
			return true
		}
	}
	return false
}

// A department moved under another through this server changes whose
// cases the managers above it see on the very next request: casework does
// not keep the old department tree.
func TestCaseScopeDepartmentMoveAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		qa, production := *e.users[org.RoleManager].DepartmentID, *e.users[org.RoleHandler].DepartmentID
		body := minimal("部门调整")
		body["category"] = "quality.leak" // routed to quality
		c := e.post(org.RoleAdmin, "/api/v1/complaints", body).want(http.StatusCreated).M()
		path := "/api/v1/complaints/" + url.PathEscape(c["number"].(string))
		if d := e.get(org.RoleAdmin, path).want(http.StatusOK).M()["department_id"]; fmt.Sprint(d) != fmt.Sprint(qa) {
			t.Fatalf("case in department %v, want quality %d", d, qa)
		}
		refused := e.get(org.RoleHandler, path) // production reads only its own department's cases
		if refused.Status == http.StatusOK {
			t.Fatalf("production reads a quality case before any move: %s", refused.Body)
		}
		dept := fmt.Sprintf("/api/v1/departments/%d", qa)
		v := e.get(org.RoleAdmin, dept).want(http.StatusOK).M()["version"]
		v = e.patch(org.RoleAdmin, dept, map[string]any{"version": v, "parent_id": production}).want(http.StatusOK).M()["version"]
		e.get(org.RoleHandler, path).want(http.StatusOK)
		e.patch(org.RoleAdmin, dept, map[string]any{"version": v, "parent_id": nil}).want(http.StatusOK)
		e.get(org.RoleHandler, path).want(refused.Status)
	})
}
