package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/web/ui"
)

// The page access matrix: every page route must have its access rule
// written here, and every page of one complaint is tried as every role in
// three relations to the case. The table is written from the procedures,
// not read from internal/auth.

const (
	scopeNone = iota
	scopeOwn
	scopeDept
	scopeAll
)

var pageSpec = map[string]map[string]int{
	org.RoleAdmin:      {"read": scopeAll, "update": scopeNone, "decide": scopeNone, "assign": scopeAll, "approve": scopeNone},
	org.RoleGM:         {"read": scopeAll, "update": scopeAll, "decide": scopeAll, "assign": scopeAll, "approve": scopeAll},
	org.RoleDeputyGM:   {"read": scopeAll, "update": scopeAll, "decide": scopeAll, "assign": scopeAll, "approve": scopeAll},
	org.RoleManager:    {"read": scopeDept, "update": scopeDept, "decide": scopeDept, "assign": scopeDept, "approve": scopeDept},
	org.RoleQAEngineer: {"read": scopeAll, "update": scopeDept, "decide": scopeDept, "assign": scopeNone, "approve": scopeNone},
	org.RoleHandler:    {"read": scopeDept, "update": scopeDept, "decide": scopeDept, "assign": scopeNone, "approve": scopeNone},
	org.RoleAgent:      {"read": scopeAll, "update": scopeDept, "decide": scopeDept, "assign": scopeNone, "approve": scopeNone},
	org.RoleFinance:    {"read": scopeAll, "update": scopeDept, "decide": scopeNone, "assign": scopeNone, "approve": scopeNone},
	org.RoleWarehouse:  {"read": scopeDept, "update": scopeDept, "decide": scopeNone, "assign": scopeNone, "approve": scopeNone},
	org.RoleAuditor:    {"read": scopeAll, "update": scopeNone, "decide": scopeNone, "assign": scopeNone, "approve": scopeNone},
}

// casePages are the pages of one complaint with what they do to it and
// the form they are tried with.
var casePages = map[string]struct {
	need string
	form url.Values
}{
	"GET /complaints/{id}":                            {"read", nil},
	"GET /complaints/{id}/letter":                     {"read", nil},
	"GET /complaints/{id}/forms/{form}":               {"read", nil},
	"GET /complaints/{id}/8d":                         {"read", nil},
	"POST /complaints/{id}/notes":                     {"update", url.Values{"body": {"备注"}}},
	"POST /complaints/{id}/attachments":               {"update", url.Values{}},
	"POST /complaints/{id}/actions/{action}":          {"update", url.Values{"reason": {"等客户"}, "reminder_date": {"2099-01-01"}}},
	"POST /complaints/{id}/decision":                  {"decide", url.Values{"root_cause": {"待查"}}},
	"POST /complaints/{id}/investigation":             {"update", url.Values{"kind": {"note"}, "body": {"调查"}}},
	"POST /complaints/{id}/representative":            {"update", url.Values{"note": {"代表性问题"}}},
	"POST /complaints/{id}/loss":                      {"decide", url.Values{"parts": {"10.00"}}},
	"POST /complaints/{id}/penalty":                   {"decide", url.Values{"party_0": {"d:1"}, "kind_0": {"penalty"}, "amount_0": {"10.00"}}},
	"POST /complaints/{id}/penalty/approve":           {"decide", url.Values{}},
	"POST /complaints/{id}/credit-note":               {"decide", url.Values{"reason": {"折让"}, "ref_0": {"INV-1"}, "ramount_0": {"10.00"}}},
	"POST /complaints/{id}/credit-note/issue":         {"decide", url.Values{}},
	"POST /complaints/{id}/credit-note/sign":          {"update", url.Values{"attachment_id": {"1"}}},
	"POST /complaints/{id}/return":                    {"approve", url.Values{"reason": {"外观不良"}, "handling": {"repair"}, "approved_qty": {"2"}}},
	"POST /complaints/{id}/return/receive":            {"update", url.Values{"received_qty": {"2"}, "signer": {"仓管员"}}},
	"POST /complaints/{id}/return/steps":              {"update", url.Values{"step": {"inbound"}}},
	"POST /complaints/{id}/parts":                     {"update", url.Values{"part": {"滤芯"}, "qty": {"1"}, "unit_price": {"10.00"}}},
	"POST /complaints/{id}/capa":                      {"update", url.Values{"kind": {"containment"}, "description": {"隔离"}}},
	"POST /complaints/{id}/capa/{capa}/done":          {"update", url.Values{"evidence": {"x"}}},
	"POST /complaints/{id}/capa/{capa}/verify":        {"update", url.Values{"effective": {"yes"}}},
	"POST /complaints/{id}/capa/{capa}/rework":        {"update", url.Values{"description": {"返工"}}},
	"POST /complaints/{id}/assign":                    {"assign", url.Values{}},
	"POST /complaints/{id}/parties":                   {"assign", url.Values{}},
	"POST /complaints/{id}/memo":                      {"update", url.Values{"body": {"签呈"}}},
	"POST /complaints/{id}/links":                     {"update", url.Values{"kind": {"repeat"}}},
	"POST /complaints/{id}/merge":                     {"update", url.Values{}},
	"POST /complaints/{id}/kb/{entry}":                {"update", url.Values{}},
	"POST /complaints/{id}/clocks/{policy}/extension": {"update", url.Values{"due_at": {"2099-01-01T00:00"}, "consent_by": {"王女士"}, "consent_how": {"phone"}, "consent_at": {"2026-03-10T10:00"}}},
}

