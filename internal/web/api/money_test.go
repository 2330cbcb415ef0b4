package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kesu/internal/app"
	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/org"
)

// The loss of a case, costed by the rule and allocated by shares adding
// up to 100 %; the reward/penalty notice approved by the GM, back to
// approval when its amounts change; the monthly list computed by hand; no
// money on a finished case (FIN-2).
func TestLossPenaltyAndMonthlyList(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		qa, err := e.app.DB.Cases().DepartmentByCode(t.Context(), "qa")
		if err != nil {
			t.Fatal(err)
		}
		handler := e.users[org.RoleHandler].ID

		// Shares that do not add up to 100 % are refused, nothing written.
		bad := map[string]any{"version": k.ver, "responsible": []map[string]any{{"department_id": qa, "share": 60}, {"user_id": handler, "share": 30}}}
		e.send(req{role: org.RoleManager, method: "PATCH", path: k.path("/decision"), body: bad}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "responsible", "shares_sum")
		if m := e.get(org.RoleManager, k.path("/money")).want(http.StatusOK).M(); len(m["allocation"].([]any)) != 0 {
			t.Fatalf("refused shares were written: %v", m["allocation"])
		}
		good := map[string]any{"version": k.ver, "responsible": []map[string]any{{"department_id": qa, "share": 70}, {"user_id": handler, "share": 30}}}
		e.send(req{role: org.RoleManager, method: "PATCH", path: k.path("/decision"), body: good}).want(http.StatusOK)
		k.get(org.RoleManager)

		// parts 120.50 + 90 min × 80.00/h = 120.00 + freight 30.00 +
		// compensation 200.00 + 2 returned × 50.00 = 100.00 → 570.50,
		// allocated 70 % = 399.35 and 30 % = 171.15.
		e.send(req{role: org.RoleManager, method: "PUT", path: k.path("/loss"), body: map[string]any{"version": k.ver, "parts": "120.5x"}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "parts", "invalid_amount")
		m := e.send(req{role: org.RoleManager, method: "PUT", path: k.path("/loss"), body: map[string]any{"version": k.ver, "parts": "120.50",
			"labour_minutes": 90, "freight": "30", "compensation": "200.00", "returned_units": 2}}).want(http.StatusOK).M()
		loss := m["loss"].(map[string]any)
		if loss["labour"] != 12000.0 || loss["returns"] != 10000.0 || loss["total"] != 57050.0 {
			t.Errorf("loss %v", loss)
		}
		alloc := m["allocation"].([]any)
		if len(alloc) != 2 || alloc[0].(map[string]any)["amount"] != 39935.0 || alloc[1].(map[string]any)["amount"] != 17115.0 {
			t.Errorf("allocation %v", alloc)
		}
		k.get(org.RoleManager)

		// The notice: QA penalty 200.00, the handler penalty 50.00 and a
		// reward of 20.00 to the QA engineer who found the cause.
		lines := []map[string]any{{"department_id": qa, "kind": "penalty", "amount": "200.00", "reason": "出货检验漏检"},
			{"user_id": handler, "kind": "penalty", "amount": "50"}, {"user_id": e.users["qa1"].ID, "kind": "reward", "amount": "20.00"}}
		m = e.send(req{role: org.RoleManager, method: "PUT", path: k.path("/penalty"), body: map[string]any{"version": k.ver, "lines": lines}}).
			want(http.StatusOK).M()
		p := m["penalty"].(map[string]any)
		if p["status"] != "pending_approval" || p["penalties"] != 25000.0 || p["rewards"] != 2000.0 {
			t.Fatalf("notice %v", p)
		}
		ver := int(m["version"].(float64))
		ns, err := e.app.DB.SLAClocks().Notifications(t.Context(), e.users[org.RoleGM].ID, true, 20)
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, n := range ns {
			told = told || n.Kind == "case.penalty_to_approve"
		}
		if !told {
			t.Errorf("the GM was not asked to approve: %+v", ns)
		}
		month := e.app.Deps.Now().In(e.app.Config.Loc).Format("2006-01")
		list := func() map[string]any {
			return e.get(org.RoleGM, "/api/v1/reports/penalties?month="+month).want(http.StatusOK).M()
		}
		if l := list(); l["cases"] != 0.0 || len(l["lines"].([]any)) != 0 {
			t.Errorf("an unapproved notice is listed: %v", l)
		}

		approve := func(who string, v int) *resp {
			return e.post(who, k.path("/penalty/approve"), map[string]any{"version": v})
		}
		approve(org.RoleManager, ver).wantErr(http.StatusForbidden, "forbidden", "actor", "role")
		approve("dgm", ver).wantErr(http.StatusForbidden, "forbidden", "actor", "role")
		m = approve(org.RoleGM, ver).want(http.StatusOK).M()
		if p := m["penalty"].(map[string]any); p["status"] != "approved" || p["approved_by"] != float64(e.users[org.RoleGM].ID) {
			t.Fatalf("approved %v", p)
		}
		ver = int(m["version"].(float64))

		// The month's list by hand: QA −200.00 (1 case), the handler
		// −50.00, qa1 +20.00; sums penalties 250.00, rewards 20.00.
		l := list()
		if l["cases"] != 1.0 || len(l["lines"].([]any)) != 3 {
			t.Fatalf("list %v", l)
		}
		net := map[string]float64{}
		for _, x := range l["totals"].([]any) {
			tt := x.(map[string]any)
			net[tt["party_kind"].(string)+":"+tt["party"].(string)] = tt["net"].(float64)
		}
		want := map[string]float64{"department:品质部": -20000, "person:" + e.users[org.RoleHandler].Name: -5000, "person:" + e.users["qa1"].Name: 2000}
		for kk, v := range want {
			if net[kk] != v {
				t.Errorf("net of %s = %v, want %v (all: %v)", kk, net[kk], v, net)
			}
		}
		sums := l["sums"].([]any)
		if len(sums) != 1 || sums[0].(map[string]any)["penalties"] != 25000.0 || sums[0].(map[string]any)["rewards"] != 2000.0 {
			t.Errorf("sums %v", sums)
		}
		x := e.get(org.RoleGM, "/api/v1/reports/penalties?month="+month+"&format=xlsx").want(http.StatusOK)
		if !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") || len(x.Body) < 100 {
			t.Errorf("xlsx %s, %d bytes", x.Header.Get("Content-Type"), len(x.Body))
		}
		c := e.get(org.RoleGM, "/api/v1/reports/penalties?month="+month+"&format=csv").want(http.StatusOK)
		if !strings.Contains(string(c.Body), "200.00") || !strings.Contains(string(c.Body), "50.00") {
			t.Errorf("csv %s", c.Body)
		}

		// A changed amount goes back to approval and leaves the list.
		lines[1]["amount"] = "80.00"
		m = e.send(req{role: org.RoleManager, method: "PUT", path: k.path("/penalty"), body: map[string]any{"version": ver, "lines": lines}}).
			want(http.StatusOK).M()
		if p := m["penalty"].(map[string]any); p["status"] != "pending_approval" || p["penalties"] != 28000.0 {
			t.Fatalf("changed after approval: %v", p)
		}
		if l := list(); l["cases"] != 0.0 {
			t.Errorf("a notice back in approval is listed: %v", l)
		}
		tl := string(e.get(org.RoleManager, k.path("/timeline")).want(http.StatusOK).Body)
		if !strings.Contains(tl, "returned_to_approval") || !strings.Contains(tl, "penalty_approved") {
			t.Errorf("timeline %s", tl)
		}

		// A finished case moves no money.
		k.get(org.RoleManager)
		w := e.newCase("service.response", "minor")
		w.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		e.send(req{role: "smgr", method: "PUT", path: w.path("/loss"), body: map[string]any{"version": w.ver, "parts": "10.00"}}).
			wantErr(http.StatusConflict, "conflict", "status", "case_final")
		e.send(req{role: "smgr", method: "PUT", path: w.path("/penalty"), body: map[string]any{"version": w.ver,
			"lines": []map[string]any{{"department_id": qa, "kind": "penalty", "amount": "10.00"}}}}).
			wantErr(http.StatusConflict, "conflict", "status", "case_final")
	})
}

