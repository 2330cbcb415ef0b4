package mailin_test

import (
	"bytes"
	"strings"
	"testing"

	"kesu/internal/mailin"
)

func TestParseChineseCharsets(t *testing.T) {
	for _, cs := range []string{"gb2312", "gbk", "gb18030", "big5", "utf-8"} {
		t.Run(cs, func(t *testing.T) {
			who, subject, text, name := "张伟", "净水器漏水，要求退货", "上周购买的净水器接口处漏水，地板被泡坏。", "漏水照片.png"
			if cs == "big5" {
				who, subject, text, name = "張偉", "淨水器漏水，要求退貨", "上週購買的淨水器接口處漏水。", "漏水照片.png"
			}
			if cs == "gb18030" {
				// A character outside GBK, only GB18030 has it.
				text += "𠀀"
			}
			raw := mailSpec{charset: cs, id: "a1@client.example", fromName: who, from: "zhang.wei@example.com", subject: subject,
				text: text, files: []testFile{{name, "image/png", pngBytes}}}.bytes(t)
			m, err := mailin.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != subject || m.Text != text {
				t.Errorf("subject %q text %q", m.Subject, m.Text)
			}
			if m.From != "zhang.wei@example.com" || m.FromName != who || m.MessageID != "a1@client.example" {
				t.Errorf("from %q %q id %q", m.From, m.FromName, m.MessageID)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Name != name || !bytes.Equal(m.Attachments[0].Data, pngBytes) {
				t.Errorf("attachments %+v", m.Attachments)
			}
			if m.Auto != "" {
				t.Errorf("auto %q", m.Auto)
			}
		})
	}
}

func TestParseRaw8BitGBKHeaderAndQuotedPrintable(t *testing.T) {
	raw := []byte("From: zhao@example.com\r\nSubject: " + string(enc(t, "gbk", "投诉：发货错误")) + "\r\nMessage-ID: <q1@x>\r\n" +
		"Content-Type: text/html; charset=GBK\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p>" + qp(enc(t, "gbk", "收到的型号不对")) + "</p><p>a &amp; b</p>\r\n")
	m, err := mailin.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "投诉：发货错误" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.Text != "收到的型号不对\na & b" {
		t.Errorf("text %q", m.Text)
	}
}

func qp(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
	}
	return s.String()
}

func TestParseAutomaticMail(t *testing.T) {
	for _, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes", "Return-Path: <>"} {
		m, err := mailin.Parse(mailSpec{id: "x@y", from: "a@b.example", subject: "自动回复：我已休假", text: "我不在办公室", extra: []string{h}}.bytes(t))
		if err != nil {
			t.Fatal(err)
		}
		if m.Auto == "" {
			t.Errorf("%s: not seen as automatic", h)
		}
	}
	m, _ := mailin.Parse(mailSpec{id: "x@y", from: "MAILER-DAEMON@mx.example", subject: "Undelivered Mail", text: "failed"}.bytes(t))
	if m.Auto == "" {
		t.Error("bounce from MAILER-DAEMON not seen as automatic")
	}
	m, _ = mailin.Parse(mailSpec{id: "x@y", from: "a@b.example", subject: "hi", text: "x", extra: []string{"Auto-Submitted: no"}}.bytes(t))
	if m.Auto != "" {
		t.Errorf("Auto-Submitted: no taken as automatic: %s", m.Auto)
	}
}

func TestParseBrokenMIME(t *testing.T) {
	for name, raw := range map[string]string{
		"no boundary":    "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n",
		"lost boundary":  "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\nno parts here at all\r\n",
		"no header":      "this is not a mail at all",
		"cut multipart":  "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhello",
		"bad base64 cut": "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!@@@@\r\n--zz--\r\n",
	} {
		if _, err := mailin.Parse([]byte(raw)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestKey(t *testing.T) {
	if k := mailin.Key([]byte("Message-ID: <abc@x.example>\r\n\r\nhi")); k != "abc@x.example" {
		t.Errorf("key %q", k)
	}
	a, b := mailin.Key([]byte("Subject: a\r\n\r\nhi")), mailin.Key([]byte("Subject: b\r\n\r\nhi"))
	if !strings.HasPrefix(a, "sha256:") || a == b {
		t.Errorf("keys %q %q", a, b)
	}
}

func TestParseUnnamedInlineImage(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/related; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>见图</p><img src=\"cid:p1\">\r\n" +
		"--b\r\nContent-Type: image/jpeg\r\nContent-ID: <p1>\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRg==\r\n--b--\r\n"
	m, err := mailin.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "见图" || len(m.Attachments) != 1 || m.Attachments[0].Name != "attachment.jpg" {
		t.Errorf("text %q attachments %+v", m.Text, m.Attachments)
	}
}
