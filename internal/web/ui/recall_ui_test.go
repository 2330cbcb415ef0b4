package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
)

// pdfText extracts a PDF's text with pdftotext, as the printform tests do.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext not installed (poppler-utils)")
		}
		t.Fatal("pdftotext not installed; CI must install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "notice.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// A QA manager starts a recall from a complaint on its page, imports the
// shipments, a distributor answers through its link (a figure above the
// shipped quantity is refused on the form), the public notice shows in
// Chinese and English and prints as a PDF, and the recall closes only with
// the test report.
func TestRecallPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := &product.Product{Code: "P-RCU", Name: "有机大米", Model: "5kg"}
	if err := e.app.Deps.Products.CreateProduct(ctx, p, audit.System); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Deps.Products.CreateBatch(ctx, &product.Batch{ProductID: p.ID, LotNo: "L-RCU-1", Quantity: 500}, audit.System); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"D-U1", "D-U2"} {
		if err := e.app.Deps.Customers.CreateCustomer(ctx, &customer.Customer{Code: code, Name: "经销商" + code, Class: "dealer",
			Email: strings.ToLower(code) + "@example.com"}, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "大米发霉", Description: "开袋发霉", Category: "quality.leak", Severity: "major",
		BatchNo: "L-RCU-1", Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}

	csrf := e.loginAs(org.RoleManager)
	resp, body := e.get("/recalls/new?complaint=" + strconv.FormatInt(c.ID, 10))
	expect(t, resp, body, http.StatusOK, `id="recall-new"`)
	form := url.Values{"csrf_token": {csrf}, "source_kind": {"complaint"}, "source_id": {strconv.FormatInt(c.ID, 10)},
		"product_id": {strconv.FormatInt(p.ID, 10)}, "lots": {"L-RCU-1"}, "title": {"有机大米召回"}, "reason": {"霉变"},
		"how_to_return": {"凭购买凭证到原购买门店退货"}, "packaging": {"5kg 真空袋"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Del("reason")
	resp, body = e.post("/recalls/new", bad)
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="recall-new"`)
	resp, body = e.post("/recalls/new", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start recall: %d\n%s", resp.StatusCode, body)
	}
	page := resp.Header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/recalls/"), 10, 64)

	resp, body = e.postMultipart(page+"/shipments", url.Values{"csrf_token": {csrf}},
		file{"发货.csv", "客户编码,批号,数量\nD-U1,L-RCU-1,80\nD-U2,L-RCU-1,20\n"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page)
	expect(t, resp, body, http.StatusOK, "经销商D-U1", "经销商D-U2", "0% (0/100)")

	tasks, err := e.app.Deps.Recalls.Store.Tasks(ctx, id)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("tasks: %v %v", tasks, err)
	}
	tk := tasks[0]
	anon := &env{t: t, app: e.app, srv: e.srv, http: e.client()}
	resp, body = anon.get("/recall-task/" + tk.Token)
	expect(t, resp, body, http.StatusOK, "有机大米", `name="recalled"`)
	resp, body = anon.post("/recall-task/"+tk.Token, url.Values{"recalled": {"81"}, "in_stock": {"0"}, "isolated": {"0"}, "destroyed": {"0"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "不能超过发货数量")
	resp, body = anon.post("/recall-task/"+tk.Token, url.Values{"recalled": {"50"}, "in_stock": {"30"}, "isolated": {"80"}, "destroyed": {"0"}})
	expect(t, resp, body, http.StatusOK, "谢谢")
	resp, body = e.get(page)
	expect(t, resp, body, http.StatusOK, "80% (80/100)")
	resp, body = e.get("/dashboard")
	expect(t, resp, body, http.StatusOK, `id="dashboard-recalls"`, "80% (80/100)")

	// The public notice, in both languages, and its printable forms.
	resp, body = anon.get("/recall-notices/" + strconv.FormatInt(id, 10))
	expect(t, resp, body, http.StatusOK, "产品召回公告", "有机大米", "P-RCU", "L-RCU-1", "5kg 真空袋", "凭购买凭证到原购买门店退货")
	resp, body = anon.get("/recall-notices/" + strconv.FormatInt(id, 10) + "?lang=en")
	expect(t, resp, body, http.StatusOK, "Product recall notice", "How to return it", "L-RCU-1")
	resp, body = anon.get("/recall-notices/" + strconv.FormatInt(id, 10) + "/print")
	expect(t, resp, body, http.StatusOK, "产品召回公告", "notice.pdf")
	resp, body = anon.get("/recall-notices/" + strconv.FormatInt(id, 10) + "/notice.pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("notice.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := pdfText(t, []byte(body))
	for _, want := range []string{"产品召回公告", "有机大米", "P-RCU", "L-RCU-1", "凭购买凭证到原购买门店退货"} {
		if !strings.Contains(text, want) {
			t.Errorf("notice PDF lacks %q:\n%s", want, text)
		}
	}

	// Closing needs the test report.
	resp, body = e.post(page+"/close", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="recall-error"`)
	resp, body = e.postMultipart(page+"/files", url.Values{"csrf_token": {csrf}, "kind": {"test_report"}}, file{"检验报告.pdf", "%PDF-1.4 report"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload report: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(page+"/close", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page)
	expect(t, resp, body, http.StatusOK, "已关闭", "检验报告.pdf")
	refuse(t, body, `id="recall-close"`, `id="recall-import"`)
	resp, body = anon.get("/recall-task/" + tk.Token)
	expect(t, resp, body, http.StatusOK, "该召回已关闭")
}
