package ui_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
)

// as returns a second browser on e's server, signed in as a new user with
// role.
func (e *env) as(role string) *env {
	e.t.Helper()
	u := &org.User{Username: "u_" + role, Name: "测试" + role, Role: role, Lang: "zh"}
	pw := role + "-pass-123"
	if err := e.app.Deps.Org.CreateUser(context.Background(), u, auth.HashPassword(pw), audit.System); err != nil {
		e.t.Fatal(err)
	}
	o := &env{t: e.t, app: e.app, srv: e.srv, http: e.client()}
	o.login(u.Username, pw)
	return o
}

// auditEntries lists the entries with action, newest first.
func (e *env) auditEntries(action string) []audit.Entry {
	e.t.Helper()
	es, err := e.app.Deps.Audit.List(context.Background(), audit.Filter{Action: action, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// privateComplaint stores a complaint with a complainant's contact details.
func (e *env) privateComplaint() *complaint.Complaint {
	e.t.Helper()
	c := &complaint.Complaint{Channel: "phone", Subject: "滤芯漏水", Description: "厨房漏水",
		ShipAddress: "上海市浦东新区世纪大道100号",
		Complainant: complaint.Complainant{Name: "赵六", Phone: "13812348000", Email: "zhao@example.com",
			Address: "北京市朝阳区建国路88号"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestPersonalDataMaskedForAuditor(t *testing.T) {
	e := newEnv(t)
	c := e.privateComplaint()
	cu := &customer.Customer{Name: "终端用户丙", Class: "walk_in", Region: "domestic", Contact: "孙八",
		Phone: "13911112222", Email: "sun@example.com", Address: "江苏省南京市鼓楼区中山路1号"}
	if err := e.app.Deps.Customers.CreateCustomer(context.Background(), cu, audit.System); err != nil {
		t.Fatal(err)
	}
	cid := strconv.FormatInt(c.ID, 10)
	real := []string{"13812348000", "zhao@example.com", "建国路88号", "世纪大道", "13911112222", "sun@example.com", "中山路1号"}

	a := e.as(org.RoleAuditor)
	resp, body := a.get("/complaints")
	expect(t, resp, body, 200, "赵六", "138****8000", "z***@example.com", `href="/audit"`)
	refuse(t, body, real...)
	resp, body = a.get("/complaints/" + cid)
	expect(t, resp, body, 200, "138****8000", "z***@example.com", "北京市朝阳区****", "上海市浦东新****")
	refuse(t, body, real...)
	resp, body = a.get("/complaints/" + cid + "/letter")
	expect(t, resp, body, 200, c.Number)
	refuse(t, body, real...)
	resp, body = a.get("/customers")
	expect(t, resp, body, 200, "终端用户丙", "139****2222")
	refuse(t, body, real...)
	// The edit form is not the auditor's; it never carries the values.
	resp, body = a.get("/customers/" + strconv.FormatInt(cu.ID, 10))
	expect(t, resp, body, http.StatusForbidden)
	refuse(t, body, real...)
	if n := len(e.auditEntries("complaint.read")); n != 0 {
		t.Errorf("masked views audited as %d personal-data reads", n)
	}

	e.login("admin", adminPassword)
	resp, body = e.get("/complaints")
	expect(t, resp, body, 200, "13812348000", "zhao@example.com")
	resp, body = e.get("/complaints/" + cid)
	expect(t, resp, body, 200, "13812348000", "zhao@example.com", "北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号")
	reads := e.auditEntries("complaint.read")
	if len(reads) != 1 || reads[0].Object != "complaint:"+cid || reads[0].Actor.Name != "admin" || reads[0].Actor.IP == "" {
		t.Fatalf("unmasked read audited as %+v", reads)
	}
	resp, body = e.get("/customers")
	expect(t, resp, body, 200, "13911112222")
	resp, body = e.get("/customers/" + strconv.FormatInt(cu.ID, 10))
	expect(t, resp, body, 200, `value="13911112222"`, `value="sun@example.com"`)
}

func TestAttachmentDownloadAudited(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs(org.RoleGM)
	c := e.privateComplaint()
	cid := strconv.FormatInt(c.ID, 10)
	content := "检测报告\n"
	resp, body := e.postMultipart("/complaints/"+cid+"/attachments", url.Values{"csrf_token": {csrf}}, file{"报告.txt", content})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
	}
	atts, err := e.app.Deps.ComplaintStore.Attachments(context.Background(), c.ID)
	if err != nil || len(atts) != 1 {
		t.Fatalf("attachments %v %v", atts, err)
	}
	if n := len(e.auditEntries("attachment.download")); n != 0 {
		t.Fatalf("%d downloads audited before any", n)
	}
	resp, body = e.get("/attachments/" + strconv.FormatInt(atts[0].ID, 10))
	if resp.StatusCode != 200 || body != content {
		t.Fatalf("download: %d %q", resp.StatusCode, body)
	}
	es := e.auditEntries("attachment.download")
	if len(es) != 1 || es[0].Object != "complaint:"+cid || es[0].Actor.Name != "w_gm" {
		t.Fatalf("download audited as %+v", es)
	}
	var d struct {
		AttachmentID int64  `json:"attachment_id"`
		Name         string `json:"name"`
		SHA256       string `json:"sha256"`
	}
	sum := sha256.Sum256([]byte(content))
	if err := json.Unmarshal(es[0].Detail, &d); err != nil || d.AttachmentID != atts[0].ID || d.Name != "报告.txt" || d.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("detail %s (%v)", es[0].Detail, err)
	}
	// A missing file is not audited as downloaded.
	resp, _ = e.get("/attachments/99999")
	if resp.StatusCode != http.StatusNotFound || len(e.auditEntries("attachment.download")) != 1 {
		t.Errorf("missing attachment: %d", resp.StatusCode)
	}
}

var auditRowRe = regexp.MustCompile(`<tr id="e(\d+)"`)

func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	e.login("admin", adminPassword)
	c := e.privateComplaint()
	cid := strconv.FormatInt(c.ID, 10)
	e.get("/complaints/" + cid)

	resp, body := e.get("/audit")
	expect(t, resp, body, 200, "审计日志", "审计链完整", "complaint.read", "complaint:"+cid, "user.login", "admin", `class="on"`)
	refuse(t, body, "审计链已被篡改")
	rows := auditRowRe.FindAllStringSubmatch(body, -1)
	if len(rows) < 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		a, _ := strconv.Atoi(rows[i-1][1])
		b, _ := strconv.Atoi(rows[i][1])
		if a <= b {
			t.Fatalf("not newest first: %v", rows)
		}
	}
	resp, body = e.get("/audit?object=complaint:" + cid + "&action=complaint.read")
	expect(t, resp, body, 200, "complaint:"+cid)
	if n := len(auditRowRe.FindAllString(body, -1)); n != 1 {
		t.Errorf("filter by action and object: %d rows", n)
	}
	resp, body = e.get("/audit?lang=en")
	expect(t, resp, body, 200, "Audit log", "Audit chain intact")

	// Keyset paging: 60 entries of one action make a full page and an
	// older one.
	ctx := context.Background()
	for i := range 60 {
		if err := e.app.Deps.Audit.Append(ctx, &audit.Entry{Actor: audit.System, Action: "test.bulk", Object: "n:" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body = e.get("/audit?action=test.bulk")
	expect(t, resp, body, 200, "更早的记录", "n:59")
	if n := len(auditRowRe.FindAllString(body, -1)); n != 50 {
		t.Fatalf("first page %d rows", n)
	}
	m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no older link")
	}
	older := strings.ReplaceAll(m[1], "&amp;", "&")
	resp, body = e.get(older)
	expect(t, resp, body, 200, "n:0", "最新记录")
	refuse(t, body, "n:10<", "更早的记录")
	if n := len(auditRowRe.FindAllString(body, -1)); n != 10 {
		t.Fatalf("older page %d rows (%s)", n, older)
	}
	resp, body = e.get("/audit?before=abc")
	expect(t, resp, body, http.StatusUnprocessableEntity)

	// Agents may not read the log and are not offered it.
	ag := e.as(org.RoleAgent)
	resp, body = ag.get("/complaints")
	expect(t, resp, body, 200)
	refuse(t, body, `href="/audit"`)
	resp, body = ag.get("/audit")
	expect(t, resp, body, http.StatusForbidden, "没有执行此操作的权限")
	refuse(t, body, "complaint.read")
	au := e.as(org.RoleAuditor)
	resp, body = au.get("/audit")
	expect(t, resp, body, 200, "审计链完整")

	// Tampering with a stored entry shows as the first bad id.
	read := e.auditEntries("complaint.read")[0]
	if _, err := e.app.DB.W.ExecContext(ctx, `DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DB.W.ExecContext(ctx, `UPDATE audit_log SET detail = '{"forged":true}' WHERE id = ?`, read.ID); err != nil {
		t.Fatal(err)
	}
	// The entry lies before the checkpoint of the last check, so the full
	// verification finds it.
	id := strconv.FormatInt(read.ID, 10)
	resp, body = au.get("/audit")
	expect(t, resp, body, 200, `href="/audit?full=1"`)
	resp, body = au.get("/audit?full=1")
	expect(t, resp, body, 200, "审计链已被篡改", "第一条不符的记录编号为 "+id, `href="/audit?full=1&amp;before=`+strconv.FormatInt(read.ID+1, 10))
	refuse(t, body, "审计链完整")
	resp, body = au.get("/audit?full=1&before=" + strconv.FormatInt(read.ID+1, 10))
	expect(t, resp, body, 200, "审计链已被篡改", `<tr id="e`+id+`" class="bad">`, "forged")
	resp, body = au.get("/audit?full=1&lang=en")
	expect(t, resp, body, 200, "Audit chain broken", "#"+id)

	// An entry written after the last check and then altered is caught by
	// the everyday view.
	if err := e.app.Deps.Audit.Append(ctx, &audit.Entry{Actor: audit.System, Action: "test.late", Object: "n:late"}); err != nil {
		t.Fatal(err)
	}
	late := e.auditEntries("test.late")[0]
	if _, err := e.app.DB.W.ExecContext(ctx, `UPDATE audit_log SET object = 'n:forged' WHERE id = ?`, late.ID); err != nil {
		t.Fatal(err)
	}
	resp, body = au.get("/audit")
	expect(t, resp, body, 200, "审计链已被篡改", "第一条不符的记录编号为 "+strconv.FormatInt(late.ID, 10))
}
