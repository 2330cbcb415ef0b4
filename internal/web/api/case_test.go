package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/org"
)

// staff adds users with roles for the lifecycle: two QA engineers in the
// QA department (so quality complaints route to them), a second manager,
// a deputy GM and a GM. Call it before creating complaints.
func (e *env) staff() {
	e.t.Helper()
	ctx := context.Background()
	dept := func(code string) *int64 {
		id, err := e.app.DB.Cases().DepartmentByCode(ctx, code)
		if err != nil {
			e.t.Fatal(err)
		}
		return &id
	}
	// QA engineers and a second QA manager; the sales manager runs the
	// non-quality complaints routed to sales; the general managers approve
	// across departments.
	for _, s := range []struct{ key, role, dept string }{{"qa1", org.RoleQAEngineer, "qa"}, {"qa2", org.RoleQAEngineer, "qa"},
		{"mgr2", org.RoleManager, "qa"}, {"smgr", org.RoleManager, "sales"}, {"dgm", org.RoleDeputyGM, "gm"}} {
		u := &org.User{Username: "u_" + s.key, Name: "员工" + s.key, Role: s.role, Email: s.key + "@example.com", DepartmentID: dept(s.dept)}
		if err := e.app.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
			e.t.Fatal(err)
		}
		tok, _, err := e.app.Deps.Auth.CreateToken(ctx, u.ID, "test", audit.System)
		if err != nil {
			e.t.Fatal(err)
		}
		e.tokens[s.key], e.users[s.key] = tok, u
	}
}

// kase is a complaint walked through its lifecycle over HTTP; it keeps
// the version the last answer gave.
type kase struct {
	e   *env
	num string
	ver int
	c   map[string]any // the last case answer
}

func (e *env) newCase(category, severity string) *kase {
	e.t.Helper()
	body := minimal("净水器漏水")
	body["category"], body["severity"] = category, severity
	c := e.create(body)
	k := &kase{e: e, num: c["number"].(string)}
	k.get(org.RoleAgent)
	return k
}

func (k *kase) path(suffix string) string {
	return "/api/v1/complaints/" + url.PathEscape(k.num) + suffix
}

func (k *kase) keep(r *resp) map[string]any {
	k.e.t.Helper()
	k.c = r.M()
	k.ver = int(k.c["version"].(float64))
	return k.c
}

func (k *kase) get(who string) map[string]any {
	k.e.t.Helper()
	return k.keep(k.e.get(who, k.path("/case")).want(http.StatusOK))
}

func (k *kase) status() string { return k.c["status"].(string) }

// act takes an action and checks it landed in state to.
func (k *kase) act(who, action, to string, body map[string]any) map[string]any {
	k.e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["version"] = k.ver
	r := k.e.post(who, k.path("/actions/"+action), body)
	if r.Status != http.StatusOK {
		k.e.t.Fatalf("%s by %s from %s: %d %s", action, who, k.status(), r.Status, r.Body)
	}
	k.keep(r)
	if k.status() != to {
		k.e.t.Fatalf("%s: status %s, want %s", action, k.status(), to)
	}
	return k.c
}

// refuse checks an action is refused with status, field and rule, and
// that nothing was written.
func (k *kase) refuse(who, action string, body map[string]any, status int, field, rule string) {
	k.e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["version"] = k.ver
	code := map[int]string{http.StatusConflict: "conflict", http.StatusForbidden: "forbidden", http.StatusUnprocessableEntity: "invalid"}[status]
	k.e.post(who, k.path("/actions/"+action), body).wantErr(status, code, field, rule)
	before := k.status()
	k.get(org.RoleAuditor)
	if k.status() != before {
		k.e.t.Fatalf("refused %s changed the status to %s", action, k.status())
	}
}

func (k *kase) decide(who string, d map[string]any) {
	k.e.t.Helper()
	d["version"] = k.ver
	k.keep(k.e.patch(who, k.path("/decision"), d).want(http.StatusOK))
}

