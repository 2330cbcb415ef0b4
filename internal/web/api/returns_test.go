package api_test

import (
	"net/http"
	"strings"
	"testing"

	"kesu/internal/org"
)

// A return slip 成品退货单 (RET-1, 003 第十三条): approved by the manager, the
// warehouse's receipt booked within the customer's over-quantity tolerance
// and sent back to the approver beyond it; the company default for a
// customer that names none; defective goods through inbound slip, test
// (SLA-10), repair, re-test and stock-in in order; the printed slip; no
// return on a finished case.
func TestReturnSlip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		dealer := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "华东净水经销", "class": "dealer"}).
			want(http.StatusCreated).M()
		tol := "/api/v1/customers/" + id(dealer) + "/tolerance"
		if m := e.get(org.RoleManager, tol).want(http.StatusOK).M(); m["effective_bp"] != 500.0 || m["tolerance_bp"] != nil {
			t.Errorf("default tolerance %v", m)
		}
		e.send(req{role: org.RoleManager, method: "PUT", path: tol, body: map[string]any{"tolerance": "101"}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "tolerance", "out_of_range")
		if m := e.send(req{role: org.RoleManager, method: "PUT", path: tol, body: map[string]any{"tolerance": "10"}}).want(http.StatusOK).M(); m["effective_bp"] != 1000.0 {
			t.Errorf("tolerance %v", m)
		}

		body := minimal("净水器漏水，退货")
		body["category"], body["severity"], body["customer_id"] = "quality.leak", "major", dealer["id"]
		c := e.create(body)
		k := &kase{e: e, num: c["number"].(string)}
		k.get(org.RoleManager)

		put := func(who string, b map[string]any) *resp {
			b["version"] = k.ver
			return e.send(req{role: who, method: "PUT", path: k.path("/return"), body: b})
		}
		// Bad input: field errors, nothing written.
		put(org.RoleManager, map[string]any{"reason": "", "handling": "burn", "approved_qty": 0}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "approved_qty", "positive")
		if m := e.get(org.RoleManager, k.path("/return")).want(http.StatusOK).M(); m["return_slip"] != nil {
			t.Fatalf("a refused slip was written: %v", m)
		}
		// Only an approver (经（副）理) approves the slip.
		put("qa1", map[string]any{"reason": "外壳开裂", "handling": "repair", "approved_qty": 10}).want(http.StatusForbidden)
		m := put(org.RoleManager, map[string]any{"reason": "外壳开裂", "handling": "repair", "approved_qty": 10}).want(http.StatusOK).M()
		slip := m["return_slip"].(map[string]any)
		if slip["status"] != "approved" || slip["approved_qty"] != 10.0 || !strings.HasSuffix(slip["number"].(string), "-R") {
			t.Fatalf("slip %v", slip)
		}
		k.get(org.RoleManager)
		e.post("qa1", k.path("/return/steps"), map[string]any{"step": "inbound"}).
			wantErr(http.StatusConflict, "conflict", "return_slip", "return_state")

		// 12 received against 10 approved at 10 %: beyond 11, back to the approver.
		receive := func(qty int) *resp {
			return e.post("qa1", k.path("/return/receive"), map[string]any{"received_qty": qty, "signer": "仓管 周"})
		}
		e.post("qa1", k.path("/return/receive"), map[string]any{"received_qty": 12}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "signer", "required")
		slip = receive(12).want(http.StatusOK).M()["return_slip"].(map[string]any)
		if slip["status"] != "referred" || slip["booked_qty"] != nil || slip["received_qty"] != 12.0 || slip["tolerance_bp"] != 1000.0 {
			t.Fatalf("over tolerance %v", slip)
		}
		ns, err := e.app.DB.SLAClocks().Notifications(t.Context(), e.users[org.RoleManager].ID, true, 20)
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, n := range ns {
			told = told || n.Kind == "case.return_referred"
		}
		if !told {
			t.Errorf("the approver was not told: %+v", ns)
		}
		receive(12).wantErr(http.StatusConflict, "conflict", "return_slip", "return_state")
		// The approver approves the slip again; 11 of 10 is within 10 %.
		k.get(org.RoleManager)
		put(org.RoleManager, map[string]any{"reason": "外壳开裂，实退 11", "handling": "repair", "approved_qty": 10}).want(http.StatusOK)
		m = receive(11).want(http.StatusOK).M()
		slip = m["return_slip"].(map[string]any)
		if slip["status"] != "booked" || slip["booked_qty"] != 11.0 || slip["signer"] != "仓管 周" || m["next_step"] != "inbound" {
			t.Fatalf("within tolerance %v", m)
		}
		k.get(org.RoleManager)
		put(org.RoleManager, map[string]any{"reason": "改", "handling": "repair", "approved_qty": 20}).
			wantErr(http.StatusConflict, "conflict", "return_slip", "return_state")

		// Defective goods: a step out of order is refused; the inbound slip
		// starts the one-week test limit, the test meets it.
		step := func(s string) *resp {
			return e.post("qa1", k.path("/return/steps"), map[string]any{"step": s, "note": s + " 记录"})
		}
		step("test").wantErr(http.StatusConflict, "conflict", "step", "return_step_order")
		step("inbound").want(http.StatusCreated)
		if ck := k.clocksOf()["sla_10"]; ck.State != "running" {
			t.Errorf("SLA-10 after the inbound slip: %+v", ck)
		}
		step("test").want(http.StatusCreated)
		if ck := k.clocksOf()["sla_10"]; ck.State != "met" {
			t.Errorf("SLA-10 after the test: %+v", ck)
		}
		step("retest").wantErr(http.StatusConflict, "conflict", "step", "return_step_order")
		step("repair").want(http.StatusCreated)
		step("repair").wantErr(http.StatusConflict, "conflict", "step", "return_step_order")
		step("retest").want(http.StatusCreated)
		m = step("stock_in").want(http.StatusCreated).M()
		steps := m["return_slip"].(map[string]any)["steps"].([]any)
		if len(steps) != 5 || m["next_step"] != nil || steps[4].(map[string]any)["step"] != "stock_in" {
			t.Fatalf("steps %v", m)
		}
		step("stock_in").wantErr(http.StatusConflict, "conflict", "step", "return_step_order")
		tl := string(e.get(org.RoleManager, k.path("/timeline")).want(http.StatusOK).Body)
		for _, kind := range []string{"return_slip", "return_received", "return_step"} {
			if !strings.Contains(tl, kind) {
				t.Errorf("timeline has no %s", kind)
			}
		}
		pdf := e.get(org.RoleManager, k.path("/forms/return.pdf")).want(http.StatusOK)
		if !strings.HasPrefix(string(pdf.Body), "%PDF") {
			t.Errorf("return.pdf is not a PDF")
		}

		// No customer tolerance: the company default 5 %, 21 of 20 is booked.
		w := e.newCase("quality.leak", "major")
		w.get(org.RoleManager)
		e.send(req{role: org.RoleManager, method: "PUT", path: w.path("/return"), body: map[string]any{"version": w.ver,
			"reason": "批量不良", "handling": "rework", "approved_qty": 20}}).want(http.StatusOK)
		slip = e.post("qa1", w.path("/return/receive"), map[string]any{"received_qty": 21, "signer": "仓管 周"}).want(http.StatusOK).
			M()["return_slip"].(map[string]any)
		if slip["status"] != "booked" || slip["booked_qty"] != 21.0 || slip["tolerance_bp"] != 500.0 {
			t.Errorf("default tolerance %v", slip)
		}
		e.get(org.RoleManager, e.newCase("quality.leak", "minor").path("/forms/return.pdf")).want(http.StatusNotFound)

		// Nothing on a finished case.
		f := e.newCase("service.response", "minor")
		f.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		e.send(req{role: "smgr", method: "PUT", path: f.path("/return"), body: map[string]any{"version": f.ver,
			"reason": "退货", "handling": "repair", "approved_qty": 1}}).wantErr(http.StatusConflict, "conflict", "status", "case_final")
	})
}
