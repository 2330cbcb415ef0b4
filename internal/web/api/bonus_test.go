package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/thedatashed/xlsxreader"

	"kesu/internal/audit"
	fin "kesu/internal/money"
	"kesu/internal/org"
)

// The salesperson's collection-bonus report (FIN-1, 003 第十三条(二)3),
// computed by hand for February 2026 (the clock stands at 2026-03-10):
//
//	salesperson  receivable  due       collected (date)                    within   excluded          base
//	甲 (s1)      A1          10000.00  10000.00 (02-08)                    10000.00 1500.00 (K1)      8500.00
//	甲 (s1)      A2           5000.00  3000.00 (02-20) + 2000.00 (03-02)   3000.00        0           3000.00
//	乙 (s2)      B1           8000.00  8000.00 (02-14)                     8000.00  2500.00 (K2) → 0  5500.00 → 8000.00
//	丙 (s3)      C1           2000.00  nothing                             0              0           0
//
// A receivable due on 03-05 and one due on 01-31 are outside the month.
// K2's complaint is then found not established: its note is void and B1
// counts again. Totals: due 25000.00, collected 23000.00, within terms
// 21000.00, excluded 1500.00 (4000.00 before), base 19500.00 (17000.00).
func TestCollectionBonusReport(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		ctx := context.Background()
		var sales []*org.User
		for i, name := range []string{"甲", "乙", "丙"} {
			u := &org.User{Username: fmt.Sprintf("sales%d", i+1), Name: "业务员" + name, Role: org.RoleAgent}
			if err := e.app.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
				t.Fatal(err)
			}
			sales = append(sales, u)
		}
		clerk := &org.User{Username: "fin1", Name: "会计", Role: org.RoleFinance}
		if err := e.app.DB.Registers().CreateUser(ctx, clerk, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.app.Deps.Auth.CreateToken(ctx, clerk.ID, "test", audit.System)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens["fin"], e.users["fin"] = tok, clerk

		// Receivables from the accounting system: a CSV file and JSON rows.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "receivables.csv")
		fw.Write([]byte("\ufeff应收单号,业务员,金额,开票日期,到期日\n" +
			"INV-A1,sales1,10000.00,2026-01-05,2026-02-10\n" +
			"INV-A2,sales1,5000,2026-01-20,2026-02-20\n" +
			"INV-B1,sales2,8000.00,2026-01-10,2026-02-15\n\n"))
		mw.Close()
		upload := func(role string) *resp {
			return e.send(req{role: role, method: "POST", path: "/api/v1/receivables", body: body.Bytes(), ctype: mw.FormDataContentType()})
		}
		upload(org.RoleAgent).want(http.StatusForbidden)
		if m := upload("fin").want(http.StatusOK).M(); m["rows"] != 3.0 || m["added"] != 3.0 {
			t.Fatalf("import %v", m)
		}
		if m := upload("fin").want(http.StatusOK).M(); m["added"] != 0.0 {
			t.Errorf("the same file again added %v", m["added"])
		}
		rows := func(rs ...map[string]any) map[string]any { return map[string]any{"rows": rs} }
		row := func(ref string, who int, amount, due string) map[string]any {
			return map[string]any{"ref": ref, "salesperson_id": sales[who].ID, "amount": amount, "invoiced_on": "2026-01-15", "due_on": due}
		}
		e.post("fin", "/api/v1/receivables", rows(row("INV-A1", 0, "9999.00", "2026-02-10"))).
			wantErr(http.StatusUnprocessableEntity, "invalid", "rows[0].ref", "duplicate")
		e.post("fin", "/api/v1/receivables", rows(map[string]any{"ref": "INV-X", "salesperson": "nobody", "amount": "1.00",
			"invoiced_on": "2026-01-01", "due_on": "2026-02-01"})).wantErr(http.StatusUnprocessableEntity, "invalid", "rows[0].salesperson", "not_found")
		bad := row("INV-X", 2, "1.00", "2026-02-01")
		bad["salesperson_id"] = 999999
		e.post("fin", "/api/v1/receivables", rows(bad)).wantErr(http.StatusUnprocessableEntity, "invalid", "rows[0].salesperson_id", "not_found")
		bad = row("INV-X", 2, "1.00", "2026-02-01")
		bad["customer_id"] = 999999
		e.post("fin", "/api/v1/receivables", rows(bad)).wantErr(http.StatusUnprocessableEntity, "invalid", "rows[0].customer_id", "not_found")
		e.post("fin", "/api/v1/receivables", rows(row("INV-X", 2, "1.00", "2025-12-31"))).
			wantErr(http.StatusUnprocessableEntity, "invalid", "rows[0].due_on", "before_from")
		if m := e.post("fin", "/api/v1/receivables", rows(row("INV-C1", 2, "2000.00", "2026-02-28"), row("INV-C2", 2, "1200.50", "2026-03-05"),
			row("INV-Z0", 1, "700.00", "2026-01-31"))).want(http.StatusOK).M(); m["added"] != 3.0 {
			t.Fatalf("rows %v", m)
		}

		// Collections.
		collect := func(role, ref, amount, on string) *resp {
			return e.post(role, "/api/v1/receivables/"+ref+"/collections", map[string]any{"amount": amount, "collected_on": on})
		}
		collect(org.RoleManager, "INV-A1", "10000.00", "2026-02-08").want(http.StatusForbidden)
		collect("fin", "INV-A1", "10000.00", "2026-02-08").want(http.StatusCreated)
		collect("fin", "INV-A2", "3000.00", "2026-02-20").want(http.StatusCreated)
		collect("fin", "INV-A2", "2000.00", "2026-03-02").want(http.StatusCreated) // after the terms
		b := collect("fin", "INV-A2", "0.01", "2026-03-02").wantErr(http.StatusUnprocessableEntity, "invalid", "amount", "exceeds_outstanding")
		if !strings.Contains(b.Error.Fields[0].Message, "0.00") {
			t.Errorf("the message does not name the outstanding amount: %q", b.Error.Fields[0].Message)
		}
		collect("fin", "INV-B1", "8000.00", "2026-02-14").want(http.StatusCreated)
		collect("fin", "INV-Z0", "700.00", "2026-01-30").want(http.StatusCreated)
		collect("fin", "INV-C1", "1.00", "2026-03-11").wantErr(http.StatusUnprocessableEntity, "invalid", "collected_on", "in_future")
		collect("fin", "INV-NONE", "1.00", "2026-03-01").want(http.StatusNotFound)
		a2 := e.get(org.RoleGM, "/api/v1/receivables/INV-A2").want(http.StatusOK).M()
		if a2["collected"] != 500000.0 || len(a2["collections"].([]any)) != 2 || a2["salesperson"] != "业务员甲" {
			t.Errorf("INV-A2 %v", a2)
		}

		// The credit notes of two complaints flag A1 and B1.
		creditCase := func(ref, amount string) *kase {
			k := e.newCase("quality.leak", "major")
			k.toResponsibility("qa1", "internal")
			k.act("qa1", "propose_measures", "measures", nil)
			k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "整改", "owner_user_id": e.users["qa1"].ID})
			k.decide("qa1", map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "discount", "currency": "CNY"})
			e.send(req{role: "qa1", method: "PUT", path: k.path("/credit-note"), body: map[string]any{"version": k.ver,
				"reason": "货款折让 " + ref, "receivables": []map[string]any{{"ref": ref, "amount": amount}}}}).want(http.StatusOK)
			k.get("qa1")
			return k
		}
		k1 := creditCase("INV-A1", "1500.00")
		k2 := creditCase("INV-B1", "2500.00")

		type figs struct {
			n                                      int
			due, collected, within, excluded, base int64
		}
		report := func() (map[string]figs, figs, map[string]any) {
			m := e.get(org.RoleGM, "/api/v1/reports/collection-bonus?month=2026-02").want(http.StatusOK).M()
			got := map[string]figs{}
			f := func(x map[string]any) figs {
				return figs{int(x["receivables"].(float64)), int64(x["due"].(float64)), int64(x["collected"].(float64)),
					int64(x["within_terms"].(float64)), int64(x["excluded"].(float64)), int64(x["base"].(float64))}
			}
			for _, r := range m["rows"].([]any) {
				x := r.(map[string]any)
				got[x["salesperson"].(string)] = f(x)
			}
			sums := m["sums"].([]any)
			if len(sums) != 1 {
				t.Fatalf("sums %v", sums)
			}
			return got, f(sums[0].(map[string]any)), m
		}
		rowsWant := map[string]figs{
			"业务员甲": {2, 1500000, 1500000, 1300000, 150000, 1150000},
			"业务员乙": {1, 800000, 800000, 800000, 250000, 550000},
			"业务员丙": {1, 200000, 0, 0, 0, 0},
		}
		got, sum, m := report()
		if fmt.Sprint(got) != fmt.Sprint(rowsWant) {
			t.Errorf("rows\n got %v\nwant %v", got, rowsWant)
		}
		if want := (figs{4, 2500000, 2300000, 2100000, 400000, 1700000}); sum != want {
			t.Errorf("sum %v, want %v", sum, want)
		}
		ex := m["exclusions"].([]any)
		if len(ex) != 2 {
			t.Fatalf("exclusions %v", ex)
		}
		if x := ex[0].(map[string]any); x["complaint"] != k1.num || x["note"] != k1.num+"-Z" || x["ref"] != "INV-A1" || x["excluded"] != 150000.0 {
			t.Errorf("exclusion %v", x)
		}

		// Not established: K2's note is void and B1 counts again.
		k2.decide("qa1", map[string]any{"established": false})
		rowsWant["业务员乙"] = figs{1, 800000, 800000, 800000, 0, 800000}
		got, sum, m = report()
		if fmt.Sprint(got) != fmt.Sprint(rowsWant) {
			t.Errorf("after not established, rows\n got %v\nwant %v", got, rowsWant)
		}
		if want := (figs{4, 2500000, 2300000, 2100000, 150000, 1950000}); sum != want {
			t.Errorf("after not established, sum %v, want %v", sum, want)
		}
		if ex := m["exclusions"].([]any); len(ex) != 1 {
			t.Errorf("exclusions %v", ex)
		}
		// The same by date range.
		r := e.get(org.RoleGM, "/api/v1/reports/collection-bonus?from=2026-02-01&to=2026-02-28").want(http.StatusOK).M()
		if fmt.Sprint(r["sums"]) != fmt.Sprint(m["sums"]) || r["month"] != nil {
			t.Errorf("range %v, month %v", r["sums"], m["sums"])
		}
		e.get(org.RoleGM, "/api/v1/reports/collection-bonus?from=2026-02-10&to=2026-02-01").
			wantErr(http.StatusUnprocessableEntity, "invalid", "to", "before_from")
		e.get(org.RoleHandler, "/api/v1/reports/collection-bonus?month=2026-02").want(http.StatusForbidden)

		// The workbook, read back by another library, and the CSV hold
		// the report's figures.
		before := e.auditCount("report.export")
		x := e.get("fin", "/api/v1/reports/collection-bonus?month=2026-02&format=xlsx").want(http.StatusOK)
		wb, err := xlsxreader.NewReader(x.Body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(wb.Sheets, ",") != "业务员汇总,应收明细,客诉扣除" {
			t.Fatalf("sheets %v", wb.Sheets)
		}
		sheet := func(name string) [][]xlsxreader.Cell {
			var out [][]xlsxreader.Cell
			for r := range wb.ReadRows(name) {
				if r.Error != nil {
					t.Fatal(r.Error)
				}
				out = append(out, r.Cells)
			}
			return out
		}
		fen := func(c xlsxreader.Cell) int64 {
			if c.Type != xlsxreader.TypeNumerical {
				t.Errorf("cell %s%d %q is not a number", c.Column, c.Row, c.Value)
			}
			n, err := fin.Parse(c.Value)
			if err != nil {
				t.Errorf("cell %s%d %q: %v", c.Column, c.Row, c.Value, err)
			}
			return n
		}
		people := sheet("业务员汇总")
		if len(people) != 1+3+1 {
			t.Fatalf("salespeople sheet has %d rows", len(people))
		}
		xlsRows := map[string]figs{}
		for _, cs := range people[1:] {
			if len(cs) != 8 || cs[2].Type != xlsxreader.TypeNumerical {
				t.Fatalf("row %v", cs)
			}
			f := figs{0, fen(cs[3]), fen(cs[4]), fen(cs[5]), fen(cs[6]), fen(cs[7])}
			fmt.Sscan(cs[2].Value, &f.n)
			xlsRows[cs[0].Value] = f
		}
		wantXLS := map[string]figs{"合计": {4, 2500000, 2300000, 2100000, 150000, 1950000}}
		for k, v := range rowsWant {
			wantXLS[k] = v
		}
		if fmt.Sprint(xlsRows) != fmt.Sprint(wantXLS) {
			t.Errorf("workbook rows\n got %v\nwant %v", xlsRows, wantXLS)
		}
		lines := sheet("应收明细")
		if len(lines) != 1+4 {
			t.Fatalf("receivables sheet has %d rows", len(lines))
		}
		if excl := sheet("客诉扣除"); len(excl) != 2 || excl[1][2].Value != k1.num || fen(excl[1][7]) != 150000 {
			t.Errorf("exclusions sheet %v", excl)
		}

		c := e.get("fin", "/api/v1/reports/collection-bonus?month=2026-02&format=csv").want(http.StatusOK)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(lines) {
			t.Fatalf("CSV has %d rows, the workbook's receivables %d", len(recs), len(lines))
		}
		// Every receivable row of the CSV equals the workbook's, and the
		// CSV's rows add up to each salesperson's figures.
		csvSum := map[string]figs{}
		for i, rec := range recs[1:] {
			cs := lines[i+1]
			if rec[0] != cs[0].Value || rec[1] != cs[1].Value {
				t.Errorf("CSV row %d %v, workbook %v", i+1, rec, cs)
			}
			var f [5]int64
			for j := range 5 {
				n, err := fin.Parse(rec[5+j])
				if err != nil {
					t.Fatalf("CSV %q: %v", rec[5+j], err)
				}
				if w := fen(cs[5+j]); w != n {
					t.Errorf("CSV row %d column %d %d, workbook %d", i+1, 5+j, n, w)
				}
				f[j] = n
			}
			s := csvSum[rec[0]]
			s.n++
			s.due, s.collected, s.within, s.excluded, s.base = s.due+f[0], s.collected+f[1], s.within+f[2], s.excluded+f[3], s.base+f[4]
			csvSum[rec[0]] = s
		}
		if fmt.Sprint(csvSum) != fmt.Sprint(rowsWant) {
			t.Errorf("CSV sums\n got %v\nwant %v", csvSum, rowsWant)
		}
		if n := e.auditCount("report.export"); n != before+2 {
			t.Errorf("report.export entries %d → %d, want two more", before, n)
		}

		// The page shows the same figures, in both languages.
		for _, lang := range []string{"zh", "en"} {
			p := e.get("fin", "/reports/collection-bonus?month=2026-02&lang="+lang)
			if p.Status != http.StatusOK {
				t.Fatalf("page %s: %d", lang, p.Status)
			}
			html := string(p.Body)
			for _, s := range []string{"业务员甲", "15000.00", "13000.00", "1500.00", "11500.00", "19500.00", k1.num + "-Z", "INV-C1"} {
				if !strings.Contains(html, s) {
					t.Errorf("page %s lacks %s", lang, s)
				}
			}
			if strings.Contains(html, k2.num) {
				t.Errorf("page %s still excludes the void note of %s", lang, k2.num)
			}
		}
	})
}