// A credit note 销货折让证明单 beyond the issuer's authority is refused
// until the workflow's authority chain approves its amount; changed after
// approval it goes back to approval; the customer's signed copy is filed;
// its receivables are flagged until the complaint is found not
// established (FIN-1).
func TestCreditNoteApprovalAndReceivables(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.routedTo("qa1", "qa2")
		k.toResponsibility("qa1", "internal")
		k.act("qa1", "propose_measures", "measures", nil)
		k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "整改", "owner_user_id": e.users["qa1"].ID})
		note := func(amounts ...string) map[string]any {
			var rs []map[string]any
			for i, a := range amounts {
				rs = append(rs, map[string]any{"ref": fmt.Sprintf("INV-2026-%02d", i+1), "amount": a})
			}
			return map[string]any{"version": k.ver, "reason": "滤芯批次质量问题，货款折让", "receivables": rs}
		}
		put := func(body map[string]any) *resp {
			return e.send(req{role: "qa1", method: "PUT", path: k.path("/credit-note"), body: body})
		}
		// Only for a discount or compensation.
		put(note("100.00")).wantErr(http.StatusUnprocessableEntity, "invalid", "resolution", "credit_resolution")
		k.decide("qa1", map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "discount", "currency": "CNY"})
		put(map[string]any{"version": k.ver, "reason": "折让", "receivables": []map[string]any{{"ref": "", "amount": "1.234"}}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "receivables[0].amount", "invalid_amount")

		// 1500.00 + 1000.00 = 2500.00: beyond the QA engineer's authority.
		m := put(note("1500.00", "1000.00")).want(http.StatusOK).M()
		cn := m["credit_note"].(map[string]any)
		if cn["amount"] != 250000.0 || cn["status"] != "draft" || cn["approved"] != false {
			t.Fatalf("note %v", cn)
		}
		k.get("qa1")
		if k.c["amount"] != "2500.00" {
			t.Errorf("the plan amount is %v, want the note's 2500.00", k.c["amount"])
		}
		issue := func(who string) *resp {
			return e.post(who, k.path("/credit-note/issue"), map[string]any{"version": k.ver})
		}
		issue("qa1").wantErr(http.StatusForbidden, "forbidden", "amount", "credit_not_approved")

		k.act("qa1", "submit_for_approval", "approval", nil)
		k.act(org.RoleManager, "approve", "approval", nil)
		issue("qa1").wantErr(http.StatusForbidden, "forbidden", "amount", "credit_not_approved") // the deputy GM has not signed
		k.act("dgm", "approve", "approval", nil)
		m = issue("qa1").want(http.StatusOK).M()
		if cn := m["credit_note"].(map[string]any); cn["status"] != "issued" || cn["approved"] != true {
			t.Fatalf("issued %v", cn)
		}
		k.get("qa1")

		// Changed after approval: back to approval, not signable.
		m = put(note("1500.00", "1500.00")).want(http.StatusOK).M()
		if cn := m["credit_note"].(map[string]any); cn["status"] != "draft" || cn["approved"] != false || cn["amount"] != 300000.0 {
			t.Fatalf("changed note %v", cn)
		}
		k.get("qa1")
		if k.status() != "approval" || len(k.c["approvers"].([]any)) != 0 {
			t.Errorf("the changed amount left the plan %s with signatures %v", k.status(), k.c["approvers"])
		}
		e.post("qa1", k.path("/credit-note/sign"), map[string]any{"attachment_id": 1}).
			wantErr(http.StatusConflict, "conflict", "credit_note", "credit_state")
		issue("qa1").wantErr(http.StatusForbidden, "forbidden", "amount", "credit_not_approved")
		k.act(org.RoleManager, "approve", "approval", nil)
		k.act("dgm", "approve", "approval", nil)
		issue("qa1").want(http.StatusOK)
		k.get("qa1")

		// The customer's signed copy.
		att := e.upload("qa1", k.num, "signed.pdf", []byte("%PDF-1.4 signed")).want(http.StatusCreated).M()
		e.post("qa1", k.path("/credit-note/sign"), map[string]any{"attachment_id": 999999}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "attachment_id", "not_found")
		m = e.post("qa1", k.path("/credit-note/sign"), map[string]any{"attachment_id": att["id"], "signer": "王经理"}).want(http.StatusOK).M()
		if cn := m["credit_note"].(map[string]any); cn["status"] != "signed" || cn["signed_how"] != "upload" {
			t.Fatalf("signed %v", cn)
		}
		flagged := func() []any {
			return e.get(org.RoleGM, "/api/v1/receivables/flagged").want(http.StatusOK).M()["items"].([]any)
		}
		if f := flagged(); len(f) != 2 || f[0].(map[string]any)["ref"] != "INV-2026-01" || f[1].(map[string]any)["amount"] != 150000.0 {
			t.Errorf("flagged %v", f)
		}
		pdf := e.get("qa1", k.path("/forms/credit.pdf"))
		if pdf.Status != http.StatusOK || !strings.HasPrefix(string(pdf.Body), "%PDF") {
			t.Errorf("credit note PDF: %d", pdf.Status)
		}
		// Not established after all: the note is void and the
		// receivables are due on their normal terms.
		k.get("qa1")
		k.decide("qa1", map[string]any{"established": false})
		if f := flagged(); len(f) != 0 {
			t.Errorf("receivables still flagged after the complaint was found not established: %v", f)
		}
		m = e.get("qa1", k.path("/money")).want(http.StatusOK).M()
		if cn := m["credit_note"].(map[string]any); cn["status"] != "void" || cn["void_reason"] != "not_established" {
			t.Errorf("note %v", cn)
		}
	})
}

