package api_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/org"
)

// pdfText extracts a PDF's text with pdftotext; without it the test is
// skipped, except in CI, which must run it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext not installed (poppler-utils)")
		}
		t.Fatal("pdftotext not installed; CI must install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "form.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestFormPDFs(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("表单打印"))["number"].(string)
		base := "/api/v1/complaints/" + num + "/forms/"
		r := e.get(org.RoleGM, base+"handling.pdf").want(http.StatusOK)
		if r.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("content type %q", r.Header.Get("Content-Type"))
		}
		text := pdfText(t, r.Body)
		for _, want := range []string{"客户投诉处理单", num, "表单打印", "13812348000", "第1联 质保部", "第5联 总经办"} {
			if !strings.Contains(text, want) {
				t.Errorf("handling.pdf lacks %q:\n%s", want, text)
			}
		}
		// The auditor reads masked personal data.
		text = pdfText(t, e.get(org.RoleAuditor, base+"handling.pdf").want(http.StatusOK).Body)
		if strings.Contains(text, "13812348000") || !strings.Contains(text, "138****8000") {
			t.Errorf("auditor's form is not masked:\n%s", text)
		}
		text = pdfText(t, e.get(org.RoleAgent, base+"letter.pdf").want(http.StatusOK).Body)
		if !strings.Contains(text, "受理函") || !strings.Contains(text, num) {
			t.Errorf("letter.pdf:\n%s", text)
		}
		text = pdfText(t, e.get(org.RoleAgent, base+"8d.pdf").want(http.StatusOK).Body)
		if !strings.Contains(text, "8D 报告") || !strings.Contains(text, "D2 问题描述") || !strings.Contains(text, num) {
			t.Errorf("8d.pdf:\n%s", text)
		}
		e.get(org.RoleAgent, base+"recall.pdf").want(http.StatusNotFound)
		e.get(org.RoleAgent, base+"handling").want(http.StatusNotFound)
		e.get("", base+"handling.pdf").want(http.StatusUnauthorized)
		es, err := e.app.DB.Audit().List(context.Background(), audit.Filter{Action: "form.print", Limit: 10})
		if err != nil || len(es) != 4 {
			t.Errorf("form.print audit entries = %d, %v; want 4", len(es), err)
		}
	})
}

// TestPenaltyNoticePDF: the reward/penalty notice prints once the GM
// approved it, in Chinese or English; before, it is a conflict.
func TestPenaltyNoticePDF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		qa, err := e.app.DB.Cases().DepartmentByCode(t.Context(), "qa")
		if err != nil {
			t.Fatal(err)
		}
		e.get(org.RoleManager, k.path("/forms/penalty.pdf")).want(http.StatusNotFound)
		lines := []map[string]any{{"department_id": qa, "kind": "penalty", "amount": "200.00", "reason": "出货检验漏检"}}
		m := e.send(req{role: org.RoleManager, method: "PUT", path: k.path("/penalty"), body: map[string]any{"version": k.ver, "lines": lines}}).
			want(http.StatusOK).M()
		e.get(org.RoleManager, k.path("/forms/penalty.pdf")).wantErr(http.StatusConflict, "conflict", "penalty", "penalty_not_approved")
		e.post(org.RoleGM, k.path("/penalty/approve"), map[string]any{"version": m["version"]}).want(http.StatusOK)
		text := pdfText(t, e.get(org.RoleManager, k.path("/forms/penalty.pdf")).want(http.StatusOK).Body)
		for _, want := range []string{"奖罚通知单", k.num, "贰佰元整", "出货检验漏检", e.users[org.RoleGM].Name} {
			if !strings.Contains(text, want) {
				t.Errorf("penalty.pdf lacks %q:\n%s", want, text)
			}
		}
		r := e.send(req{role: org.RoleManager, method: "GET", path: k.path("/forms/penalty.pdf"), headers: map[string]string{"Accept-Language": "en"}})
		text = pdfText(t, r.want(http.StatusOK).Body)
		if !strings.Contains(text, "Reward/penalty notice") || !strings.Contains(text, "Two hundred yuan only") {
			t.Errorf("English penalty.pdf:\n%s", text)
		}
	})
}