// addCAPA adds an action and returns its id and version.
func (k *kase) addCAPA(who string, body map[string]any) (int64, int) {
	k.e.t.Helper()
	m := k.e.post(who, k.path("/capa"), body).want(http.StatusCreated).M()
	k.ver = int(m["version"].(float64))
	a := m["capa"].(map[string]any)
	return int64(a["id"].(float64)), int(a["version"].(float64))
}

// capaStep completes or verifies every CAPA action of the case that still
// counts (not superseded by a rework).
func (k *kase) capaStep(who, step string, body map[string]any) {
	k.e.t.Helper()
	k.get(who)
	for _, x := range k.c["capa_actions"].([]any) {
		a := x.(map[string]any)
		if a["superseded_by"] != nil {
			continue
		}
		b := map[string]any{"version": int(a["version"].(float64))}
		for key, v := range body {
			b[key] = v
		}
		k.e.post(who, k.path(fmt.Sprintf("/capa/%d/%s", int64(a["id"].(float64)), step)), b).want(http.StatusOK)
	}
	k.get(who)
}

// option finds an action in the last case answer.
func (k *kase) option(action string) map[string]any {
	k.e.t.Helper()
	for _, x := range k.c["actions"].([]any) {
		if o := x.(map[string]any); o["action"] == action {
			return o
		}
	}
	k.e.t.Fatalf("action %s not offered in %s", action, k.status())
	return nil
}

// missing reports whether an option lists field/rule as missing, with a
// message.
func missing(o map[string]any, field, rule string) bool {
	for _, x := range o["missing"].([]any) {
		m := x.(map[string]any)
		if m["field"] == field && m["rule"] == rule && m["message"] != "" {
			return true
		}
	}
	return false
}

// routedTo checks routing gave the case to holder with backup.
func (k *kase) routedTo(holder, backup string) {
	k.e.t.Helper()
	h, _ := k.c["holder"].(map[string]any)
	b, _ := k.c["backup"].(map[string]any)
	if h == nil || b == nil || h["id"] != float64(k.e.users[holder].ID) || b["id"] != float64(k.e.users[backup].ID) {
		k.e.t.Fatalf("%s: holder %v backup %v, want %s/%s", k.num, h, b, holder, backup)
	}
}

func holderID(c map[string]any) int64 {
	if h, ok := c["holder_id"].(float64); ok {
		return int64(h)
	}
	return 0
}

// toResponsibility takes a quality case from registration to
// responsibility determined with the given responsibility.
func (k *kase) toResponsibility(who, responsibility string) {
	k.e.t.Helper()
	k.act(who, "accept", "accepted", nil)
	k.act(who, "start_investigation", "investigating", nil)
	k.e.post(who, k.path("/investigations"), map[string]any{"kind": "returned_goods_test", "body": "退回样品试验：密封圈硬度 62 HA，低于规格 70 HA"}).
		want(http.StatusCreated)
	k.get(who)
	k.refuse(who, "determine_responsibility", nil, http.StatusUnprocessableEntity, "established", "required")
	k.decide(who, map[string]any{"established": responsibility != "customer", "validity": "valid", "responsibility": responsibility})
	k.act(who, "determine_responsibility", "responsibility_determined", nil)
}

// toVerification takes a case in measures with its CAPA actions through
// a plan of amount (one manager signature when ≤ ¥2,000), reply, agreement
// and execution.
func (k *kase) toVerification(who, amount string) {
	k.e.t.Helper()
	k.decide(who, map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "replace", "amount": amount, "currency": "CNY"})
	k.act(who, "submit_for_approval", "approval", nil)
	k.act(org.RoleManager, "approve", "approval", nil)
	k.act(who, "reply", "replied", map[string]any{"body": "经检测为密封圈批次问题，我司将为您免费更换整机。"})
	k.act(org.RoleAgent, "customer_agrees", "executing", nil)
	k.refuse(who, "execute", nil, http.StatusUnprocessableEntity, "capa_all_done", "capa_not_done")
	k.capaStep(who, "complete", map[string]any{"evidence": "已更换批次，附检验报告"})
	k.decide(who, map[string]any{"resolution_executed": true})
	k.act(who, "execute", "verification", nil)
}

