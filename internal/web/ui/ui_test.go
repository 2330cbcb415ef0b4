package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/privacy"
)

func TestLoginLogoutAndLockout(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.get("/complaints")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=%2Fcomplaints") {
		t.Fatalf("signed-out list: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := e.get("/login")
	expect(t, resp, body, 200, "登录", `name="password"`)

	resp, body = e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	expect(t, resp, body, http.StatusUnauthorized, "用户名或密码错误", `value="admin"`)
	for range 4 {
		e.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	}
	// Locked: even the right password is refused, with the lockout message.
	resp, body = e.post("/login", url.Values{"username": {"admin"}, "password": {adminPassword}})
	expect(t, resp, body, http.StatusTooManyRequests, "账号已暂时锁定")

	e2 := newEnv(t)
	csrf := e2.login("admin", adminPassword)
	resp, body = e2.get("/complaints")
	expect(t, resp, body, 200, "投诉列表", "系统管理员")
	// Redirect targets stay on this site.
	e3 := e2.client()
	r, _ := e3.PostForm(e2.srv.URL+"/login", url.Values{"username": {"admin"}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	if loc := r.Header.Get("Location"); loc != "/complaints" {
		t.Errorf("open redirect: %q", loc)
	}
	resp, _ = e2.post("/logout", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout %d", resp.StatusCode)
	}
	resp, _ = e2.get("/complaints")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("still signed in after logout: %d", resp.StatusCode)
	}
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t)
	e.login("admin", adminPassword)
	form := url.Values{"channel": {"phone"}, "subject": {"无令牌"}, "description": {"内容"}, "complainant.name": {"张三"}}
	resp, body := e.post("/complaints/new", form)
	expect(t, resp, body, http.StatusForbidden, "没有执行此操作的权限")
	form.Set("csrf_token", "wrong")
	resp, _ = e.post("/complaints/new", form)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	resp, _ = e.post("/logout", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d", resp.StatusCode)
	}
	if n := e.count(); n != 0 {
		t.Fatalf("%d complaints written without a CSRF token", n)
	}
}

func TestRegisterComplaintForm(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/complaints/new")
	expect(t, resp, body, 200, "登记投诉", `<optgroup label="质量">`, "功能失效", "退款", `name="safety"`)

	form := url.Values{
		"csrf_token": {csrf}, "channel": {"phone"}, "received_at": {"2020-01-02T10:00"},
		"complainant.name": {"李四"}, "complainant.phone": {"138 0000 1111"},
		"description": {"净水器滤芯漏水严重"}, "requests": {"refund", "apology"},
		"qty_shipped": {"abc"}, "qty_defective": {"3"}, "severity": {"major"}, "category": {"quality.leak"},
	}
	resp, body = e.post("/complaints/new", form)
	expect(t, resp, body, http.StatusUnprocessableEntity,
		"提交的内容有误", "主题", "必填", "取值无效", // subject missing, quantity not a number
		"净水器滤芯漏水严重", `value="李四"`, `value="apology" checked`, `value="quality.leak" selected`, `value="major" selected`)
	if !regexp.MustCompile(`name="subject"[^>]*>\s*<span class="ferr">必填</span>`).MatchString(body) {
		t.Error("the subject error is not next to the subject field")
	}
	if n := e.count(); n != 0 {
		t.Fatalf("invalid form wrote %d complaints", n)
	}

	// The same errors in English.
	resp, body = e.post("/complaints/new?lang=en", form)
	expect(t, resp, body, http.StatusUnprocessableEntity, "is required", "Subject")

	form.Set("subject", "滤芯漏水")
	form.Set("qty_shipped", "10")
	resp, body = e.postMultipart("/complaints/new", form, file{"照片说明.txt", "漏水位置在接口处"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	resp, body = e.get(loc)
	expect(t, resp, body, 200, "投诉已登记", "滤芯漏水", "电话", "漏水/渗漏", "退款、道歉", "照片说明.txt", "10", "重要")
	if len(e.acked) != 1 {
		t.Errorf("acknowledge hook called %d times", len(e.acked))
	}

	// The attachment downloads for signed-in staff only.
	m := regexp.MustCompile(`href="(/attachments/\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no attachment link")
	}
	resp, body = e.get(m[1])
	if resp.StatusCode != 200 || body != "漏水位置在接口处" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	anon := e.client()
	r, _ := anon.Get(e.srv.URL + m[1])
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed-out download: %d", r.StatusCode)
	}
}

func TestEscaping(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs(org.RoleGM)
	ctx := context.Background()
	cu := &customer.Customer{Name: `O'Brien & "Sons" 1<2`, Class: customer.ClassWalkIn}
	if err := e.app.Deps.Customers.CreateCustomer(ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "A & B", Description: "x", CustomerID: &cu.ID}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	path := "/complaints/" + strconv.FormatInt(c.ID, 10)

	// A note with markup is refused and nothing is added.
	resp, body := e.post(path+"/notes", url.Values{"csrf_token": {csrf}, "body": {"<script>alert(1)</script>"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "不允许包含 HTML 标签或脚本", "&lt;script&gt;alert(1)&lt;/script&gt;")
	refuse(t, body, "<script>alert(1)")

	resp, _ = e.post(path+"/notes", url.Values{"csrf_token": {csrf}, "body": {`Tom & Jerry <3 "quoted"`}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", resp.StatusCode)
	}
	resp, _ = e.postMultipart(path+"/attachments", url.Values{"csrf_token": {csrf}}, file{`<img src=x onerror=alert(1)>.txt`, "hello"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	resp, body = e.get(path)
	expect(t, resp, body, 200, "Tom &amp; Jerry &lt;3 &#34;quoted&#34;", "&lt;img src=x onerror=alert(1)&gt;.txt",
		"O&#39;Brien &amp; &#34;Sons&#34; 1&lt;2", "A &amp; B")
	refuse(t, body, "<img src=x", `"Sons"`, "<3")

	resp, body = e.get("/customers")
	expect(t, resp, body, 200, "O&#39;Brien &amp; &#34;Sons&#34; 1&lt;2")
	resp, body = e.get("/complaints?q=" + url.QueryEscape(`"><b>`))
	expect(t, resp, body, 200, "&#34;&gt;&lt;b&gt;")
}

func TestPublicFormReceiptAndTrack(t *testing.T) {
	e := newEnv(t)
	pub := &env{t: t, app: e.app, srv: e.srv}
	pub.http = e.client()

	resp, body := pub.get("/complaint/new")
	expect(t, resp, body, 200, "在线投诉", `class="hp"`, `name="website"`)
	refuse(t, body, "csrf_token")

	form := url.Values{"complainant.name": {"赵六"}, "complainant.email": {"zhao@example.com"},
		"product_name": {"RO净水器"}, "batch_no": {"B2026-11"}, "subject": {"出水有异味"},
		"description": {"安装三天后出水有异味"}, "requests": {"replacement"}}
	resp, body = pub.postMultipart("/complaint/new", form, file{"说明.txt", "异味"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("public submit: %d\n%s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	number, code := loc.Query().Get("n"), loc.Query().Get("c")
	if loc.Path != "/complaint/receipt" || number == "" || code == "" {
		t.Fatalf("receipt location %s", loc)
	}
	resp, body = pub.get(loc.RequestURI())
	expect(t, resp, body, 200, "投诉已提交", number, code, "查询码")
	if len(e.acked) != 1 || e.acked[0] != number {
		t.Errorf("acknowledged %v", e.acked)
	}
	// The number alone shows nothing.
	resp, body = pub.get("/complaint/receipt?n=" + url.QueryEscape(number))
	expect(t, resp, body, http.StatusNotFound)
	refuse(t, body, code, "出水有异味")

	// Staff add an internal note and a public reply.
	c, err := e.app.Deps.ComplaintStore.GetByNumber(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != "web" || c.AttachmentCount != 1 {
		t.Errorf("channel %s attachments %d", c.Channel, c.AttachmentCount)
	}
	csrf := e.loginAs(org.RoleGM)
	path := "/complaints/" + strconv.FormatInt(c.ID, 10)
	e.post(path+"/notes", url.Values{"csrf_token": {csrf}, "body": {"内部备注：怀疑供应商滤芯问题"}})
	e.post(path+"/notes", url.Values{"csrf_token": {csrf}, "body": {"我们已安排工程师上门检查"}, "public": {"on"}})

	track := "/track?" + url.Values{"n": {number}, "c": {code}}.Encode()
	resp, body = pub.get(track)
	expect(t, resp, body, 200, "已登记", "我们已安排工程师上门检查", "客服", "说明.txt", "出水有异味")
	refuse(t, body, "内部备注", "供应商滤芯", "系统管理员", ">admin<")

	// Wrong code, wrong number: the same refusal.
	resp, body = pub.get("/track?" + url.Values{"n": {number}, "c": {"WRONG123"}}.Encode())
	expect(t, resp, body, http.StatusNotFound, "编号或查询码不正确")
	refuse(t, body, "出水有异味")
	resp, body2 := pub.get("/track?" + url.Values{"n": {"KS-19990101-9999"}, "c": {"WRONG123"}}.Encode())
	expect(t, resp, body2, http.StatusNotFound, "编号或查询码不正确")

	// The customer adds information.
	resp, body = pub.postMultipart("/track/reply", url.Values{"n": {number}, "c": {code}, "body": {"补充：异味像塑料味"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", resp.StatusCode, body)
	}
	resp, body = pub.get(track)
	expect(t, resp, body, 200, "补充：异味像塑料味")
	resp, body = pub.postMultipart("/track/reply", url.Values{"n": {number}, "c": {"WRONG123"}, "body": {"冒充"}})
	expect(t, resp, body, http.StatusNotFound)
	_, body = e.get(path)
	if !strings.Contains(body, "补充：异味像塑料味") || strings.Contains(body, "冒充") {
		t.Error("customer reply not on the staff page, or a wrong-code reply was stored")
	}

	// Missing fields come back in Chinese, next to the fields.
	resp, body = pub.postMultipart("/complaint/new", url.Values{"complainant.name": {"赵六"}, "description": {"无主题"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "必填", `value="赵六"`, "无主题")
}

func TestPublicHoneypot(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"complainant.name": {"Bot"}, "complainant.email": {"bot@example.com"}, "subject": {"buy"},
		"description": {"spam"}, "website": {"http://spam.example"}}
	resp, body := e.postMultipart("/complaint/new", form)
	expect(t, resp, body, http.StatusBadRequest)
	if n := e.count(); n != 0 {
		t.Fatalf("honeypot submission stored %d complaints", n)
	}
}

func TestPublicRateLimit(t *testing.T) {
	e := newEnv(t, func(c *app.Config) { c.PublicRate = 2 })
	form := url.Values{"complainant.name": {"王"}, "complainant.phone": {"13800001111"}, "subject": {"s"}, "description": {"d"}}
	for i := range 2 {
		if resp, body := e.postMultipart("/complaint/new", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submission %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	resp, body := e.postMultipart("/complaint/new", form)
	expect(t, resp, body, http.StatusTooManyRequests, "操作过于频繁")
	if n := e.count(); n != 2 {
		t.Fatalf("%d complaints stored, want 2", n)
	}
}

func TestTrackRateLimit(t *testing.T) {
	e := newEnv(t, func(c *app.Config) { c.PublicRate = 1 })
	var last *http.Response
	for range 6 {
		last, _ = e.get("/track?n=KS-1&c=AAAA")
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("guessing not limited: %d", last.StatusCode)
	}
}

func TestLetterPages(t *testing.T) {
	e := newEnv(t)
	c := &complaint.Complaint{Channel: "letter", Subject: "包装破损", Description: "外箱破损",
		Complainant: complaint.Complainant{Name: "钱七"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	expected := c.ExpectedBy.In(e.app.Config.Loc).Format("2006年1月2日")
	q := url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode()
	resp, body := e.get("/letter?" + q)
	expect(t, resp, body, 200, "受理函", e.app.Config.Company, c.Number, c.TrackingCode, expected+"前", "钱七",
		"/static/app.css", "/track?c="+c.TrackingCode)
	resp, body = e.get("/letter?" + q + "&lang=en")
	expect(t, resp, body, 200, "Acknowledgement of complaint", c.Number, c.ExpectedBy.In(e.app.Config.Loc).Format("2 January 2006"))
	resp, _ = e.get("/letter?n=" + url.QueryEscape(c.Number) + "&c=XXXX")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("letter with a wrong code: %d", resp.StatusCode)
	}
	e.login("admin", adminPassword)
	resp, body = e.get("/complaints/" + strconv.FormatInt(c.ID, 10) + "/letter")
	expect(t, resp, body, 200, "受理函", c.Number, expected)
}

func TestComplaintListSearchAndPaging(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(subject, severity string) {
		c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: "说明", Severity: severity,
			Complainant: complaint.Complainant{Name: "客户"}}
		if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 22 {
		mk("普通问题"+strconv.Itoa(i), "minor")
	}
	mk("净水器滤芯漏水", "critical")
	e.login("admin", adminPassword)

	resp, body := e.get("/complaints?q=" + url.QueryEscape("滤芯漏"))
	expect(t, resp, body, 200, "净水器滤芯漏水")
	refuse(t, body, "普通问题")
	resp, body = e.get("/complaints?severity=critical")
	expect(t, resp, body, 200, "净水器滤芯漏水")
	refuse(t, body, "普通问题")

	resp, body = e.get("/complaints?severity=minor")
	expect(t, resp, body, 200, "下一页")
	if n := strings.Count(body, "普通问题"); n != 20 {
		t.Fatalf("first page has %d rows", n)
	}
	m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next link")
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.Contains(next, "severity=minor") {
		t.Errorf("next link loses the filter: %s", next)
	}
	resp, body = e.get(next)
	expect(t, resp, body, 200)
	if n := strings.Count(body, "普通问题"); n != 2 {
		t.Fatalf("second page has %d rows", n)
	}
	resp, body = e.get("/complaints?from=2020-13-01")
	expect(t, resp, body, http.StatusUnprocessableEntity, "日期格式应为 YYYY-MM-DD")
}

func TestRegisters(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	ok := func(path string, form url.Values) string {
		t.Helper()
		form.Set("csrf_token", csrf)
		resp, body := e.post(path, form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", path, resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}
	ok("/customers/new", url.Values{"name": {"华东经销商"}, "class": {"dealer"}, "code": {"D001"}, "region": {"domestic"}})
	ctx := context.Background()
	dealers, _ := e.app.Deps.Customers.ListCustomers(ctx, customer.Filter{Class: "dealer"})
	if len(dealers) != 1 {
		t.Fatal("dealer not created")
	}
	did := strconv.FormatInt(dealers[0].ID, 10)
	// A walk-in may not have a dealer: the error shows by the field.
	resp, body := e.post("/customers/new", url.Values{"csrf_token": {csrf}, "name": {"散客甲"}, "class": {"walk_in"}, "dealer_id": {did}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "该客户类别不能设置所属经销商", `value="散客甲"`)
	ok("/customers/new", url.Values{"name": {"终端用户乙"}, "class": {"end_user"}, "dealer_id": {did}})
	resp, body = e.get("/customers")
	expect(t, resp, body, 200, "终端用户乙", "华东经销商", "A类经销商")
	resp, body = e.get("/customers/" + did)
	expect(t, resp, body, 200, `value="华东经销商"`, `name="version" value="1"`)
	ok("/customers/"+did, url.Values{"name": {"华东总经销"}, "class": {"dealer"}, "version": {"1"}})
	resp, body = e.post("/customers/"+did, url.Values{"csrf_token": {csrf}, "name": {"旧版本"}, "class": {"dealer"}, "version": {"1"}})
	expect(t, resp, body, http.StatusConflict, "记录已被他人修改")

	ok("/suppliers/new", url.Values{"code": {"S1"}, "name": {"滤芯供应商"}})
	loc := ok("/products/new", url.Values{"code": {"RO-100"}, "name": {"RO净水器"}, "model": {"RO-100A"}})
	resp, body = e.get(loc)
	expect(t, resp, body, 200, `value="RO-100"`, "新增批次")
	pid := strings.TrimPrefix(loc, "/products/")
	ok("/products/"+pid+"/batches/new", url.Values{"lot_no": {"B2026-11"}, "quantity": {"500"}, "status": {"quarantined"}, "produced_on": {"2026-01-05"}})
	resp, body = e.get(loc)
	expect(t, resp, body, 200, "B2026-11", "隔离", "2026-01-05")

	ok("/departments/new", url.Values{"code": {"qa2"}, "name": {"来料检验组"}, "parent_id": {"4"}, "manager_id": {"1"}})
	resp, body = e.get("/departments")
	expect(t, resp, body, 200, "来料检验组", "depth-1", "系统管理员")

	resp, body = e.post("/users/new", url.Values{"csrf_token": {csrf}, "username": {"agent1"}, "name": {"客服小王"}, "role": {"agent"}, "lang": {"zh"}, "password": {"short"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "至少 8 个字符", `value="agent1"`)
	refuse(t, body, `value="short"`)
	ok("/users/new", url.Values{"username": {"agent1"}, "name": {"客服小王"}, "role": {"agent"}, "lang": {"zh"}, "password": {"agent-pass-1"}})

	// An agent may register complaints but not manage users.
	a := &env{t: t, app: e.app, srv: e.srv}
	a.http = e.client()
	a.login("agent1", "agent-pass-1")
	resp, body = a.get("/users")
	expect(t, resp, body, http.StatusForbidden, "没有执行此操作的权限")
	refuse(t, body, `href="/users"`)
	resp, body = a.get("/complaints/new")
	expect(t, resp, body, 200, "登记投诉")
}

func TestStaticAndLanguage(t *testing.T) {
	e := newEnv(t)
	resp, body := e.get("/static/app.css")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "@media print") {
		t.Fatalf("css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = e.get("/lang?to=en&next=" + url.QueryEscape("/complaint/new?lang=zh"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/complaint/new" {
		t.Fatalf("lang switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = e.get("/complaint/new")
	expect(t, resp, body, 200, "File a complaint", "Subject", `lang="en"`)
	resp, _ = e.get("/lang?to=zh&next=https://evil.example/")
	if resp.Header.Get("Location") != "/complaints" {
		t.Fatalf("lang switch redirects off-site: %s", resp.Header.Get("Location"))
	}
	_ = io.Discard
}

// After a complaint's personal data is erased, the tracking page still
// opens (the number and code are no personal data) but takes no more
// input: what the complainant would write belongs to a new complaint.
func TestTrackErasedComplaintTakesNoInput(t *testing.T) {
	e := newEnv(t)
	pub := &env{t: t, app: e.app, srv: e.srv}
	pub.http = e.client()
	form := url.Values{"complainant.name": {"赵六"}, "complainant.email": {"zhao@example.com"},
		"subject": {"出水有异味"}, "description": {"安装三天后出水有异味"}}
	resp, body := pub.postMultipart("/complaint/new", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("public submit: %d\n%s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	number, code := loc.Query().Get("n"), loc.Query().Get("c")
	ctx := context.Background()
	if _, err := e.app.DB.W.ExecContext(ctx, e.app.DB.Dialect.Rebind(`UPDATE complaints SET status = 'closed', closed_at = ? WHERE number = ?`),
		time.Now().UnixMicro(), number); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Privacy.Erase(ctx, privacy.Request{Number: number, Reason: "客户要求"}, audit.System); err != nil {
		t.Fatal(err)
	}
	c, err := e.app.Deps.ComplaintStore.GetByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	events := func() int {
		evs, err := e.app.DB.Complaints().Timeline(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before := events()
	resp, body = pub.postMultipart("/track/reply", url.Values{"n": {number}, "c": {code}, "body": {"我住在北京市海淀区，电话13800138000"}})
	expect(t, resp, body, http.StatusConflict, "个人信息已删除", "重新投诉")
	if n := events(); n != before {
		t.Errorf("%d timeline entries added to the erased case", n-before)
	}
	resp, body = pub.get("/track?" + url.Values{"n": {number}, "c": {code}}.Encode())
	expect(t, resp, body, http.StatusOK, number)
	refuse(t, body, "海淀", "赵六")
}
