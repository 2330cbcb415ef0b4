package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
)

// TestPersonalDataInTimelineAndWriteBack: a contact change on the
// timeline is masked for a reader without the personal-data permission and
// an audited read for the others; a masked value sent back unchanged keeps
// the stored one.
func TestPersonalDataInTimelineAndWriteBack(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := minimal("联系方式")
		body["complainant"] = map[string]any{"name": "张三", "phone": "13812348000", "email": "zhang.san@example.com", "address": "浙江省杭州市西湖区文三路 100 号"}
		c := e.create(body)
		path := "/api/v1/complaints/" + url.PathEscape(c["number"].(string))
		e.patch(org.RoleAgent, path, map[string]any{"version": 1, "complainant": map[string]any{"phone": "13912349999"}}).want(http.StatusOK)

		tl := string(e.get(org.RoleAuditor, path+"/timeline").want(http.StatusOK).Body)
		if strings.Contains(tl, "13812348000") || strings.Contains(tl, "13912349999") || !strings.Contains(tl, "138****8000") {
			t.Errorf("the auditor's timeline shows the contact change unmasked: %s", tl)
		}
		before := e.auditCount("complaint.timeline.read")
		tl = string(e.get(org.RoleAgent, path+"/timeline").want(http.StatusOK).Body)
		if !strings.Contains(tl, "13912349999") {
			t.Errorf("the agent's timeline lacks the change: %s", tl)
		}
		if n := e.auditCount("complaint.timeline.read"); n != before+1 {
			t.Errorf("unmasked timeline read audited %d times, want once", n-before)
		}

		// The masked values, as a masked reader sees them, sent back with
		// another change: the stored contact details stay.
		masked := e.get(org.RoleAuditor, path).want(http.StatusOK).M()
		mc := masked["complainant"].(map[string]any)
		if mc["email"] == "zhang.san@example.com" {
			t.Fatal("the auditor reads the e-mail unmasked")
		}
		e.patch(org.RoleAgent, path, map[string]any{"version": 2, "subject": "联系方式（已核实）",
			"complainant": map[string]any{"name": "张三", "phone": mc["phone"], "email": mc["email"], "address": mc["address"]}}).want(http.StatusOK)
		got := e.get(org.RoleAgent, path).want(http.StatusOK).M()
		gc := got["complainant"].(map[string]any)
		if got["subject"] != "联系方式（已核实）" || gc["phone"] != "13912349999" || gc["email"] != "zhang.san@example.com" ||
			gc["address"] != "浙江省杭州市西湖区文三路 100 号" {
			t.Errorf("after a masked write-back: %v", got)
		}
		// A real change still changes.
		e.patch(org.RoleAgent, path, map[string]any{"version": 3, "complainant": map[string]any{"email": "new@example.com"}}).want(http.StatusOK)
		if g := e.get(org.RoleAgent, path).M(); g["complainant"].(map[string]any)["email"] != "new@example.com" {
			t.Errorf("e-mail not changed: %v", g)
		}
		// Customers: a masked contact sent back keeps the stored one.
		cu := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"name": "李四", "class": "end_user", "phone": "13700001111",
			"email": "li.si@example.com"}).want(http.StatusCreated).M()
		cpath := fmt.Sprintf("/api/v1/customers/%v", cu["id"])
		e.patch(org.RoleAgent, cpath, map[string]any{"version": 1, "phone": "137****1111", "email": "l***@example.com", "note": "VIP"}).want(http.StatusOK)
		if g := e.get(org.RoleAgent, cpath).M(); g["phone"] != "13700001111" || g["email"] != "li.si@example.com" || g["note"] != "VIP" {
			t.Errorf("customer after a masked write-back: %v", g)
		}
	})
}