// TestCaseQualityInternalToClosure walks seed path 1: a quality complaint
// routed to QA, internal responsibility, CAPA, approval, reply, execution,
// verification, two satisfied visits and closure; the timeline shows each
// transition with who and when, the audit log has workflow entries and
// the effective action is listed for the standard.
func TestCaseQualityInternalToClosure(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.routedTo("qa1", "qa2")
		if k.c["status_label"] != "已登记" || k.c["state"].(map[string]any)["open"] != true {
			t.Errorf("status label %v, state %v", k.c["status_label"], k.c["state"])
		}
		if !k.option("accept")["allowed"].(bool) {
			t.Errorf("accept should be allowed")
		}
		k.toResponsibility("qa1", "internal")
		k.act("qa1", "propose_measures", "measures", nil)
		k.get("qa1")
		o := k.option("submit_for_approval")
		if o["allowed"] != false || o["refusal"] != "invalid" || !missing(o, "root_cause", "required") ||
			!missing(o, "capa_actions", "capa_required") {
			t.Fatalf("submit_for_approval should need a root cause and CAPA: %v", o)
		}
		for _, m := range o["missing"].([]any) {
			if m := m.(map[string]any); m["field"] == "root_cause" && m["message"] != "根本原因：必填" {
				t.Errorf("message %q", m["message"])
			}
		}
		k.refuse("qa1", "submit_for_approval", nil, http.StatusUnprocessableEntity, "capa_actions", "capa_required")
		k.addCAPA("qa1", map[string]any{"kind": "containment", "description": "隔离库存同批次密封圈", "owner_user_id": e.users["qa1"].ID})
		k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "更换密封圈供应批次", "owner_user_id": e.users["qa2"].ID,
			"due_date": "2026-04-01"})
		k.decide("qa1", map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "replace", "amount": "1500", "currency": "CNY"})
		k.act("qa1", "submit_for_approval", "approval", nil)
		if ch := k.c["approval_chain"].([]any); len(ch) != 1 || ch[0].(map[string]any)["role"] != org.RoleManager {
			t.Fatalf("¥1,500 needs the manager alone: %v", ch)
		}
		k.refuse("qa1", "reply", map[string]any{"body": "您好"}, http.StatusUnprocessableEntity, "approvals_remaining", "approval_pending")
		k.act(org.RoleManager, "approve", "approval", nil)
		if l := k.c["approval_chain"].([]any)[0].(map[string]any); l["signed"] != true || l["approver"].(map[string]any)["name"] != "测试manager" {
			t.Fatalf("chain after signing: %v", l)
		}
		k.act("qa1", "reply", "replied", map[string]any{"body": "经检测为密封圈批次问题，我司将为您免费更换整机。"})
		k.act(org.RoleAgent, "customer_agrees", "executing", nil)
		k.refuse("qa1", "execute", nil, http.StatusUnprocessableEntity, "capa_all_done", "capa_not_done")
		k.capaStep("qa1", "complete", map[string]any{"evidence": "已更换批次，附检验报告"})
		k.decide("qa1", map[string]any{"resolution_executed": true})
		k.act("qa1", "execute", "verification", nil)
		// Agents may not verify CAPA.
		a := k.c["capa_actions"].([]any)[0].(map[string]any)
		e.post(org.RoleAgent, k.path(fmt.Sprintf("/capa/%d/verify", int64(a["id"].(float64)))),
			map[string]any{"version": a["version"], "effective": true}).wantErr(http.StatusForbidden, "forbidden", "actor", "role_not_allowed")
		k.refuse("qa1", "verify_effective", nil, http.StatusUnprocessableEntity, "capa_all_effective", "capa_not_verified")
		k.capaStep("qa1", "verify", map[string]any{"effective": true, "note": "连续三批合格", "update_standard": true})
		k.act("qa1", "verify_effective", "follow_up", nil)
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 5, "method": "phone"})
		k.refuse(org.RoleManager, "close", nil, http.StatusUnprocessableEntity, "follow_ups_complete", "follow_ups_missing")
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 4, "method": "visit", "comment": "满意"})
		k.act(org.RoleManager, "close", "closed", nil)
		if k.c["closed_at"] == nil || len(k.c["follow_ups"].([]any)) != 2 || len(k.c["approvals"].([]any)) != 1 {
			t.Fatalf("closed case: %v", k.c)
		}
		if len(k.c["actions"].([]any)) != 2 || k.option("archive") == nil || k.option("reopen") == nil {
			t.Errorf("a closed case offers archive and reopen only: %v", k.c["actions"])
		}

		var std struct {
			Items []struct{ Number, Kind string }
		}
		e.get("qa1", "/api/v1/capa/standard-updates").want(http.StatusOK).JSON(&std)
		if len(std.Items) != 2 || std.Items[0].Number != k.num {
			t.Errorf("standard updates: %+v", std.Items)
		}

		var tl struct {
			Items []struct {
				Kind, Actor, At string
				Data            map[string]any
			}
		}
		e.get(org.RoleAuditor, k.path("/timeline")).want(http.StatusOK).JSON(&tl)
		var steps []string
		for _, ev := range tl.Items {
			if ev.Kind == "transition" || ev.Kind == "reply" && ev.Data["action"] != nil {
				if ev.Actor == "" || ev.At == "" {
					t.Errorf("transition without who/when: %+v", ev)
				}
				steps = append(steps, fmt.Sprint(ev.Data["action"]))
			}
		}
		want := "accept start_investigation determine_responsibility propose_measures submit_for_approval approve reply customer_agrees execute verify_effective follow_up_satisfied follow_up_satisfied close"
		if strings.Join(steps, " ") != want {
			t.Errorf("timeline transitions:\n%s\nwant\n%s", strings.Join(steps, " "), want)
		}

		var au struct {
			Items []struct{ Action, Object string }
		}
		e.get(org.RoleAuditor, "/api/v1/audit?limit=500").want(http.StatusOK).JSON(&au)
		seen := map[string]bool{}
		for _, it := range au.Items {
			if strings.HasPrefix(it.Action, "workflow.") {
				seen[it.Action] = true
			}
		}
		for _, a := range []string{"workflow.accept", "workflow.decide", "workflow.investigate", "workflow.approve", "workflow.close"} {
			if !seen[a] {
				t.Errorf("audit log lacks %s (has %v)", a, seen)
			}
		}
	})
}