var pageGates = map[string]auth.Permission{"read": auth.ComplaintRead, "update": auth.ComplaintUpdate, "decide": auth.CaseDecide,
	"assign": auth.CaseAssign, "approve": auth.CaseApprove}

// otherPages are the routes not on one complaint, with their permission.
var otherPages = map[string]auth.Permission{
	"GET /favicon.ico": "-", "/": "-",
	"GET /lang": "-", "GET /login": "-", "POST /login": "-", "GET /complaint/new": "-", "POST /complaint/new": "-",
	"GET /complaint/receipt": "-", "GET /track": "-", "POST /track/reply": "-", "POST /track/credit-note": "-", "GET /survey": "-", "POST /survey": "-", "GET /letter": "-",
	"GET /recall-notices/{id}": "-", "GET /recall-notices/{id}/print": "-", "GET /recall-notices/{id}/notice.pdf": "-",
	"GET /recall-notices/{id}/photos/{file}": "-", "GET /recall-task/{token}": "-", "POST /recall-task/{token}": "-",
	"GET /recalls": auth.ReportRead, "GET /recalls/{id}": auth.ReportRead, "GET /recalls/new": auth.RecallManage, "POST /recalls/new": auth.RecallManage,
	"POST /recalls/{id}/quarantine": auth.RecallManage, "POST /recalls/{id}/shipments": auth.RecallManage,
	"POST /recalls/{id}/tasks/{task}": auth.RecallManage, "POST /recalls/{id}/files": auth.RecallManage,
	"POST /recalls/{id}/disposals": auth.RecallManage, "POST /recalls/{id}/close": auth.RecallManage,
	"POST /logout": "", "GET /inbox": "", "POST /inbox/{id}/read": "",
	"GET /account": "", "POST /account/password": "", "POST /account/tokens": "", "POST /account/tokens/{id}/revoke": "",
	"GET /admin/tokens": auth.AuditRead, "POST /admin/tokens/{id}/revoke": auth.OrgWrite,
	"GET /{$}": auth.ComplaintRead, "GET /complaints": auth.ComplaintRead, "GET /attachments/{id}": auth.ComplaintRead,
	"GET /work": auth.ComplaintRead, "GET /capa/standard-updates": auth.ComplaintRead, "GET /incidents": auth.ComplaintRead,
	"POST /incidents/{id}/quarantine": auth.ComplaintRead,
	"GET /complaints/new":             auth.ComplaintCreate, "POST /complaints/new": auth.ComplaintCreate,
	"GET /reports": auth.ReportRead, "GET /reports/export": auth.ReportRead, "GET /reports/kpis": auth.ReportRead,
	"GET /reports/losses": auth.ReportRead, "GET /reports/penalties": auth.ReportRead, "GET /reports/collection-bonus": auth.ReportRead, "POST /reports/collection-bonus/{form}": auth.ReceivableWrite,
	"GET /dashboard":             auth.ReportRead,
	"GET /customers/{id}/ledger": auth.RegisterRead, "POST /customers/{id}/ledger/{form}": auth.RegisterRead, "POST /customers/{id}/allowance-rate": auth.RegisterWrite,
	"GET /customers": auth.RegisterRead, "GET /customers/new": auth.RegisterWrite, "POST /customers/new": auth.RegisterWrite,
	"GET /customers/{id}": auth.RegisterWrite, "POST /customers/{id}": auth.RegisterWrite,
	"GET /products": auth.RegisterRead, "GET /products/new": auth.RegisterWrite, "POST /products/new": auth.RegisterWrite,
	"GET /products/{id}": auth.RegisterRead, "POST /products/{id}": auth.RegisterWrite,
	"GET /products/{pid}/batches/new": auth.RegisterWrite, "POST /products/{pid}/batches/new": auth.RegisterWrite,
	"GET /batches/{id}": auth.RegisterWrite, "POST /batches/{id}": auth.RegisterWrite,
	"GET /suppliers": auth.RegisterRead, "GET /suppliers/new": auth.RegisterWrite, "POST /suppliers/new": auth.RegisterWrite,
	"GET /suppliers/{id}": auth.RegisterWrite, "POST /suppliers/{id}": auth.RegisterWrite,
	"GET /departments": auth.RegisterRead, "GET /departments/new": auth.OrgWrite, "POST /departments/new": auth.OrgWrite,
	"GET /departments/{id}": auth.OrgWrite, "POST /departments/{id}": auth.OrgWrite,
	"GET /users": auth.OrgWrite, "GET /users/new": auth.OrgWrite, "POST /users/new": auth.OrgWrite,
	"GET /users/{id}": auth.OrgWrite, "POST /users/{id}": auth.OrgWrite,
	"GET /audit": auth.AuditRead, "GET /exports": auth.Export, "POST /exports": auth.Export, "GET /exports/{id}/file": auth.Export,
	"GET /admin/jobs": auth.AuditRead, "POST /admin/jobs/{id}/retry": auth.OrgWrite,
	"GET /admin/mail": auth.AuditRead, "GET /admin/mail/{id}/raw": auth.AuditRead, "POST /admin/mail/{id}/retry": auth.OrgWrite, "GET /admin/schedules": auth.AuditRead,
	"POST /admin/schedules/{name}/run": auth.OrgWrite, "GET /admin/calendar": auth.CalendarWrite,
	"GET /admin/privacy": auth.PrivacyErase, "POST /admin/privacy/erase": auth.PrivacyErase,
	"GET /admin/calendar/{year}/export": auth.CalendarWrite, "POST /admin/calendar/import": auth.CalendarWrite,
	"POST /admin/calendar/days": auth.CalendarWrite, "POST /admin/calendar/days/remove": auth.CalendarWrite,
	"POST /admin/calendar/{year}/revert": auth.CalendarWrite,
	"GET /admin/sla-policies":            auth.CalendarWrite, "POST /admin/sla-policies": auth.CalendarWrite, "POST /admin/sla-policies/variant": auth.CalendarWrite,
	"GET /admin/workflow": auth.OrgWrite, "POST /admin/workflow/import": auth.OrgWrite,
	"GET /admin/workflow/{profile}/{version}/export": auth.OrgWrite,
	// The branch queue: the customers' pages are public; counter staff,
	// queue administrators and analysts sign in.
	"GET /queue": "-", "GET /queue/branches/{id}": "-", "GET /queue/branches/{id}/board": "-", "GET /queue/branches/{id}/kiosk": "-",
	"POST /queue/branches/{id}/tickets": "-", "GET /queue/tickets/{id}": "-", "POST /queue/tickets/{id}/complaint": "-",
	"GET /admin/queue": auth.QueueAdmin, "GET /queue/counters": "", "POST /admin/queue": auth.QueueAdmin, "GET /queue/counters/{id}": auth.QueueServe,
	"POST /queue/counters/{id}/call": auth.QueueServe, "POST /queue/counters/{id}/act": auth.QueueServe,
	"GET /queue/branches/{id}/analytics": auth.QueueReport,
	// The service desk: read by everyone who reads cases, worked by desk
	// staff, planned and written (roster, swap approval, knowledge base)
	// by managers.
	"GET /desk": auth.ComplaintRead, "POST /desk/work/{form}": auth.DeskWork, "POST /desk/manage/{form}": auth.DeskManage,
	"GET /kb": auth.ComplaintRead, "POST /kb/new": auth.DeskManage, "GET /kb/{id}": auth.ComplaintRead, "POST /kb/{id}": auth.DeskManage,
	"GET /contacts": auth.ComplaintRead, "POST /contacts/new": auth.DeskWork, "GET /contacts/{id}": auth.ComplaintRead,
	"POST /contacts/{id}/{form}": auth.DeskWork,
}

