package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/thedatashed/xlsxreader"

	"kesu/internal/audit"
	"kesu/internal/export"
	"kesu/internal/org"
)

// TestExportAsync follows an export from request to download: 202 with an
// id, progress, done, the file read back by another library, access for
// the requester and administrators only, masking without export.personal
// and the audit trail.
func TestExportAsync(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fin := &org.User{Username: "u_finance", Name: "测试财务", Role: org.RoleFinance}
		if err := e.app.DB.Registers().CreateUser(ctx, fin, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.app.Deps.Auth.CreateToken(ctx, fin.ID, "test", audit.System)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[org.RoleFinance] = tok
		for i := range 3 {
			e.create(minimal(fmt.Sprintf("导出 %d", i)))
		}
		other := minimal("邮件来的")
		other["channel"] = "email"
		e.create(other)

		body := map[string]any{"format": "xlsx", "filter": map[string]string{"channel": "phone", "sort": "received_asc"}}
		r := e.post(org.RoleGM, "/api/v1/exports", body).want(http.StatusAccepted)
		var ex struct {
			ID       int64  `json:"id"`
			Status   string `json:"status"`
			Rows     int64  `json:"rows"`
			Total    int64  `json:"total"`
			Personal bool   `json:"personal"`
			FileURL  string `json:"file_url"`
		}
		r.JSON(&ex)
		if ex.Status != export.Queued || !ex.Personal || r.Header.Get("Location") != fmt.Sprintf("/api/v1/exports/%d", ex.ID) {
			t.Fatalf("queued export %+v, Location %q", ex, r.Header.Get("Location"))
		}
		path := fmt.Sprintf("/api/v1/exports/%d", ex.ID)
		e.get(org.RoleGM, path+"/file").want(http.StatusConflict)

		if _, err := e.app.Worker.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		e.get(org.RoleGM, path).want(http.StatusOK).JSON(&ex)
		if ex.Status != export.Done || ex.Rows != 3 || ex.Total != 3 || ex.FileURL != path+"/file" {
			t.Fatalf("finished export %+v: %s", ex, e.get(org.RoleGM, path).Body)
		}
		f := e.get(org.RoleGM, path+"/file").want(http.StatusOK)
		if ct := f.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.openxmlformats") {
			t.Errorf("content type %q", ct)
		}
		if cd := f.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
			t.Errorf("content disposition %q", cd)
		}
		x, err := xlsxreader.NewReader(f.Body)
		if err != nil {
			t.Fatal(err)
		}
		var rows []xlsxreader.Row
		for row := range x.ReadRows(x.Sheets[0]) {
			rows = append(rows, row)
		}
		cell := func(r int, col string) string {
			for _, c := range rows[r].Cells {
				if c.Column == col {
					return c.Value
				}
			}
			return ""
		}
		if len(rows) != 4 || cell(0, "A") != "投诉编号" || cell(0, "K") != "投诉人" || cell(1, "K") != "张三" ||
			cell(1, "L") != "13812348000" || cell(1, "C") != "电话" || !strings.HasPrefix(cell(1, "A"), "KS-") || cell(3, "H") != "导出 2" {
			t.Fatalf("exported rows: %+v", rows)
		}

		// Others may not see it; administrators may.
		e.get(org.RoleFinance, path).want(http.StatusForbidden)
		e.get(org.RoleFinance, path+"/file").want(http.StatusForbidden)
		e.get(org.RoleAdmin, path).want(http.StatusOK)
		e.post(org.RoleAgent, "/api/v1/exports", body).want(http.StatusForbidden)
		e.post(org.RoleGM, "/api/v1/exports", map[string]any{"format": "pdf"}).wantErr(http.StatusUnprocessableEntity, "invalid", "format", "invalid_value")
		e.post(org.RoleGM, "/api/v1/exports", map[string]any{"filter": map[string]string{"status": "nonsense"}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "status", "invalid_value")

		// Finance exports without export.personal: masked.
		r = e.post(org.RoleFinance, "/api/v1/exports", map[string]any{"format": "csv", "filter": map[string]string{"channel": "phone"}}).
			want(http.StatusAccepted)
		r.JSON(&ex)
		if ex.Personal {
			t.Fatal("finance export is personal")
		}
		if _, err := e.app.Worker.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		csv := e.get(org.RoleFinance, fmt.Sprintf("/api/v1/exports/%d/file", ex.ID)).want(http.StatusOK)
		text := string(csv.Body)
		if !strings.HasPrefix(text, export.BOM+"投诉编号,") || strings.Contains(text, "张三") || !strings.Contains(text, "张*") ||
			strings.Contains(text, "13812348000") || !strings.Contains(text, "138****8000") {
			t.Fatalf("masked CSV:\n%s", text)
		}
		var list struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		e.get(org.RoleFinance, "/api/v1/exports").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0].ID != ex.ID {
			t.Errorf("finance's exports = %+v", list.Items)
		}

		for action, want := range map[string]int{"export.request": 2, "export.done": 2, "export.download": 2} {
			es, err := e.app.DB.Audit().List(ctx, audit.Filter{Action: action, Limit: 10})
			if err != nil || len(es) != want {
				t.Errorf("audit %s: %d entries, %v; want %d", action, len(es), err, want)
			}
		}
	})
}