// TestCaseRouting: quality complaints registered through the API go to
// the QA department, least loaded first, each with a backup (TRI-5);
// others go to sales, here unstaffed, and wait unassigned.
func TestCaseRouting(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		e.newCase("quality.leak", "major").routedTo("qa1", "qa2")
		e.newCase("quality.function", "minor").routedTo("qa2", "qa1")
		if k := e.newCase("service.attitude", "minor"); k.c["holder"] != nil {
			t.Errorf("nobody in sales, yet held by %v", k.c["holder"])
		}
	})
}

// TestCaseCustomerCaused: seed path 2 — customer-caused, explanation
// reply, no CAPA, follow-ups and close.
func TestCaseCustomerCaused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "minor")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "customer")
		k.refuse("qa1", "propose_measures", nil, http.StatusUnprocessableEntity, "established", "not_established")
		k.decide("qa1", map[string]any{"established": true})
		k.refuse("qa1", "propose_measures", nil, http.StatusUnprocessableEntity, "responsibility", "responsibility_not_ours")
		k.act("qa1", "reply_explanation", "follow_up", map[string]any{"body": "经检测，漏水系安装时未按说明书紧固接头所致，我司安排免费上门指导。"})
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 4})
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 5})
		k.act("qa1", "close", "closed", nil)
		if n := len(k.c["capa_actions"].([]any)); n != 0 {
			t.Errorf("customer-caused case has %d CAPA actions", n)
		}
		pub := e.get("", "/api/v1/complaints/"+url.PathEscape(k.num)+"/timeline")
		if pub.Status != http.StatusUnauthorized {
			t.Errorf("timeline must need sign-in: %d", pub.Status)
		}
	})
}