// TestAuditorCannotFileMemoThroughThePage: the memo page route checks the
// same permission as the API; a read-only auditor is refused on both and
// no memo reaches the timeline.
func TestAuditorCannotFileMemoThroughThePage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.create(minimal("签呈权限"))
		number := c["number"].(string)
		status, body := e.raw("POST", fmt.Sprintf("/complaints/%v/memo", c["id"]), "application/x-www-form-urlencoded",
			url.Values{"memo": {"审计员签呈：要求全额退款"}}.Encode(), bearer(e.tokens[org.RoleAuditor]))
		if status != http.StatusForbidden {
			t.Errorf("auditor memo through the page: %d, want 403: %.300s", status, body)
		}
		e.post(org.RoleAuditor, "/api/v1/complaints/"+url.PathEscape(number)+"/memos", map[string]any{"body": "审计员签呈"}).
			wantErr(403, "forbidden", "", "")
		tl := string(e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(number)+"/timeline").want(http.StatusOK).Body)
		if strings.Contains(tl, "审计员签呈") {
			t.Errorf("the auditor's memo is on the timeline: %s", tl)
		}
		// The agent who works the case files one through the page.
		status, body = e.raw("POST", fmt.Sprintf("/complaints/%v/memo", c["id"]), "application/x-www-form-urlencoded",
			url.Values{"memo": {"客服签呈：建议特批"}}.Encode(), bearer(e.tokens[org.RoleAgent]))
		if status != http.StatusSeeOther {
			t.Errorf("agent memo through the page: %d: %.300s", status, body)
		}
	})
}

// TestUnmaskedReadsAudited: every read that shows personal data unmasked —
// one complaint, the list (API and page), a customer and the customer
// list — writes one audit entry per request whatever the rows; a masked
// read writes none.
func TestUnmaskedReadsAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var first string
		for i := range 3 {
			n := e.create(minimal(fmt.Sprintf("审计读取 %d", i)))["number"].(string)
			if first == "" {
				first = n
			}
		}
		e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"name": "王五", "class": "end_user", "phone": "13600002222"}).want(http.StatusCreated)
		count := func(action string) int { return e.auditCount(action) }
		type read struct {
			name, action string
			do           func()
		}
		reads := []read{
			{"API list", "complaint.list", func() { e.get(org.RoleAgent, "/api/v1/complaints?limit=50").want(http.StatusOK) }},
			{"API read", "complaint.read", func() { e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(first)).want(http.StatusOK) }},
			{"API customers", "customer.list", func() { e.get(org.RoleAgent, "/api/v1/customers").want(http.StatusOK) }},
			{"page list", "complaint.list", func() {
				if status, body := e.raw("GET", "/complaints", "", "", bearer(e.tokens[org.RoleAgent])); status != http.StatusOK {
					t.Fatalf("list page: %d %.200s", status, body)
				}
			}},
			{"page customers", "customer.list", func() {
				if status, body := e.raw("GET", "/customers", "", "", bearer(e.tokens[org.RoleAgent])); status != http.StatusOK {
					t.Fatalf("customer page: %d %.200s", status, body)
				}
			}},
		}
		for _, rd := range reads {
			before := count(rd.action)
			rd.do()
			if n := count(rd.action) - before; n != 1 {
				t.Errorf("%s: %d %s entries, want 1", rd.name, n, rd.action)
			}
		}
		var l struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/audit?limit=1&action=complaint.list").want(http.StatusOK).JSON(&l)
		if d, _ := l.Items[0]["detail"].(map[string]any); fmt.Sprint(d["count"]) != "3" {
			t.Errorf("the list entry names %v complaints, want 3", d["count"])
		}
		// Masked reads are not personal-data reads.
		before := count("complaint.list") + count("customer.list")
		e.get(org.RoleAuditor, "/api/v1/complaints").want(http.StatusOK)
		e.get(org.RoleAuditor, "/api/v1/customers").want(http.StatusOK)
		if n := count("complaint.list") + count("customer.list"); n != before {
			t.Errorf("masked lists audited as personal reads: %d", n-before)
		}
	})
}
