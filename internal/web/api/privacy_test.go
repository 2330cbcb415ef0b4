package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"kesu/internal/org"
)

// TestErasePersonalData: an administrator erases a closed complaint's
// personal data through the API; open complaints, missing reasons and
// other roles are refused with nothing written.
func TestErasePersonalData(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.create(minimal("漏水"))
		number := c["number"].(string)
		path := "/api/v1/complaints/" + url.PathEscape(number)

		e.post(org.RoleAdmin, "/api/v1/privacy/erasures", map[string]any{"number": number, "reason": "客户要求"}).
			wantErr(http.StatusConflict, "conflict", "number", "still_open")
		if _, err := e.app.DB.W.ExecContext(context.Background(), e.app.DB.Dialect.Rebind(`UPDATE complaints SET status = 'closed', closed_at = ? WHERE number = ?`),
			time.Now().UnixMicro(), number); err != nil {
			t.Fatal(err)
		}
		e.post(org.RoleAdmin, "/api/v1/privacy/erasures", map[string]any{"number": number}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "reason", "required")
		e.post(org.RoleGM, "/api/v1/privacy/erasures", map[string]any{"number": number, "reason": "客户要求"}).
			wantErr(http.StatusForbidden, "forbidden", "", "")
		if got := e.get(org.RoleAdmin, path).want(http.StatusOK).M()["complainant"].(map[string]any)["name"]; got != "张三" {
			t.Fatalf("refused erasures changed the complainant: %v", got)
		}

		var res struct {
			Complaints []struct{ Number string }
			Already    []string `json:"already_erased"`
		}
		e.post(org.RoleAdmin, "/api/v1/privacy/erasures", map[string]any{"number": number, "reason": "客户要求"}).
			want(http.StatusOK).JSON(&res)
		if len(res.Complaints) != 1 || res.Complaints[0].Number != number {
			t.Errorf("erasure answered %+v", res)
		}
		cp := e.get(org.RoleAdmin, path).want(http.StatusOK).M()["complainant"].(map[string]any)
		if cp["name"] != "***" || cp["phone"] != nil && cp["phone"] != "" {
			t.Errorf("complainant after erasure: %v", cp)
		}
		e.post(org.RoleAdmin, "/api/v1/privacy/erasures", map[string]any{"number": number, "reason": "客户要求"}).
			want(http.StatusOK).JSON(&res)
		if len(res.Complaints) != 0 || len(res.Already) != 1 {
			t.Errorf("a repeated erasure answered %+v", res)
		}
		// An erased case is not reopened: the contact data to work it is
		// gone, and what comes next is a new complaint. Archiving it,
		// which keeps it finished, is still allowed.
		e.staff()
		qa, err := e.app.DB.Cases().DepartmentByCode(context.Background(), "qa")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.DB.W.ExecContext(context.Background(), e.app.DB.Dialect.Rebind(`UPDATE complaints SET department_id = ? WHERE number = ?`),
			qa, number); err != nil {
			t.Fatal(err)
		}
		k := &kase{e: e, num: number}
		k.get("mgr2")
		k.refuse("mgr2", "reopen", map[string]any{"reason": "客户再次来电"}, http.StatusConflict, "complaint", "case_erased")
		k.act("mgr2", "archive", "archived", nil)
	})
}