// TestCaseSupplierCaused: seed path 3 — supplier responsibility needs a
// CAPA action owned by the supplier before approval.
func TestCaseSupplierCaused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		sup := e.post(org.RoleManager, "/api/v1/suppliers", map[string]any{"code": "S-SEAL", "name": "宁波密封件厂"}).want(http.StatusCreated).M()
		k := e.newCase("quality.material", "major")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "supplier")
		k.act("qa1", "propose_measures", "measures", nil)
		k.addCAPA("qa1", map[string]any{"kind": "containment", "description": "隔离库存", "owner_user_id": e.users["qa1"].ID})
		k.decide("qa1", map[string]any{"root_cause": "供应商来料硬度不足", "resolution": "replace", "amount": "800", "currency": "CNY"})
		k.refuse("qa1", "submit_for_approval", nil, http.StatusUnprocessableEntity, "supplier_capa_actions", "supplier_capa_required")
		k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "供应商8D整改，来料全检", "supplier_id": sup["id"]})
		k.act("qa1", "submit_for_approval", "approval", nil)
		if k.c["capa"].(map[string]any)["supplier"] != 1.0 {
			t.Errorf("capa summary %v", k.c["capa"])
		}
		e.post("qa1", k.path("/capa"), map[string]any{"kind": "corrective", "description": "x", "supplier_id": 999999}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "owner", "not_found")
	})
}

// TestCaseIneffectiveCAPA: seed path 4 — a CAPA action verified
// ineffective sends the case back to measures; it cannot close.
func TestCaseIneffectiveCAPA(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "internal")
		k.act("qa1", "propose_measures", "measures", nil)
		k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "更换密封圈供应批次", "owner_user_id": e.users["qa1"].ID})
		k.toVerification("qa1", "1000")
		k.capaStep("qa1", "verify", map[string]any{"effective": false, "note": "复检仍有渗漏"})
		k.refuse("qa1", "verify_effective", nil, http.StatusUnprocessableEntity, "capa_all_effective", "capa_not_verified")
		k.refuse(org.RoleManager, "close", nil, http.StatusConflict, "status", "wrong_state")
		k.refuse("qa1", "verify_ineffective", nil, http.StatusUnprocessableEntity, "reason", "required")
		k.act("qa1", "verify_ineffective", "measures", map[string]any{"reason": "措施无效，重新分析原因"})
		c := k.c["capa"].(map[string]any)
		if c["ineffective"] != 1.0 || c["effective"] != 0.0 || len(k.c["approvers"].([]any)) != 0 {
			t.Errorf("back in measures the approvals restart and the ineffective action awaits rework: %v %v", c, k.c["approvers"])
		}
		// The ineffective action cannot be completed or verified again as
		// it is: it must be reworked into a revised action first.
		old := k.c["capa_actions"].([]any)[0].(map[string]any)
		oldPath := fmt.Sprintf("/capa/%d", int64(old["id"].(float64)))
		e.post("qa1", k.path(oldPath+"/complete"), map[string]any{"version": old["version"], "evidence": "再次更换"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "verification", "rework_required")
		e.post("qa1", k.path(oldPath+"/verify"), map[string]any{"version": old["version"], "effective": true}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "verification", "rework_required")
		k.refuse("qa1", "submit_for_approval", nil, http.StatusUnprocessableEntity, "capa_ineffective", "capa_rework_required")
		e.post("qa1", k.path(oldPath+"/rework"), map[string]any{"version": old["version"], "description": "更换密封圈供应批次"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "description", "unchanged")
		e.post("qa1", k.path(oldPath+"/rework"), map[string]any{"version": old["version"],
			"description": "改用氟橡胶密封圈并增加装配后气密检验"}).want(http.StatusCreated)
		k.get("qa1")
		if c := k.c["capa"].(map[string]any); c["actions"] != 1.0 || c["ineffective"] != 0.0 || c["done"] != 0.0 {
			t.Errorf("after the rework the revised action counts alone: %v", c)
		}
		k.toVerification("qa1", "1000")
		k.capaStep("qa1", "verify", map[string]any{"effective": true, "note": "连续三批无渗漏"})
		k.act("qa1", "verify_effective", "follow_up", nil)
	})
}

