package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/export"
	"kesu/internal/org"
)

// TestExportFromList exports the complaint list with its filters from the
// list page, follows it on the exports page and downloads it.
func TestExportFromList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, ch := range []string{"phone", "phone", "email"} {
		c := &complaint.Complaint{Channel: ch, Subject: "导出页面 " + ch, Description: "d", Severity: "minor",
			Complainant: complaint.Complainant{Name: "李雷", Phone: "13900001234"}}
		if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	m := e.as(org.RoleGM)
	resp, body := m.get("/complaints?channel=phone&q=")
	expect(t, resp, body, http.StatusOK, `action="/exports"`, `name="channel" value="phone"`, "导出 Excel", "导出 CSV")
	refuse(t, body, `type="hidden" name="q"`)
	csrf := csrfRe.FindStringSubmatch(body)[1]

	resp, body = m.post("/exports", url.Values{"csrf_token": {csrf}, "channel": {"phone"}, "format": {"csv"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/exports?queued=") {
		t.Fatalf("export request: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = m.get("/exports")
	expect(t, resp, body, http.StatusOK, "排队中", `http-equiv="refresh"`)
	if _, err := e.app.Worker.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	resp, body = m.get("/exports")
	expect(t, resp, body, http.StatusOK, "已完成", "2 / 2", "下载")
	refuse(t, body, `http-equiv="refresh"`)
	link := regexp.MustCompile(`href="(/exports/\d+/file)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no download link:\n%s", body)
	}
	resp, body = m.get(link[1])
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, export.BOM+"投诉编号") || strings.Count(body, "导出页面 phone") != 2 ||
		strings.Contains(body, "email") || !strings.Contains(body, "13900001234") {
		t.Fatalf("download: %d\n%s", resp.StatusCode, body)
	}

	// Another exporter may not download it; an agent may not export.
	f := e.as(org.RoleFinance)
	resp, _ = f.get(link[1])
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another user's download: %d", resp.StatusCode)
	}
	a := e.as(org.RoleAgent)
	resp, body = a.get("/complaints")
	refuse(t, body, `action="/exports"`)
	resp, _ = a.get("/exports")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent's exports page: %d", resp.StatusCode)
	}
}

// TestHandlingFormPage prints the handling form as HTML, one sheet per
// numbered copy, with links from the complaint page.
func TestHandlingFormPage(t *testing.T) {
	e := newEnv(t)
	c := &complaint.Complaint{Channel: "phone", Subject: "打印处理单", Description: "d", Severity: "major",
		Complainant: complaint.Complainant{Name: "韩梅梅", Phone: "13900005678"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	e.login("admin", adminPassword)
	id := strconv.FormatInt(c.ID, 10)
	resp, body := e.get("/complaints/" + id)
	expect(t, resp, body, http.StatusOK, "/complaints/"+id+"/forms/handling", "/complaints/"+id+"/forms/handling.pdf",
		"/complaints/"+id+"/forms/letter.pdf", "/complaints/"+id+"/forms/8d.pdf")
	resp, body = e.get("/complaints/" + id + "/forms/handling")
	expect(t, resp, body, http.StatusOK, "客户投诉处理单", c.Number, "打印处理单", "13900005678", "第1联 质保部", "第2联 生产部",
		"第3联 销售部", "第4联 财务部", "第5联 总经办", `href="/complaints/`+id+`/forms/handling.pdf"`)
	if n := strings.Count(body, `class="sheet form-sheet"`); n != 5 {
		t.Errorf("%d sheets, want 5", n)
	}
	resp, body = e.get("/complaints/" + id + "/forms/handling.pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("handling.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = e.get("/complaints/" + id + "/forms/8d")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("forms/8d without .pdf: %d", resp.StatusCode)
	}
}
