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
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// TestRefusedFormsKeepWhatWasTyped: a decision form refused for its
// amount comes back with every field as typed and says the expected
// format; amounts written as people write them are accepted; a refused
// CAPA or action form keeps its text too.
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("净水器底部漏水")
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	csrf := e.as("qa")
	form := func(amount string) url.Values {
		return url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
			"established": {"yes"}, "validity": {"valid"}, "responsibility": {"internal"}, "responsibility_note": {"密封圈来料"},
			"root_cause": {"密封圈批次硬度不足"}, "resolution": {"replace"}, "amount": {amount}, "currency": {"CNY"}, "malicious": {"on"}}
	}
	before := e.record(id).Version
	resp, body := e.post(page(id)+"/decision", form("12,00"))
	expect(t, resp, body, http.StatusUnprocessableEntity, "须为金额，如 1200、1,200.50 或 ¥1,200",
		`value="12,00"`, `value="密封圈来料"`, ">密封圈批次硬度不足</textarea>", `<option value="replace" selected>`,
		`<option value="valid" selected>`, `<option value="yes" selected>`, `id="d-malicious" checked`, `<details class="decide" open>`)
	if e.record(id).Version != before {
		t.Fatal("a refused decision wrote to the case")
	}
	for amount, fen := range map[string]int64{"¥1,200": 120000, "1200.00": 120000, "1,200.5": 120050, "￥ 2,000 元": 200000} {
		resp, body = e.post(page(id)+"/decision", form(amount))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("amount %q: %d\n%s", amount, resp.StatusCode, body)
		}
		if r := e.record(id); r.Amount != fen {
			t.Errorf("amount %q stored as %d fen, want %d", amount, r.Amount, fen)
		}
	}

	// A CAPA action without an owner is refused; the description stays.
	resp, body = e.post(page(id)+"/capa", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
		"kind": {"corrective"}, "description": {"加严进料检验"}, "due_date": {"2030-01-31"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a CAPA action without an owner was accepted")
	}
	expect(t, resp, body, resp.StatusCode, ">加严进料检验</textarea>", `value="2030-01-31"`, `<option value="corrective" selected>`, `<details class="capa-add" open>`)

	// A refused action keeps its inputs.
	resp, body = e.act(id, csrf, "wait_on_customer", e.record(id).Version, url.Values{"reason": {"等客户寄回样品"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `value="等客户寄回样品"`)

	// English says the same.
	e.get("/lang?to=en&next=/complaints")
	resp, body = e.post(page(id)+"/decision", form("1.234"))
	expect(t, resp, body, http.StatusUnprocessableEntity, "must be an amount such as 1200, 1,200.50 or", `value="1.234"`)
}

// nextBox is the "next step" box of a case page.
func nextBox(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="next-step"`)
	if i < 0 {
		t.Fatalf("no next-step box on the page")
	}
	j := strings.Index(body[i:], "</div>")
	return body[i : i+j]
}

// TestNextStepNamed: the case page names the owning department, who takes
// the next step and what it still needs: the approver by name, QA for the
// effect check, the follow-up visits still to make and why; a user who
// cannot record decisions is told why, and steps of other roles say who
// may take them.
func TestNextStepNamed(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("净水器底部漏水")
	ctx := context.Background()
	svc := e.app.Deps.Cases
	qa := e.actor("qa")
	ptr := func(s string) *string { return &s }
	yes := true
	decide := func(d casework.Decision) {
		t.Helper()
		if _, err := svc.Decide(ctx, id, e.record(id).Version, d, qa); err != nil {
			t.Fatal(err)
		}
	}

	e.as("fin")
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="case-department">品质部<`, "<strong>受理</strong>", "您不能记录判定与处理方案")
	if box := nextBox(t, body); !strings.Contains(box, "品质王工") {
		t.Errorf("the holder should take the next step: %s", box)
	}

	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	e.as("qa")
	_, body = e.get(page(id))
	box := nextBox(t, body)
	for _, want := range []string{"提交责任判定", "由品质王工（或备份品质李工）办理", "您可办理", "还需", "投诉是否成立：必填"} {
		if !strings.Contains(box, want) {
			t.Errorf("investigating: next step lacks %q: %s", want, box)
		}
	}

	decide(casework.Decision{Established: &yes, Validity: ptr("valid"), Responsibility: ptr("internal")})
	e.do(id, "qa", "determine_responsibility", nil)
	e.do(id, "qa", "propose_measures", nil)
	if err := svc.AddCAPA(ctx, &casework.CAPAAction{ComplaintID: id, Kind: "corrective", Description: "加严进料检验", OwnerUserID: &e.users["qa"].ID}, qa); err != nil {
		t.Fatal(err)
	}
	decide(casework.Decision{RootCause: ptr("密封圈批次硬度不足"), Resolution: ptr("replace"), Amount: ptr("1500"), Currency: ptr("CNY")})
	e.do(id, "qa", "submit_for_approval", nil)
	e.as("agent")
	_, body = e.get(page(id))
	box = nextBox(t, body)
	if !strings.Contains(box, `id="next-sign"`) || !strings.Contains(box, "赵经理") {
		t.Errorf("approval: the approver is not named: %s", box)
	}
	// Steps of other roles say who may take them instead of vanishing.
	expect(t, resp, body, http.StatusOK, "<strong>核准</strong>")

	e.do(id, "mgr", "approve", nil)
	e.do(id, "qa", "reply", workflow.Input{"body": "我司将为您免费更换整机。"})
	e.do(id, "agent", "customer_agrees", nil)
	list, _ := svc.Store.CAPA(ctx, id)
	for _, a := range list {
		if _, err := svc.CompleteCAPA(ctx, id, a.ID, a.Version, "已更换批次", qa); err != nil {
			t.Fatal(err)
		}
	}
	decide(casework.Decision{ResolutionExecuted: &yes})
	e.do(id, "qa", "execute", nil)
	e.as("agent")
	_, body = e.get(page(id))
	box = nextBox(t, body)
	if !strings.Contains(box, "1 项纠正预防措施已完成，待品质部确认效果") || !strings.Contains(box, "由品质王工") {
		t.Errorf("verification: QA's effect check is not named: %s", box)
	}
	e.get("/lang?to=en&next=/complaints")
	_, body = e.get(page(id))
	if box := nextBox(t, body); !strings.Contains(box, "1 CAPA action is done and waiting for QA to verify the effect") {
		t.Errorf("verification in English: %s", box)
	}

	list, _ = svc.Store.CAPA(ctx, id)
	for _, a := range list {
		if _, err := svc.VerifyCAPA(ctx, id, a.ID, a.Version, true, "连续三批合格", false, qa); err != nil {
			t.Fatal(err)
		}
	}
	e.do(id, "qa", "verify_effective", nil)
	e.do(id, "agent", "follow_up_satisfied", workflow.Input{"satisfaction": "5", "method": "phone"})
	_, body = e.get(page(id))
	if box := nextBox(t, body); !strings.Contains(box, "1 more follow-up visit needed (quality complaints need 2 visits)") {
		t.Errorf("follow-up in English: %s", box)
	}
	e.as("agent")
	_, body = e.get(page(id))
	if box := nextBox(t, body); !strings.Contains(box, "还需回访 1 次（质量投诉须回访 2 次）") {
		t.Errorf("follow-up: %s", box)
	}
}

// TestListPaging: the complaint list says how many complaints match and
// goes forward and back a page with the filter kept.
func TestListPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 45 {
		c := &complaint.Complaint{Channel: "phone", Subject: "普通问题" + strconv.Itoa(i), Description: "说明", Severity: "minor",
			Complainant: complaint.Complainant{Name: "客户"}}
		if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	e.login("admin", adminPassword)
	link := func(body, rel string) string {
		t.Helper()
		m := regexp.MustCompile(`rel="` + rel + `" href="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s link", rel)
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	resp, body := e.get("/complaints?severity=minor")
	expect(t, resp, body, http.StatusOK, `id="total">共 45 件<`, "第 1 页")
	refuse(t, body, `rel="prev"`)
	first := body
	resp, body = e.get(link(body, "next"))
	expect(t, resp, body, http.StatusOK, "第 2 页", `rel="prev"`)
	resp, body = e.get(link(body, "next"))
	expect(t, resp, body, http.StatusOK, "第 3 页", "普通问题0<")
	refuse(t, body, `rel="next"`)
	resp, body = e.get(link(body, "prev"))
	expect(t, resp, body, http.StatusOK, "第 2 页")
	back := link(body, "prev")
	if !strings.Contains(back, "severity=minor") {
		t.Errorf("previous link loses the filter: %s", back)
	}
	resp, body = e.get(back)
	expect(t, resp, body, http.StatusOK, "第 1 页")
	if body != first {
		t.Error("back on the first page shows another page")
	}
	// Without a filter the second page still links back.
	resp, body = e.get("/complaints")
	resp, body = e.get(link(body, "next"))
	expect(t, resp, body, http.StatusOK, "第 2 页", `rel="prev"`)
	e.get("/lang?to=en&next=/complaints")
	resp, body = e.get("/complaints?severity=minor")
	expect(t, resp, body, http.StatusOK, `id="total">45 complaints<`, "page 1")
}

// TestListsAndNames: the list's 投诉人 column shows the complainant with
// their customer once; 合并到 takes a complaint number; the timeline and
// the approval history name people, not user names; the owner list tells
// two people of the same name apart.
func TestListsAndNames(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	cu := &customer.Customer{Code: "C-9", Name: "杭州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "滤芯异响", Description: "开机异响", Category: "quality.leak", Severity: "major",
		CustomerID: &cu.ID, Complainant: complaint.Complainant{Name: "王女士", Company: "杭州经销商", Phone: "13800138000"}}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	other := e.complaint("另一件漏水")
	twin := &org.User{Username: "qa3", Name: "品质王工", Role: org.RoleQAEngineer, Lang: "zh"}
	if err := e.app.Deps.Org.CreateUser(ctx, twin, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}

	csrf := e.as("qa")
	resp, body := e.get("/complaints")
	expect(t, resp, body, http.StatusOK, `<td class="complainant">王女士<br><span class="muted customer">杭州经销商</span>`)
	if n := strings.Count(body, "杭州经销商"); n != 1 {
		t.Errorf("the customer is shown %d times in the list", n)
	}

	e.do(c.ID, "qa", "accept", nil)
	resp, body = e.get(page(c.ID))
	expect(t, resp, body, http.StatusOK, "<strong>品质王工</strong> 办理", `>品质王工（品质工程师 · 品质部）</option>`, `>品质王工（品质工程师）</option>`)
	refuse(t, body, "<strong>qa</strong>")

	// 合并到 by number: an unknown number is refused with the number named.
	csrf = e.as("mgr")
	resp, body = e.act(c.ID, csrf, "merge", e.record(c.ID).Version, url.Values{"merge_into": {"TS-NONE"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "没有编号为 TS-NONE 的投诉", `value="TS-NONE"`)
	o, err := e.app.Deps.ComplaintStore.Get(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = e.act(c.ID, csrf, "merge", e.record(c.ID).Version, url.Values{"merge_into": {o.Number}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("merge into %s: %d\n%s", o.Number, resp.StatusCode, body)
	}
	if r := e.record(c.ID); r.Status != "merged" {
		t.Fatalf("after merging: %s", r.Status)
	}
}

var (
	tagRe = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`)
	// Full-width punctuation next to a Latin letter, digit or space is
	// English text punctuated in Chinese; between Chinese characters it
	// is Chinese data (a name, an official notice's title).
	fullWidthRe = regexp.MustCompile(`[A-Za-z0-9.,:)][，。：；（）！？、【】“”]|[，。：；（）！？、【】“”][A-Za-z0-9(]|^[，。：；（）！？、【】“”]|[，。：；（）！？、【】“”]$`)
)

// fullWidth returns the lines of a page's text (tags left out) that hold
// full-width punctuation.
func fullWidth(body string) []string {
	var out []string
	for _, line := range strings.Split(tagRe.ReplaceAllString(body, "\n"), "\n") {
		if fullWidthRe.MatchString(line) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestEnglishPagesPunctuation: the main staff pages in English, with a
// case in approval, carry no full-width punctuation, no unfilled
// placeholder and no raw message key; the inbox's notices read in
// English.
func TestEnglishPagesPunctuation(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("Leaking base")
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	e.as("qa")
	e.get("/lang?to=en&next=/complaints")
	placeholder := regexp.MustCompile(`\{[0-9a-z_]+[,}]|\b(ui|desk|field|rule|sla)\.[a-z_]+\.[a-z_.]+`)
	check := func(path string) {
		t.Helper()
		resp, body := e.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
			return
		}
		if !strings.Contains(body, `<html lang="en"`) {
			t.Fatalf("%s is not in English", path)
		}
		for _, l := range fullWidth(body) {
			t.Errorf("%s: full-width punctuation in %q", path, l)
		}
		text := tagRe.ReplaceAllString(body, "\n")
		if m := placeholder.FindString(text); m != "" {
			t.Errorf("%s: %q left in the text", path, m)
		}
	}
	check(page(id))
	check("/work")
	check("/complaints")

	// A plan in approval: the manager's inbox tells them in English.
	ctx := context.Background()
	svc := e.app.Deps.Cases
	yes := true
	ptr := func(s string) *string { return &s }
	if _, err := svc.Decide(ctx, id, e.record(id).Version, casework.Decision{Established: &yes, Validity: ptr("valid"), Responsibility: ptr("internal")}, e.actor("qa")); err != nil {
		t.Fatal(err)
	}
	e.do(id, "qa", "determine_responsibility", nil)
	e.do(id, "qa", "propose_measures", nil)
	if err := svc.AddCAPA(ctx, &casework.CAPAAction{ComplaintID: id, Kind: "corrective", Description: "Tighten incoming inspection", OwnerUserID: &e.users["qa"].ID}, e.actor("qa")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Decide(ctx, id, e.record(id).Version, casework.Decision{RootCause: ptr("Soft seal batch"), Resolution: ptr("replace"), Amount: ptr("1500"), Currency: ptr("CNY")}, e.actor("qa")); err != nil {
		t.Fatal(err)
	}
	e.do(id, "qa", "submit_for_approval", nil)
	e.as("mgr")
	e.get("/lang?to=en&next=/complaints")
	for _, path := range []string{page(id), "/work", "/inbox", "/complaints", "/customers", "/products", "/suppliers", "/departments",
		"/incidents", "/capa/standard-updates", "/dashboard", "/reports", "/reports/kpis", "/reports/losses"} {
		check(path)
	}
	_, body := e.get("/inbox")
	if !strings.Contains(body, "[To sign]") || !strings.Contains(body, "waits for your signature as") {
		t.Errorf("the manager's notice is not in English:\n%s", body)
	}

	e.http = e.client()
	e.login("admin", adminPassword)
	e.get("/lang?to=en&next=/complaints")
	for _, path := range []string{"/complaints/new", "/users", "/audit", "/exports", "/admin/jobs", "/admin/schedules", "/admin/calendar",
		"/admin/sla-policies", "/admin/workflow"} {
		check(path)
	}
}

// TestAuditInWords: the audit log says what was done in words — the
// workflow step by its name, the complaint by its number, the detail as
// labelled values — in both languages, and keeps the codes for its
// filters.
func TestAuditInWords(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("整机漏水")
	e.walk(id)
	e.http = e.client()
	e.login("admin", adminPassword)
	resp, body := e.get("/audit")
	c, err := e.app.Deps.ComplaintStore.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, resp, body, http.StatusOK, ">办理：结案</a>", `title="workflow.close"`, "投诉 "+c.Number, "<dd>回访</dd>", "<dd>已结案</dd>",
		">记录判定与处理方案</a>", "<dt>处理方案已执行</dt><dd>是</dd>", ">新建纠正预防措施</a>", "<dd>纠正措施</dd>", "<dt>审批层级</dt><dd>部门经理</dd>")
	refuse(t, body, `{&#34;action&#34;`, `{"action"`, ">workflow.close<")
	e.get("/lang?to=en&next=/audit")
	resp, body = e.get("/audit")
	expect(t, resp, body, http.StatusOK, ">Step: Close</a>", "Complaint "+c.Number, ">CAPA action created</a>")
	for _, l := range fullWidth(body) {
		t.Errorf("full-width punctuation in %q", l)
	}
}

// TestDuplicatePanelPlausible: the panel offers the complaints that are
// plausibly the same matter — the same lot, similar text — likeliest
// first (the same leak told again before another problem of the lot) with
// the reasons, and leaves out the customer's unrelated complaints.
func TestDuplicatePanelPlausible(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	cu := &customer.Customer{Code: "C-7", Name: "杭州经销商", Class: customer.ClassDealer, Region: customer.RegionDomestic}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	mk := func(subject, description, lot, category string) int64 {
		c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: description, Category: category, Severity: "major",
			BatchNo: lot, CustomerID: &cu.ID, Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
		if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	invoice := mk("发票抬头开错", "请重新开具增值税发票", "", "service.error")
	lot := mk("出水有异味", "滤芯更换后出水有塑料味", "L-77", "quality.leak")
	similar := mk("底座渗水", "净水器底座漏水，安装后一直渗水", "", "quality.leak")
	shown := mk("净水器底座漏水", "安装一周后净水器底座持续漏水渗水", "L-77", "quality.leak")

	e.as("qa")
	resp, body := e.get(page(shown))
	expect(t, resp, body, http.StatusOK, `id="dup-`+strconv.FormatInt(lot, 10)+`"`, `id="dup-`+strconv.FormatInt(similar, 10)+`"`,
		"同一批次", "内容相似")
	refuse(t, body, `id="dup-`+strconv.FormatInt(invoice, 10)+`"`, "发票抬头开错")
	if i, j := strings.Index(body, `id="dup-`+strconv.FormatInt(lot, 10)+`"`), strings.Index(body, `id="dup-`+strconv.FormatInt(similar, 10)+`"`); j > i {
		t.Error("the same leak told again should rank above another problem of the same lot")
	}
	e.get("/lang?to=en&next=/complaints")
	_, body = e.get(page(shown))
	if !strings.Contains(body, "same lot") || !strings.Contains(body, "% similar") {
		t.Error("the reasons are not in English")
	}
}

// TestRefusedAssignmentKeepsChoice: a refused assignment shows the people
// chosen, not the ones stored.
func TestRefusedAssignmentKeepsChoice(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("滤芯漏水")
	csrf := e.as("mgr")
	qa2 := strconv.FormatInt(e.users["qa2"].ID, 10)
	resp, body := e.post(page(id)+"/assign", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(e.record(id).Version)},
		"holder_id": {qa2}, "backup_id": {qa2}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `<details class="assign" open>`)
	if n := strings.Count(body, `<option value="`+qa2+`" selected>`); n != 2 {
		t.Errorf("the chosen holder and backup are selected %d times, want 2", n)
	}
}

// TestNotFoundPage: an unknown address gets the styled page with status
// 404, in the staff layout when signed in; the API keeps its JSON answer;
// the icon is served.
func TestNotFoundPage(t *testing.T) {
	e := newEnv(t)
	resp, body := e.get("/no/such/page")
	expect(t, resp, body, http.StatusNotFound, `id="not-found"`, "页面不存在", `class="public"`, `href="/track"`)
	e.login("admin", adminPassword)
	resp, body = e.get("/complaints-old/42")
	expect(t, resp, body, http.StatusNotFound, `id="not-found"`, `class="staff"`, `href="/work"`, "/complaints-old/42")
	resp, body = e.get("/api/v1/no-such-thing")
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("API 404: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A path that exists with another method is a 405 that says which,
	// on the pages and in the API, not a "page not found".
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/complaints", nil)
	resp, body = e.do(req)
	expect(t, resp, body, http.StatusMethodNotAllowed, "该地址不接受此类请求", `class="staff"`)
	refuse(t, body, "页面不存在")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || strings.Contains(allow, "DELETE") {
		t.Errorf("Allow %q", allow)
	}
	req, _ = http.NewRequest(http.MethodPut, e.srv.URL+"/api/v1/complaints", nil)
	resp, body = e.do(req)
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, `"method_not_allowed"`) ||
		resp.Header.Get("Allow") != "GET, POST, HEAD" {
		t.Errorf("API 405: %d %q %s", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	resp, body = e.get("/track/reply")
	expect(t, resp, body, http.StatusMethodNotAllowed)
	resp, body = e.get("/favicon.ico")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "<svg") {
		t.Errorf("favicon: %d %q", resp.StatusCode, body)
	}
}
