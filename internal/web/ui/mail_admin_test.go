package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/mailin"
)

// The administrator sees mail that could not be taken in, downloads the
// original and takes it in again; the page speaks Chinese and English.
func TestMailAdminPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	broken := []byte("From: zhao@example.com\r\nSubject: =?GBK?B?1tC5+g==?=\r\nMessage-ID: <b1@client.example>\r\n" +
		"Content-Type: multipart/mixed\r\n\r\n--x\r\nno boundary\r\n")
	res, err := e.app.Mail.Receive(ctx, broken, mailin.Envelope{Source: "smtp"})
	if err != nil || res.Status != mailin.StatusUnparsed {
		t.Fatalf("broken mail: %+v %v", res, err)
	}
	good := []byte("From: =?UTF-8?B?546L5aWz5aOr?= <wang@example.com>\r\nSubject: =?UTF-8?B?5YeA5rC05Zmo5ryP5rC0?=\r\n" +
		"Message-ID: <g1@client.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n净水器漏水，请处理。\r\n")
	if res, err := e.app.Mail.Receive(ctx, good, mailin.Envelope{Source: "smtp"}); err != nil || res.Status != mailin.StatusComplaint {
		t.Fatalf("good mail: %+v %v", res, err)
	}
	id := strconv.FormatInt(res.ID, 10)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/admin/mail")
	expect(t, resp, body, http.StatusOK, "邮件收件", "SMTP 接收", "未启用", `id="mail-`+id+`"`, "zhao@example.com", "中国", "无法解析",
		"multipart/mixed without boundary", "下载原文", "重新处理")
	refuse(t, body, "wang@example.com")
	resp, body = e.get("/admin/mail?status=complaint")
	expect(t, resp, body, http.StatusOK, "wang@example.com", "净水器漏水", "已登记投诉")
	resp, body = e.get("/admin/mail/" + id + "/raw")
	expect(t, resp, body, http.StatusOK, "no boundary")
	if ct := resp.Header.Get("Content-Type"); ct != "message/rfc822" {
		t.Errorf("raw content type %q", ct)
	}
	resp, body = e.post("/admin/mail/"+id+"/retry", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get(resp.Header.Get("Location"))
	expect(t, resp, body, http.StatusOK, "邮件 "+id+" 已重新处理：无法解析。")
	resp, body = e.get("/admin/mail?lang=en")
	expect(t, resp, body, http.StatusOK, "Mail intake", "SMTP receiver", "unparsed", "Download original", "Take in again")

	// The case page says how a reply reaches the complainant: the mail's
	// sender has only an address and no mail server is configured here;
	// a phone-only complainant is texted.
	byMail, _ := e.app.Mail.Store.List(ctx, mailin.Filter{Status: []string{mailin.StatusComplaint}})
	e.loginAs("agent")
	resp, body = e.get("/complaints/" + strconv.FormatInt(*byMail[0].ComplaintID, 10))
	expect(t, resp, body, http.StatusOK, `id="note-reach"`, "答复只显示在查询页面")
	c := &complaint.Complaint{Channel: "phone", Subject: "电话投诉", Description: "漏水", Complainant: complaint.Complainant{Name: "李先生", Phone: "13800138000"}}
	if _, err := e.app.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.get("/complaints/" + strconv.FormatInt(c.ID, 10))
	expect(t, resp, body, http.StatusOK, "投诉人只留了手机号，答复将通过短信发送")
}