// TestCaseUnsatisfiedFollowUp: seed path 5 — an unsatisfied visit sends
// the case back to responsibility determination, counted as a reopen.
func TestCaseUnsatisfiedFollowUp(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "minor")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "customer")
		k.act("qa1", "reply_explanation", "follow_up", map[string]any{"body": "经检测为安装问题。"})
		k.refuse(org.RoleAgent, "follow_up_unsatisfied", map[string]any{"satisfaction": 5, "comment": "好"},
			http.StatusUnprocessableEntity, "satisfaction", "satisfied")
		k.act(org.RoleAgent, "follow_up_unsatisfied", "responsibility_determined", map[string]any{"satisfaction": 2, "comment": "不认可检测结论"})
		if k.c["reopens"] != 1.0 || k.c["follow_ups_done"] != 0.0 || len(k.c["follow_ups"].([]any)) != 1 {
			t.Fatalf("reopen: reopens %v, follow_ups_done %v", k.c["reopens"], k.c["follow_ups_done"])
		}
	})
}

// TestCaseOnTheSpot: seed path 6 — a simple complaint resolved on the
// spot within the agent's authority, then followed up and closed.
func TestCaseOnTheSpot(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		crit := e.newCase("service.attitude", "critical")
		crit.decide(org.RoleAgent, map[string]any{"resolution": "apology"})
		crit.refuse(org.RoleAgent, "resolve_on_spot", nil, http.StatusUnprocessableEntity, "safety", "not_simple")

		k := e.newCase("service.attitude", "minor")
		k.refuse(org.RoleAgent, "resolve_on_spot", map[string]any{"body": "已当面致歉"}, http.StatusUnprocessableEntity, "resolution", "required")
		k.decide(org.RoleAgent, map[string]any{"resolution": "compensation", "amount": "300", "currency": "CNY"})
		b := k.e.post(org.RoleAgent, k.path("/actions/resolve_on_spot"), map[string]any{"version": k.ver, "body": "已当面致歉并赔偿"}).
			wantErr(http.StatusForbidden, "forbidden", "amount", "beyond_authority")
		if !strings.Contains(b.Error.Fields[0].Message, "权限") {
			t.Errorf("message %q", b.Error.Fields[0].Message)
		}
		k.decide(org.RoleAgent, map[string]any{"amount": "150"})
		k.act(org.RoleAgent, "resolve_on_spot", "resolved_on_spot", map[string]any{"body": "已当面致歉并补偿代金券。"})
		if holderID(k.c) != e.users[org.RoleAgent].ID {
			t.Fatalf("the agent should hold the case: %v", k.c["holder"])
		}
		k.act(org.RoleAgent, "start_follow_up", "follow_up", nil)
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 5})
		// The QA manager may not close a sales complaint; its own manager may.
		k.refuse(org.RoleManager, "close", nil, http.StatusForbidden, "actor", "out_of_scope")
		k.act("smgr", "close", "closed", nil)
	})
}

