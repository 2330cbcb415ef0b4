package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/audit"
	fin "kesu/internal/money"
	"kesu/internal/org"
)

// TestCollectionBonusPage: finance reads the collection-bonus report in
// Chinese and English with its downloads, reached from the reports menu;
// a role without report.read gets 403 and no link to it.
func TestCollectionBonusPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sales := &org.User{Username: "sales1", Name: "业务员甲", Role: org.RoleAgent, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, sales, "!", audit.System); err != nil {
		t.Fatal(err)
	}
	now := e.app.Deps.Now().In(e.app.Config.Loc)
	due := now.AddDate(0, 0, -1).Format("2006-01-02")
	if _, err := e.app.Deps.Receivables.Add(ctx, []fin.InvoiceInput{{Ref: "INV-P1", SalespersonID: &sales.ID, Amount: "1200.50",
		InvoicedOn: due, DueOn: due}}, audit.System); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Deps.Receivables.Collect(ctx, "INV-P1", fin.CollectionInput{Amount: "1000", CollectedOn: due}, audit.System); err != nil {
		t.Fatal(err)
	}
	month := now.AddDate(0, 0, -1).Format("2006-01")

	f := e.as(org.RoleFinance)
	resp, body := f.get("/reports/collection-bonus?month=" + month)
	expect(t, resp, body, http.StatusOK, "回款奖金表", `id="bonus-rows"`, "业务员甲", "1200.50", "1000.00", "INV-P1",
		`href="/reports/collection-bonus"`, "format=xlsx", "format=csv")
	resp, body = f.get("/reports/collection-bonus?month=" + month + "&lang=en")
	expect(t, resp, body, http.StatusOK, "Collection bonus", "Bonus base", "1200.50")
	if strings.ContainsAny(body[strings.Index(body, "<main"):], "，。：；（）") {
		t.Errorf("the English page has full-width punctuation")
	}
	resp, body = f.get("/reports/collection-bonus?from=2026-02-10&to=2026-02-01")
	expect(t, resp, body, http.StatusUnprocessableEntity, "回款奖金表")
	resp, body = f.get("/reports/collection-bonus?month=" + month + "&format=csv")
	expect(t, resp, body, http.StatusOK, "INV-P1", "1200.50")
	if n := len(f.auditEntries("report.export")); n != 1 {
		t.Errorf("%d report.export entries, want 1", n)
	}

	// Finance imports the month's receivables and records a collection on
	// the page; a bad row is shown and nothing is written.
	csrf := f.csrf("/reports/collection-bonus")
	resp, body = f.postMultipart("/reports/collection-bonus/receivables", url.Values{"csrf_token": {csrf}},
		file{"ar.csv", "应收单号,业务员,金额,开票日期,到期日\nINV-P2,sales1,500.00," + due + "," + due + "\nINV-P3,nobody,1.00," + due + "," + due + "\n"})
	expect(t, resp, body, http.StatusUnprocessableEntity, "rows[1].salesperson")
	if _, err := e.app.Deps.Receivables.Get(ctx, "INV-P2"); err == nil {
		t.Errorf("a refused import wrote INV-P2")
	}
	resp, body = f.postMultipart("/reports/collection-bonus/receivables", url.Values{"csrf_token": {csrf}},
		file{"ar.csv", "应收单号,业务员,金额,开票日期,到期日\nINV-P2,sales1,500.00," + due + "," + due + "\n"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", resp.StatusCode, body)
	}
	resp, body = f.post("/reports/collection-bonus/collection", url.Values{"csrf_token": {csrf}, "ref": {"INV-P2"}, "amount": {"600"},
		"collected_on": {due}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "500.00")
	resp, body = f.post("/reports/collection-bonus/collection", url.Values{"csrf_token": {csrf}, "ref": {"INV-P2"}, "amount": {"500"},
		"collected_on": {due}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("collection: %d\n%s", resp.StatusCode, body)
	}
	resp, body = f.get("/reports/collection-bonus?month=" + month)
	expect(t, resp, body, http.StatusOK, "INV-P2", "1700.50", "1500.00")

	h := e.as(org.RoleHandler)
	resp, body = h.get("/reports/collection-bonus?month=" + month)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "INV-P1") {
		t.Errorf("a handler reads the report: %d", resp.StatusCode)
	}
	resp, _ = h.post("/reports/collection-bonus/collection", url.Values{"csrf_token": {h.csrf("/complaints")}, "ref": {"INV-P1"},
		"amount": {"1"}, "collected_on": {due}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a handler recorded a collection: %d", resp.StatusCode)
	}
	resp, body = h.get("/complaints")
	expect(t, resp, body, http.StatusOK)
	refuse(t, body, "/reports/collection-bonus", `href="/dashboard"`)
}
