package mailin_test

import (
	"bytes"
	"context"
	"fmt"
	"net/smtp"
	"sort"
	"strings"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/mailin"
	"kesu/internal/privacy"
)

func TestSMTPMailRegistersComplaintOnce(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		raw := mailSpec{charset: "gbk", id: "gbk-1@client.example", fromName: "王芳", from: "wang.fang@example.com",
			subject: "投诉：净水器漏水", text: "您好，上周买的净水器漏水，请尽快处理。\n批次 B2603。",
			files: []testFile{{"现场照片.png", "image/png", pngBytes}, {"发票.pdf", "application/pdf", pdfBytes}}}.bytes(t)
		e.mustSend(t, raw)
		// The sender retries (a lost 250): nothing new.
		e.mustSend(t, raw)
		cs := e.complaints(t)
		if len(cs) != 1 {
			t.Fatalf("%d complaints, want 1", len(cs))
		}
		c := cs[0]
		if c.Channel != "email" || c.Subject != "投诉：净水器漏水" || !strings.Contains(c.Description, "批次 B2603") ||
			c.Complainant.Name != "王芳" || c.Complainant.Email != "wang.fang@example.com" {
			t.Errorf("complaint %+v", c)
		}
		as := e.attachments(t, c.ID)
		var names []string
		for _, a := range as {
			names = append(names, a.Name)
			if !a.Public {
				t.Errorf("%s not public: the complainant sent it", a.Name)
			}
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "发票.pdf,现场照片.png" {
			t.Errorf("attachments %v", names)
		}
		ms := e.mails(t)
		if len(ms) != 1 || ms[0].Status != mailin.StatusComplaint || ms[0].ComplaintID == nil || *ms[0].ComplaintID != c.ID ||
			ms[0].Number != c.Number || ms[0].Key != "gbk-1@client.example" {
			t.Errorf("mail records %+v", ms)
		}
	})
}

func TestReplyThreadsIntoCase(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		e.mustSend(t, mailSpec{charset: "gb18030", id: "first@client.example", fromName: "李雷", from: "li.lei@example.com",
			subject: "刹车异响", text: "新车刹车有异响。"}.bytes(t))
		cs := e.complaints(t)
		if len(cs) != 1 {
			t.Fatalf("%d complaints", len(cs))
		}
		c := cs[0]
		// A reply to the first mail (References), with a photo.
		e.mustSend(t, mailSpec{charset: "gbk", id: "second@client.example", from: "li.lei@example.com", subject: "Re: 刹车异响",
			text: "补充照片。", inReplyTo: "first@client.example", references: []string{"first@client.example"},
			files: []testFile{{"刹车.png", "image/png", pngBytes}}}.bytes(t))
		// A mail naming the number in its subject, from the complainant.
		e.mustSend(t, mailSpec{charset: "big5", id: "third@client.example", from: "LI.LEI@example.com",
			subject: "關於 " + c.Number + " 的進度", text: "請問處理進度如何？"}.bytes(t))
		// A stranger naming the number registers a complaint of their own.
		e.mustSend(t, mailSpec{id: "stranger@other.example", from: "someone@other.example",
			subject: "Re: " + c.Number, text: "我也有同样问题"}.bytes(t))
		// A reply referencing a Message-ID kesu wrote for the case.
		ours := mailin.MessageID(c.Number, trackingCode(t, e, c.ID), "kesu.example")
		e.mustSend(t, mailSpec{id: "fourth@client.example", from: "li.lei@example.com", subject: "Re: 答复",
			text: "收到答复，谢谢。", inReplyTo: ours}.bytes(t))
		// A forged kesu Message-ID threads nothing.
		e.mustSend(t, mailSpec{id: "forged@client.example", from: "x@other.example", subject: "hello",
			text: "forged", inReplyTo: "kesu." + c.Number + ".0011223344556677.0011223344556677@kesu.example"}.bytes(t))

		if n := len(e.complaints(t)); n != 3 {
			t.Fatalf("%d complaints, want 3 (the case, the stranger's, the forged reference's)", n)
		}
		var replies []string
		for _, ev := range e.timeline(t, c.ID) {
			if ev.Kind == complaint.EventReply && ev.Data["channel"] == "email" {
				replies = append(replies, ev.Body)
				if !ev.Public || ev.Data["from"] != "complainant" {
					t.Errorf("reply entry %+v", ev)
				}
			}
		}
		if strings.Join(replies, "|") != "补充照片。|請問處理進度如何？|收到答复，谢谢。" {
			t.Errorf("replies on the case: %q", replies)
		}
		if as := e.attachments(t, c.ID); len(as) != 1 || as[0].Name != "刹车.png" {
			t.Errorf("attachments %+v", as)
		}
		if th := e.mails(t, mailin.StatusThreaded); len(th) != 3 {
			t.Errorf("%d threaded mails, want 3", len(th))
		}
		thread, err := e.app.DB.Mail().Thread(context.Background(), c.ID)
		if err != nil || strings.Join(thread, ",") != "first@client.example,second@client.example,third@client.example,fourth@client.example" {
			t.Errorf("thread %v %v", thread, err)
		}
	})
}