// TestCasePartyRefusal: the staff complained about (当事人) are taken off
// the case and refused on actions, decisions and approvals.
func TestCasePartyRefusal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		qa1, mgr := e.users["qa1"].ID, e.users[org.RoleManager].ID
		k.keep(e.send(req{role: "mgr2", method: "PUT", path: k.path("/parties"), body: map[string]any{"user_ids": []int64{qa1, mgr}}}).
			want(http.StatusOK))
		if holderID(k.c) == qa1 || len(k.c["parties"].([]any)) != 2 {
			t.Fatalf("the party still holds the case: %v / %v", k.c["holder"], k.c["parties"])
		}
		k.get("qa1")
		if o := k.option("accept"); o["allowed"] != false || o["refusal"] != "forbidden" || !missing(o, "actor", "party_to_complaint") {
			t.Errorf("accept offered to the party: %v", o)
		}
		k.refuse("qa1", "accept", nil, http.StatusForbidden, "actor", "party_to_complaint")
		e.patch("qa1", k.path("/decision"), map[string]any{"version": k.ver, "validity": "invalid"}).
			wantErr(http.StatusForbidden, "forbidden", "actor", "party_to_complaint")
		e.post("mgr2", k.path("/assign"), map[string]any{"version": k.ver, "holder_id": qa1}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "holder_id", "party_to_complaint")
		k.keep(e.post("mgr2", k.path("/assign"), map[string]any{"version": k.ver, "holder_id": e.users["qa2"].ID}).want(http.StatusOK))
		k.toResponsibility("qa2", "internal")
		k.act("qa2", "propose_measures", "measures", nil)
		k.addCAPA("qa2", map[string]any{"kind": "corrective", "description": "整改", "owner_user_id": e.users["qa2"].ID})
		k.decide("qa2", map[string]any{"root_cause": "员工服务态度", "resolution": "apology", "amount": "0", "currency": "CNY"})
		k.act("qa2", "submit_for_approval", "approval", nil)
		k.refuse(org.RoleManager, "approve", nil, http.StatusForbidden, "actor", "party_to_complaint")
		k.act("mgr2", "approve", "approval", nil)
	})
}

// TestCaseAuthorityLimits: ¥15,000 needs the manager and the deputy GM
// (the manager alone cannot finish); ¥50,000 needs the GM too.
func TestCaseAuthorityLimits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "internal")
		k.act("qa1", "propose_measures", "measures", nil)
		k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "整改", "owner_user_id": e.users["qa1"].ID})
		k.decide("qa1", map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "compensation", "amount": "15000", "currency": "CNY"})
		k.act("qa1", "submit_for_approval", "approval", nil)
		chain := func() string {
			var out []string
			for _, l := range k.c["approval_chain"].([]any) {
				out = append(out, l.(map[string]any)["role"].(string))
			}
			return strings.Join(out, ",")
		}
		if chain() != "manager,deputy_gm" {
			t.Fatalf("¥15,000 chain: %s", chain())
		}
		k.refuse("qa1", "approve", nil, http.StatusForbidden, "actor", "role_not_allowed")
		k.act(org.RoleManager, "approve", "approval", nil)
		k.refuse(org.RoleManager, "approve", nil, http.StatusForbidden, "actor", "already_signed")
		k.refuse("mgr2", "approve", nil, http.StatusForbidden, "actor", "not_approver")
		k.refuse("qa1", "reply", map[string]any{"body": "方案"}, http.StatusUnprocessableEntity, "approvals_remaining", "approval_pending")
		k.act("dgm", "approve", "approval", nil)
		k.act("qa1", "reply", "replied", map[string]any{"body": "我司愿赔偿 15000 元。"})
		k.act(org.RoleAgent, "customer_disagrees", "measures", map[string]any{"reason": "客户要求更高赔偿"})
		k.decide("qa1", map[string]any{"amount": "50000"})
		k.act("qa1", "submit_for_approval", "approval", nil)
		if chain() != "manager,deputy_gm,gm" {
			t.Fatalf("¥50,000 chain: %s", chain())
		}
		k.act(org.RoleManager, "approve", "approval", nil)
		k.act("dgm", "approve", "approval", nil)
		k.refuse("qa1", "reply", map[string]any{"body": "方案"}, http.StatusUnprocessableEntity, "approvals_remaining", "approval_pending")
		k.act("gm", "approve", "approval", nil)
		k.act("qa1", "reply", "replied", map[string]any{"body": "我司愿赔偿 50000 元。"})
		if n := len(k.c["approvals"].([]any)); n != 5 {
			t.Errorf("%d approvals recorded, want 5", n)
		}
	})
}