// 谁销售谁服务 (CUS-2): an end user's complaint names the A-class dealer
// that serves it on the case and its timeline, shows in the dealer's own
// list, and the dealer is told by email.
func TestServedByDealer(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.SMTPHost, c.SMTPPort, c.SMTPFrom = "127.0.0.1", 1, "kesu@example.com" }, func(t *testing.T, e *env) {
		dealer := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "华东净水经销", "class": "dealer",
			"email": "dealer@example.com"}).want(http.StatusCreated).M()
		user := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "李先生", "class": "end_user",
			"dealer_id": dealer["id"]}).want(http.StatusCreated).M()
		walkIn := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "散户赵", "class": "walk_in"}).want(http.StatusCreated).M()
		body := minimal("净水器出水慢")
		body["customer_id"] = user["id"]
		c := e.create(body)
		other := minimal("散户投诉")
		other["customer_id"] = walkIn["id"]
		e.create(other)
		e.runJobs()
		e.runJobs() // a repeated job records it once

		cs := e.get(org.RoleGM, "/api/v1/complaints/"+c["number"].(string)+"/case").want(http.StatusOK).M()
		if sb, _ := cs["served_by"].(map[string]any); sb == nil || sb["name"] != "华东净水经销" {
			t.Errorf("served_by %v", cs["served_by"])
		}
		tl := string(e.get(org.RoleGM, "/api/v1/complaints/"+c["number"].(string)+"/timeline").want(http.StatusOK).Body)
		if strings.Count(tl, `"served_by_dealer"`) != 1 || !strings.Contains(tl, "华东净水经销") {
			t.Errorf("timeline %s", tl)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		e.get(org.RoleGM, fmt.Sprintf("/api/v1/complaints?dealer_id=%v", dealer["id"])).want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0]["number"] != c["number"] {
			t.Errorf("the dealer's list %v", list.Items)
		}
		js, err := e.app.DB.Jobs().List(t.Context(), jobs.Filter{Kind: notify.JobEmail, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		told := 0
		for _, j := range js {
			if j.Key == fmt.Sprintf("dealer:%v", c["id"]) && strings.Contains(string(j.Payload), "dealer@example.com") {
				told++
			}
		}
		if told != 1 {
			t.Errorf("the dealer was told %d times", told)
		}
	})
}