// The complainant's own Message-IDs are no secret (anyone they copied
// has them): a stranger's mail answering one does not go on the
// complainant's case as the complainant's message; it registers a
// complaint of its own. The complainant's own answer to it still threads.
func TestStrangerReplyToComplainantsMailNotThreaded(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		e.mustSend(t, mailSpec{id: "victim-1@client.example", from: "li.lei@example.com", subject: "刹车异响", text: "新车刹车有异响。"}.bytes(t))
		cs := e.complaints(t)
		if len(cs) != 1 {
			t.Fatalf("%d complaints", len(cs))
		}
		c := cs[0]
		e.mustSend(t, mailSpec{id: "mallory-1@evil.example", from: "mallory@evil.example", subject: "Re: 刹车异响",
			text: "我撤回投诉，请结案。", inReplyTo: "victim-1@client.example", references: []string{"victim-1@client.example"}}.bytes(t))
		e.mustSend(t, mailSpec{id: "victim-2@client.example", from: "li.lei@example.com", subject: "Re: 刹车异响",
			text: "补充说明。", inReplyTo: "victim-1@client.example"}.bytes(t))
		var replies []string
		for _, ev := range e.timeline(t, c.ID) {
			if ev.Kind == complaint.EventReply && ev.Data["channel"] == "email" {
				replies = append(replies, ev.Body)
			}
		}
		if strings.Join(replies, "|") != "补充说明。" {
			t.Errorf("replies on the complainant's case: %q", replies)
		}
		if n := len(e.complaints(t)); n != 2 {
			t.Errorf("%d complaints, want 2 (the case and the stranger's own)", n)
		}
	})
}

func trackingCode(t *testing.T, e *env, id int64) string {
	t.Helper()
	var code string
	if err := e.app.DB.R.QueryRow(e.app.DB.Dialect.Rebind("SELECT tracking_code FROM complaints WHERE id = ?"), id).Scan(&code); err != nil {
		t.Fatal(err)
	}
	return code
}

func TestAutomaticMailIgnored(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		e.mustSend(t, mailSpec{id: "ooo@client.example", from: "li@example.com", subject: "自动回复：休假中",
			text: "我正在休假", extra: []string{"Auto-Submitted: auto-replied"}}.bytes(t))
		e.mustSend(t, mailSpec{id: "list@client.example", from: "news@example.com", subject: "月刊",
			text: "本月新闻", extra: []string{"Precedence: bulk"}}.bytes(t))
		// A bounce: empty envelope sender.
		if err := e.send(t, "", mailSpec{id: "dsn@mx.example", from: "mx@example.com", subject: "Delivery Status Notification",
			text: "failed"}.bytes(t)); err != nil {
			t.Fatal(err)
		}
		// kesu's own mail coming back (a forwarding loop).
		e.mustSend(t, mailSpec{id: mailin.MessageID("KS-20260310-0001", "x", "kesu.example"), from: "complaints@kesu.example",
			subject: "关于您的投诉的答复", text: "…"}.bytes(t))
		if n := len(e.complaints(t)); n != 0 {
			t.Fatalf("%d complaints from automatic mail", n)
		}
		if ig := e.mails(t, mailin.StatusIgnored); len(ig) != 4 {
			t.Errorf("%d ignored, want 4: %+v", len(ig), e.mails(t))
		}
	})
}

func TestBrokenMailKeptForAdministrator(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		raw := []byte("From: a@example.com\r\nSubject: =?GBK?B?1tC5+g==?=\r\nMessage-ID: <broken@client.example>\r\n" +
			"Content-Type: multipart/mixed\r\n\r\n--x\r\nbody without a boundary parameter\r\n")
		e.mustSend(t, raw)
		if n := len(e.complaints(t)); n != 0 {
			t.Fatalf("%d complaints", n)
		}
		ms := e.mails(t, mailin.Attention...)
		if len(ms) != 1 || ms[0].Status != mailin.StatusUnparsed || ms[0].Reason == "" || ms[0].Subject != "中国" {
			t.Fatalf("attention list %+v", ms)
		}
		got, err := e.app.DB.Mail().Get(context.Background(), ms[0].ID)
		if err != nil || !bytes.Equal(bytes.TrimSpace(got.Raw), bytes.TrimSpace(raw)) {
			t.Errorf("raw kept %q, %v", got.Raw, err)
		}
	})
}