// TestCaseStaleVersion: a change with a stale version is a 409 and
// writes nothing.
func TestCaseStaleVersion(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.routedTo("qa1", "qa2")
		k.act("qa1", "accept", "accepted", nil)
		count := func() (events, audits int) {
			e.app.DB.R.QueryRow("SELECT COUNT(*) FROM complaint_events").Scan(&events)
			e.app.DB.R.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&audits)
			return
		}
		ev, au := count()
		e.post("qa1", k.path("/actions/start_investigation"), map[string]any{"version": k.ver - 1}).
			wantErr(http.StatusConflict, "conflict", "version", "stale")
		e.patch("qa1", k.path("/decision"), map[string]any{"version": k.ver - 1, "validity": "valid"}).
			wantErr(http.StatusConflict, "conflict", "version", "stale")
		e.post("qa1", k.path("/actions/start_investigation"), map[string]any{}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "version", "required")
		if ev2, au2 := count(); ev2 != ev || au2 != au {
			t.Errorf("a stale change wrote: events %d→%d, audit %d→%d", ev, ev2, au, au2)
		}
		k.get("qa1")
		if k.status() != "accepted" || k.c["validity"] != "" {
			t.Errorf("case changed: %s %v", k.status(), k.c["validity"])
		}
		e.post("qa1", k.path("/actions/no_such_action"), map[string]any{"version": k.ver}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "action", "unknown_action")
		e.post(org.RoleAuditor, k.path("/actions/start_investigation"), map[string]any{"version": k.ver}).
			wantErr(http.StatusForbidden, "forbidden", "", "")
	})
}

// TestMyWork: "my work" lists the open cases a user holds or backs up,
// oldest change first, with status labels in the request language.
func TestMyWork(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		a := e.newCase("quality.leak", "major")
		b := e.newCase("quality.function", "minor")
		c := e.newCase("quality.appearance", "minor")
		a.routedTo("qa1", "qa2")
		b.routedTo("qa2", "qa1")
		c.routedTo("qa1", "qa2")
		a.act(org.RoleManager, "accept", "accepted", nil) // a manager may accept; a becomes the newest change
		var w struct {
			Items []struct {
				Number, Status string
				StatusLabel    string    `json:"status_label"`
				AsBackup       bool      `json:"as_backup"`
				DueAt          time.Time `json:"due_at"`
			}
		}
		e.send(req{role: "qa1", method: "GET", path: "/api/v1/me/work", headers: map[string]string{"Accept-Language": "en"}}).
			want(http.StatusOK).JSON(&w)
		var got []string
		for i, it := range w.Items {
			got = append(got, fmt.Sprintf("%s:%s:%v", it.Number, it.StatusLabel, it.AsBackup))
			// earliest due first; cases without a running limit last
			if prev := w.Items[max(i-1, 0)].DueAt; i > 0 && (prev.IsZero() && !it.DueAt.IsZero() || !it.DueAt.IsZero() && it.DueAt.Before(prev)) {
				t.Errorf("my work is not by earliest due time: %+v", w.Items)
			}
		}
		// least-loaded routing: qa1 holds a and c, backs up b
		slices.Sort(got)
		want := []string{a.num + ":Accepted:false", b.num + ":Registered:true", c.num + ":Registered:false"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("my work:\n%v\nwant\n%v", got, want)
		}
		var none struct{ Items []any }
		e.get(org.RoleAuditor, "/api/v1/me/work").want(http.StatusOK).JSON(&none)
		if len(none.Items) != 0 {
			t.Errorf("the auditor holds nothing: %v", none.Items)
		}
		var wf struct {
			Profile string
			States  []struct{ Code string }
			Default bool
		}
		e.get(org.RoleAgent, "/api/v1/workflow").want(http.StatusOK).JSON(&wf)
		if wf.Profile != "manufacturer" || !wf.Default || len(wf.States) < 10 {
			t.Errorf("workflow: %+v", wf)
		}
		e.get(org.RoleAgent, "/api/v1/workflow?profile=bank").want(http.StatusOK)
		e.get(org.RoleAgent, "/api/v1/workflow?profile=nope").wantErr(http.StatusUnprocessableEntity, "invalid", "profile", "invalid_value")
	})
}