// TestEveryPageHasAnAccessRule fails for a page route the matrix does not
// list, with another permission or gate than the matrix says.
func TestEveryPageHasAnAccessRule(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range ui.Routes() {
		seen[rt.Pattern] = true
		if strings.HasPrefix(rt.Pattern, "GET /complaints/{id}") || strings.HasPrefix(rt.Pattern, "POST /complaints/{id}") {
			rule, ok := casePages[rt.Pattern]
			if !ok {
				t.Errorf("page %s has no access rule in the matrix (casePages)", rt.Pattern)
				continue
			}
			want := pageGates[rule.need]
			if strings.Contains(rt.Pattern, "{action}") {
				want = "@action"
			}
			if rt.Gate != want {
				t.Errorf("page %s is gated by %q, the matrix says %q", rt.Pattern, rt.Gate, want)
			}
			continue
		}
		want, ok := otherPages[rt.Pattern]
		if !ok {
			t.Errorf("page %s has no access rule in the matrix (otherPages)", rt.Pattern)
			continue
		}
		if rt.Perm != want {
			t.Errorf("page %s needs %q, the matrix says %q", rt.Pattern, rt.Perm, want)
		}
	}
	for p := range casePages {
		if !seen[p] {
			t.Errorf("the matrix lists %s, which the pages do not have", p)
		}
	}
	for p := range otherPages {
		if !seen[p] {
			t.Errorf("the matrix lists %s, which the pages do not have", p)
		}
	}
}

