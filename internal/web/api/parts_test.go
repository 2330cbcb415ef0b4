package api_test

import (
	"net/http"
	"strings"
	"testing"

	"kesu/internal/org"
)

// Parts sent on a case follow the customer's class (004 §6.3): free within
// the warranty for a direct customer, at the retail price for an end user;
// a dealer's are charged to its allowance, refused once it is exhausted
// and allowed again after the business representative approves credit;
// nothing on a finished case.
func TestPartsByCustomerClass(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		newCustomer := func(b map[string]any) map[string]any {
			return e.post(org.RoleManager, "/api/v1/customers", b).want(http.StatusCreated).M()
		}
		dealer := newCustomer(map[string]any{"name": "华东净水经销", "class": "dealer"})
		walkIn := newCustomer(map[string]any{"name": "散户赵", "class": "walk_in"})
		endUser := newCustomer(map[string]any{"name": "李先生", "class": "end_user", "dealer_id": dealer["id"]})
		caseOf := func(cust map[string]any) *kase {
			b := minimal("滤芯破裂，需要配件")
			b["category"], b["severity"], b["customer_id"] = "quality.leak", "major", cust["id"]
			k := &kase{e: e, num: e.create(b)["number"].(string)}
			k.get(org.RoleGM)
			return k
		}
		ship := func(k *kase, part string, qty int, price string, warranty bool) *resp {
			k.get(org.RoleGM)
			return e.post(org.RoleGM, k.path("/parts"), map[string]any{"version": k.ver, "part": part, "qty": qty, "unit_price": price,
				"in_warranty": warranty})
		}
		last := func(r *resp) map[string]any {
			items := r.M()["items"].([]any)
			return items[len(items)-1].(map[string]any)
		}

		// A direct customer within the warranty: free; outside it: retail.
		w := caseOf(walkIn)
		ship(w, "", 1, "15.00", true).wantErr(http.StatusUnprocessableEntity, "invalid", "part", "required")
		if p := last(ship(w, "滤芯", 2, "15.00", true).want(http.StatusCreated)); p["basis"] != "warranty" || p["amount"] != 0.0 {
			t.Errorf("warranty part %v", p)
		}
		if p := last(ship(w, "滤芯", 2, "15.00", false).want(http.StatusCreated)); p["basis"] != "retail" || p["amount"] != 3000.0 {
			t.Errorf("out of warranty %v", p)
		}
		// An end user pays the retail price even within the warranty.
		u := caseOf(endUser)
		if p := last(ship(u, "滤芯", 2, "15.00", true).want(http.StatusCreated)); p["basis"] != "retail" || p["amount"] != 3000.0 {
			t.Errorf("end user part %v", p)
		}

		// The dealer: its own rate of 0.25 % on purchases of 20,000.00 gives
		// 50.00 of allowance.
		ledger := "/api/v1/dealers/" + id(dealer) + "/ledger"
		if l := e.get(org.RoleManager, ledger).want(http.StatusOK).M(); l["allowance_rate"] != "0.50" {
			t.Errorf("company default rate %v", l["allowance_rate"])
		}
		rate := "/api/v1/dealers/" + id(dealer) + "/allowance-rate"
		e.send(req{role: org.RoleManager, method: "PUT", path: rate, body: map[string]any{"rate": "x"}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "rate", "out_of_range")
		if l := e.send(req{role: org.RoleManager, method: "PUT", path: rate, body: map[string]any{"rate": "0.25"}}).want(http.StatusOK).M(); l["allowance_rate"] != "0.25" {
			t.Errorf("dealer rate %v", l["allowance_rate"])
		}
		e.finance()
		e.post(org.RoleFinance, ledger, map[string]any{"kind": "purchase", "amount": "20000.00"}).want(http.StatusCreated)
		d := caseOf(dealer)
		if p := last(ship(d, "泵", 1, "30.00", true).want(http.StatusCreated)); p["basis"] != "allowance" || p["amount"] != 3000.0 || p["ledger_entry_id"] == nil {
			t.Errorf("dealer part %v", p)
		}
		// 20.00 left: a second 30.00 pump is refused mid-case, nothing written.
		r := ship(d, "泵", 1, "30.00", true)
		r.wantErr(http.StatusConflict, "conflict", "amount", "allowance_exhausted")
		if n := len(e.get(org.RoleGM, d.path("/parts")).want(http.StatusOK).M()["items"].([]any)); n != 1 {
			t.Errorf("a refused shipment was written: %d shipments", n)
		}
		// Only the business representative (account manager) approves credit.
		e.post("qa1", ledger, map[string]any{"kind": "credit_approval", "amount": "20.00", "complaint_number": d.num}).
			want(http.StatusForbidden)
		e.post(org.RoleManager, ledger, map[string]any{"kind": "credit_approval", "amount": "20.00", "complaint_number": d.num}).
			want(http.StatusCreated)
		ship(d, "泵", 1, "30.00", true).want(http.StatusCreated)
		b := e.get(org.RoleManager, ledger).want(http.StatusOK).M()["balance"].(map[string]any)
		if b["charges"] != "60.00" || b["balance"] != "-10.00" || b["available"] != "10.00" {
			t.Errorf("balance %v", b)
		}
		tl := string(e.get(org.RoleManager, d.path("/timeline")).want(http.StatusOK).Body)
		if !strings.Contains(tl, "parts_shipped") {
			t.Errorf("timeline has no parts_shipped")
		}

		// Nothing on a finished case.
		f := e.newCase("service.response", "minor")
		f.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		e.post("smgr", f.path("/parts"), map[string]any{"version": f.ver, "part": "滤芯", "qty": 1, "unit_price": "10.00"}).
			wantErr(http.StatusConflict, "conflict", "status", "case_final")
	})
}

// The model-based test found two ways around the parts rule: a charge
// posted on the dealer's ledger naming a finished case moved money on the
// frozen case without a shipment (now refused: parts on a case are recorded
// on the case), and a unit price so large that price × quantity overflowed
// (now bounded like every amount). Nothing is written by either.
func TestPartsCannotBypassTheCase(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		dealer := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "华北净水经销", "class": "dealer"}).
			want(http.StatusCreated).M()
		walkIn := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "散户钱", "class": "walk_in"}).
			want(http.StatusCreated).M()
		ledger := "/api/v1/dealers/" + id(dealer) + "/ledger"
		e.finance()
		e.post(org.RoleFinance, ledger, map[string]any{"kind": "purchase", "amount": "200000.00"}).want(http.StatusCreated)

		f := e.newCase("service.response", "minor")
		f.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		e.post(org.RoleManager, ledger, map[string]any{"kind": "charge", "amount": "30.00", "complaint_number": f.num}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "complaint_number", "parts_on_case")
		l := e.get(org.RoleManager, ledger).want(http.StatusOK).M()
		if b := l["balance"].(map[string]any); b["charges"] != "0.00" {
			t.Errorf("a charge on the withdrawn case was booked: %v", b)
		}

		b := minimal("配件")
		b["customer_id"] = walkIn["id"]
		k := &kase{e: e, num: e.create(b)["number"].(string)}
		k.get(org.RoleGM)
		e.post(org.RoleGM, k.path("/parts"), map[string]any{"version": k.ver, "part": "滤芯", "qty": 10000, "unit_price": "9999999999999.99"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "unit_price", "too_large")
		if n := len(e.get(org.RoleGM, k.path("/parts")).want(http.StatusOK).M()["items"].([]any)); n != 0 {
			t.Errorf("%d shipments written", n)
		}
	})
}
