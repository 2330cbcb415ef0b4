package api_test

import (
	"net/http"
	"strings"
	"testing"

	"kesu/internal/org"
)

// A dealer's allowance is 0.5 % of purchases; a charge beyond it is
// refused until a manager approves credit; an agent may not (CUS-3).
func TestDealerLedger(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		dealer := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "D-L1", "name": "华北经销商", "class": "dealer"}).
			want(http.StatusCreated).M()
		walkin := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "W-L1", "name": "散户", "class": "walk_in"}).
			want(http.StatusCreated).M()
		c := e.create(minimal("配件更换"))
		path := "/api/v1/dealers/" + id(dealer) + "/ledger"
		balance := func(l map[string]any) map[string]any { return l["balance"].(map[string]any) }

		// Purchases and payments raise what the allowance covers: finance
		// books them.
		e.finance()
		e.post(org.RoleAgent, path, map[string]any{"kind": "purchase", "amount": "100000"}).
			wantErr(http.StatusForbidden, "forbidden", "actor", "permission_denied")
		e.post(org.RoleManager, path, map[string]any{"kind": "payment", "amount": "100"}).
			wantErr(http.StatusForbidden, "forbidden", "actor", "permission_denied")
		l := e.post(org.RoleFinance, path, map[string]any{"kind": "purchase", "amount": "100000", "note": "三月订货"}).want(http.StatusCreated).M()
		if b := balance(l); b["purchases"] != "100000.00" || b["allowance"] != "500.00" || b["available"] != "500.00" {
			t.Fatalf("after purchase %v", b)
		}
		// Parts sent on a case are recorded on the case, which prices
		// them, keeps finished cases frozen and posts the charge: a
		// direct charge naming a complaint is refused, nothing written.
		e.post(org.RoleAgent, path, map[string]any{"kind": "charge", "amount": "300", "complaint_number": c["number"]}).
			wantErr(422, "invalid", "complaint_number", "parts_on_case")
		l = e.post(org.RoleAgent, path, map[string]any{"kind": "charge", "amount": "300", "note": "经销商自行维修用滤芯"}).
			want(http.StatusCreated).M()
		if b := balance(l); b["charges"] != "300.00" || b["available"] != "200.00" {
			t.Errorf("after charge %v", b)
		}
		entries := l["entries"].([]any)
		if last := entries[len(entries)-1].(map[string]any); last["kind"] != "charge" || last["complaint_number"] != nil {
			t.Errorf("charge entry %v", last)
		}
		body := e.post(org.RoleAgent, path, map[string]any{"kind": "charge", "amount": "300.00"}).
			wantErr(http.StatusConflict, "conflict", "amount", "allowance_exhausted")
		if msg := body.Error.Fields[0].Message; !strings.Contains(msg, "200.00") {
			t.Errorf("refusal does not name the available amount: %q", msg)
		}
		e.post(org.RoleAgent, path, map[string]any{"kind": "credit_approval", "amount": "200"}).
			wantErr(http.StatusForbidden, "forbidden", "actor", "role")
		l = e.post(org.RoleManager, path, map[string]any{"kind": "credit_approval", "amount": "200", "note": "客户经理批准"}).
			want(http.StatusCreated).M()
		if b := balance(l); b["approved_credit"] != "200.00" || b["available"] != "400.00" {
			t.Errorf("after credit %v", b)
		}
		l = e.post(org.RoleAgent, path, map[string]any{"kind": "charge", "amount": "300.00"}).want(http.StatusCreated).M()
		if b := balance(l); b["charges"] != "600.00" || b["balance"] != "-100.00" || b["available"] != "100.00" {
			t.Errorf("after the charge within credit %v", b)
		}
		got := e.get(org.RoleAuditor, path).want(http.StatusOK).M()
		if n := len(got["entries"].([]any)); n != 5 { // purchase, allowance, charge, credit, charge
			t.Errorf("%d entries: %v", n, got["entries"])
		}

		e.post(org.RoleAgent, path, map[string]any{"kind": "gift", "amount": "1"}).wantErr(422, "invalid", "kind", "")
		e.post(org.RoleFinance, path, map[string]any{"kind": "payment", "amount": "1.234"}).wantErr(422, "invalid", "amount", "invalid_amount")
		e.post(org.RoleFinance, path, map[string]any{"kind": "payment", "amount": "0"}).wantErr(422, "invalid", "amount", "positive")
		e.post(org.RoleAgent, path, map[string]any{"kind": "credit_approval", "amount": "1", "complaint_number": "KS-NOPE"}).
			wantErr(422, "invalid", "complaint_number", "not_found")
		e.post(org.RoleFinance, "/api/v1/dealers/"+id(walkin)+"/ledger", map[string]any{"kind": "payment", "amount": "10"}).
			wantErr(422, "invalid", "customer_id", "not_dealer")
		e.get(org.RoleAgent, "/api/v1/dealers/99999/ledger").wantErr(http.StatusNotFound, "not_found", "", "")
	})
}