// TestPageAccessMatrix tries every page of one complaint as every role in
// three relations to the case: the case gate refuses exactly where the
// table says, and a refused page shows nothing of the complaint.
func TestPageAccessMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("page access matrix skipped in -short mode")
	}
	e := newEnv(t)
	ctx := context.Background()
	depts, err := e.app.Deps.Org.ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dept := map[string]int64{}
	for _, d := range depts {
		dept[d.Code] = d.ID
	}
	type session struct {
		e    *env
		user *org.User
		csrf string
	}
	sessions := map[string]session{}
	for role := range pageSpec {
		for _, d := range []string{"qa", "sales"} {
			u := &org.User{Username: "p_" + role + "_" + d, Name: role + d, Role: role, DepartmentID: new(dept[d]), Lang: "zh"}
			if err := e.app.Deps.Org.CreateUser(ctx, u, auth.HashPassword("page-pass-123"), audit.System); err != nil {
				t.Fatal(err)
			}
			o := &env{t: t, app: e.app, srv: e.srv, http: e.client()}
			sessions[role+"_"+d] = session{e: o, user: u, csrf: o.login(u.Username, "page-pass-123")}
		}
	}
	mk := func(subject string, holder *int64) int64 {
		c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: "矩阵", Category: "quality.leak", Severity: "minor",
			Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
		if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		if holder != nil {
			r, err := e.app.Deps.Cases.Load(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			r.HolderID = holder
			if err := e.app.Deps.Cases.Store.Save(ctx, r, casework.Write{Action: "test.assign"}, audit.System); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	shared := mk("矩阵共享案件", nil)
	owned := map[string]int64{}
	for role := range pageSpec {
		owned[role] = mk("矩阵本人案件", &sessions[role+"_sales"].user.ID)
	}
	tried := map[bool]int{}
	for pattern, rule := range casePages {
		method, path, _ := strings.Cut(pattern, " ")
		for role := range pageSpec {
			for _, rel := range []struct {
				name string
				s    session
				id   int64
			}{{"own", sessions[role+"_sales"], owned[role]}, {"department", sessions[role+"_qa"], shared}, {"other", sessions[role+"_sales"], shared}} {
				p := strings.NewReplacer("{id}", strconv.FormatInt(rel.id, 10), "{form}", "handling", "{action}", "wait_on_customer",
					"{capa}", "999999", "{policy}", "sla_9").Replace(path)
				var resp *http.Response
				var body string
				if method == http.MethodGet {
					resp, body = rel.s.e.get(p)
				} else {
					f := url.Values{"csrf_token": {rel.s.csrf}}
					for k, v := range rule.form {
						f[k] = v
					}
					if rule.need == "assign" {
						r, err := e.app.Deps.Cases.Load(ctx, rel.id)
						if err != nil {
							t.Fatal(err)
						}
						if r.HolderID != nil {
							f.Set("holder_id", strconv.FormatInt(*r.HolderID, 10))
						}
					}
					resp, body = rel.s.e.post(p, f)
				}
				allows := func(need string) bool {
					sc := pageSpec[role][need]
					return sc == scopeAll || (sc >= scopeDept && rel.name != "other") || (sc >= scopeOwn && rel.name == "own")
				}
				want := allows(rule.need)
				// The gate's refusals name the scope or the permission; a
				// workflow rule (a role the lifecycle does not name) is
				// another refusal, after the gate let the request through.
				refused := resp.StatusCode == http.StatusForbidden && (strings.Contains(body, "处理范围") || strings.Contains(body, "没有此项权限") ||
					// the page's own permission: the bare error page
					strings.Contains(body, `<ul class="errs"></ul>`))
				tried[want]++
				if refused == want {
					t.Errorf("%s as %s, %s case: status %d, the table says allowed=%v", pattern, role, rel.name, resp.StatusCode, want)
				}
				if !allows("read") && strings.Contains(body, "矩阵") {
					t.Errorf("%s as %s, %s case: a user who may not read the complaint sees it", pattern, role, rel.name)
				}
			}
		}
	}
	if tried[true] < 100 || tried[false] < 100 {
		t.Errorf("the matrix tried %d allowed and %d refused requests", tried[true], tried[false])
	}
}