// A complaint withdrawn before the registration job ran is frozen: the
// job neither writes the dealer on its timeline nor tells the dealer (the
// model-based test found the entry written on a merged case).
func TestServedByDealerNotOnAFinishedCase(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.SMTPHost, c.SMTPPort, c.SMTPFrom = "127.0.0.1", 1, "kesu@example.com" }, func(t *testing.T, e *env) {
		e.staff()
		dealer := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "西南净水经销", "class": "dealer",
			"email": "dealer2@example.com"}).want(http.StatusCreated).M()
		user := e.post(org.RoleManager, "/api/v1/customers", map[string]any{"name": "周女士", "class": "end_user",
			"dealer_id": dealer["id"]}).want(http.StatusCreated).M()
		body := minimal("净水器异响")
		body["customer_id"], body["category"], body["severity"] = user["id"], "service.response", "minor"
		c := e.create(body)
		k := &kase{e: e, num: c["number"].(string)}
		k.get("smgr")
		k.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		e.runJobs()
		tl := string(e.get(org.RoleGM, k.path("/timeline")).want(http.StatusOK).Body)
		if strings.Contains(tl, `"served_by_dealer"`) {
			t.Errorf("the withdrawn case got the dealer entry: %s", tl)
		}
		js, err := e.app.DB.Jobs().List(t.Context(), jobs.Filter{Kind: notify.JobEmail, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			if strings.Contains(string(j.Payload), "dealer2@example.com") {
				t.Errorf("the dealer was told of a withdrawn complaint")
			}
		}
	})
}