func TestReceiverRefusesOtherDomains(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		err := smtp.SendMail(e.mail.Addr, nil, "a@example.com", []string{"someone@elsewhere.example"},
			mailSpec{id: "x@y", from: "a@example.com", subject: "s", text: "t"}.bytes(t))
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("relay attempt answered %v", err)
		}
		if n := len(e.mails(t)); n != 0 {
			t.Errorf("%d mails stored", n)
		}
	})
}

// A mail whose taking-in another server holds (or one that stopped
// half-way, until its claim runs out) is answered 451: the sender tries
// again later, and nothing is taken in twice.
func TestMailInProgressAnsweredTryAgain(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		raw := mailSpec{id: "held@client.example", from: "a@example.com", subject: "漏水", text: "漏水"}.bytes(t)
		if _, claimed, err := e.app.DB.Mail().Claim(context.Background(), &mailin.Record{Key: "held@client.example", Source: "smtp", Raw: raw},
			time.Hour); err != nil || !claimed {
			t.Fatalf("claim %v %v", claimed, err)
		}
		err := e.send(t, "a@example.com", raw)
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("mail held elsewhere answered %v", err)
		}
		if n := len(e.complaints(t)); n != 0 {
			t.Errorf("%d complaints", n)
		}
	})
}

// A reply to kesu's mail about a case whose personal data was erased does
// not go on that case — it would bring the name and address back to a
// record that must not keep them — but registers a new complaint, which
// keeps its own data for its own retention period.
func TestReplyToErasedCaseRegistersNewComplaint(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.mustSend(t, mailSpec{id: "first@client.example", fromName: "李雷", from: "li.lei@example.com",
			subject: "刹车异响", text: "新车刹车有异响，电话13800138000。"}.bytes(t))
		cs := e.complaints(t)
		if len(cs) != 1 {
			t.Fatalf("%d complaints", len(cs))
		}
		c := cs[0]
		ours := mailin.MessageID(c.Number, trackingCode(t, e, c.ID), "kesu.example")
		if _, err := e.app.DB.W.ExecContext(ctx, e.app.DB.Dialect.Rebind(`UPDATE complaints SET status = 'closed', closed_at = ? WHERE id = ?`),
			time.Now().UnixMicro(), c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.Privacy.Erase(ctx, privacy.Request{Number: c.Number, Reason: "客户要求"}, audit.System); err != nil {
			t.Fatal(err)
		}
		before := len(e.timeline(t, c.ID))

		e.mustSend(t, mailSpec{id: "late@client.example", fromName: "李雷", from: "li.lei@example.com", subject: "Re: 答复",
			text: "我又遇到同样的问题，地址是北京市海淀区。", inReplyTo: ours}.bytes(t))

		if n := len(e.timeline(t, c.ID)); n != before {
			t.Errorf("the erased case got %d new timeline entries", n-before)
		}
		for _, ev := range e.timeline(t, c.ID) {
			if strings.Contains(ev.Body, "海淀") || strings.Contains(fmt.Sprint(ev.Data), "li.lei") {
				t.Errorf("personal data on the erased case: %+v", ev)
			}
		}
		got, err := e.app.DB.Complaints().GetByNumber(ctx, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Complainant.Email != "" || got.Status != "closed" {
			t.Errorf("erased case now %q, e-mail %q", got.Status, got.Complainant.Email)
		}
		all := e.complaints(t)
		if len(all) != 2 {
			t.Fatalf("%d complaints, want the erased one and a new one", len(all))
		}
		var fresh complaint.Complaint
		for _, x := range all {
			if x.ID != c.ID {
				fresh = x
			}
		}
		if fresh.Complainant.Email != "li.lei@example.com" || !strings.Contains(fresh.Description, "同样的问题") {
			t.Errorf("new complaint %+v", fresh)
		}
		var late *mailin.Record
		for _, r := range e.mails(t) {
			if r.Key == "late@client.example" {
				r := r
				late = &r
			}
		}
		if late == nil || late.Status != mailin.StatusComplaint || late.ComplaintID == nil || *late.ComplaintID != fresh.ID ||
			!strings.Contains(late.Reason, c.Number) {
			t.Errorf("mail record %+v", late)
		}
	})
}
