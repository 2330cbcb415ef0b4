package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/smtp"
	"strings"
	"testing"

	"kesu/internal/app"
	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/smtptest"
	"kesu/internal/workflow"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// texts returns the SMS texts the gateway received for phone.
func (e *notifyEnv) texts(phone string) []string {
	e.sms.mu.Lock()
	defer e.sms.mu.Unlock()
	var out []string
	for _, b := range e.sms.bodies {
		var body struct{ Phone, Msg string }
		if err := json.Unmarshal([]byte(b), &body); err != nil {
			e.t.Fatalf("sms body %q: %v", b, err)
		}
		if body.Phone == phone {
			out = append(out, body.Msg)
		}
	}
	return out
}

// resolveOnSpot answers complaint c on the spot (a final reply) as the
// holder, then sends a survey link.
func (e *notifyEnv) resolveOnSpot(c *complaint.Complaint, reply string) {
	e.t.Helper()
	actor := casework.Actor{User: e.agt, Audit: audit.Actor{UserID: e.agt.ID, Name: e.agt.Username}}
	gm := &org.User{Username: "gm.cs", Name: "总经理", Role: org.RoleGM}
	if err := e.a.DB.Registers().CreateUser(e.ctx, gm, "!", audit.System); err != nil && !apperr.Is(err, apperr.Conflict) {
		e.t.Fatal(err)
	}
	if gm.ID == 0 {
		gm, _ = e.a.DB.Registers().GetUserByUsername(e.ctx, "gm.cs")
	}
	// The case goes to the agent's department and the agent holds it.
	cur, err := e.a.DB.Complaints().Get(e.ctx, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	cur.DepartmentID = e.agt.DepartmentID
	gmActor := casework.Actor{User: gm, Audit: audit.Actor{UserID: gm.ID, Name: gm.Username}}
	if _, err := e.a.Cases.Edit(e.ctx, cur, []complaint.Change{{Field: "department_id"}}, "", gmActor); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.a.Cases.Assign(e.ctx, c.ID, 0, &e.agt.ID, nil, gmActor); err != nil {
		e.t.Fatal(err)
	}
	apology := "apology"
	r, err := e.a.Cases.Decide(e.ctx, c.ID, 0, casework.Decision{Resolution: &apology}, actor)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, act := range []string{"resolve_on_spot", "start_follow_up"} {
		if r, err = e.a.Cases.Do(e.ctx, c.ID, r.Version, act, workflow.Input{"body": reply}, actor); err != nil {
			e.t.Fatalf("%s: %v", act, err)
		}
	}
	if _, err := e.a.Cases.SurveyLink(e.ctx, c.ID, actor); err != nil {
		e.t.Fatal(err)
	}
	e.drain(e.a)
}

// A complainant who gave only a phone number gets the acknowledgement,
// the reply and the survey link by SMS, and no email.
func TestPhoneOnlyComplainantIsTexted(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		c := &complaint.Complaint{Channel: "visit", Subject: "前台态度差", Description: "接待不耐烦", Category: "service.attitude",
			Complainant: complaint.Complainant{Name: "赵先生", Phone: "13900002222"}, DepartmentID: e.agt.DepartmentID}
		if _, err := e.a.Deps.Complaints.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		e.drain(e.a)
		got := e.texts("13900002222")
		if len(got) != 1 || !strings.Contains(got[0], "已受理") || !strings.Contains(got[0], c.Number) || !strings.Contains(got[0], c.TrackingCode) {
			t.Fatalf("acknowledgement texts %q", got)
		}
		e.resolveOnSpot(c, "已当面致歉，并赠送保养券一张。")
		got = e.texts("13900002222")
		// The reply and the survey link are two jobs; either may go first.
		if len(got) == 3 && strings.Contains(got[1], "survey?t=") {
			got[1], got[2] = got[2], got[1]
		}
		if len(got) != 3 || !strings.Contains(got[1], "最终答复") || !strings.Contains(got[1], "已当面致歉，并赠送保养券一张。") ||
			!strings.Contains(got[1], "https://kesu.example/track") || !strings.Contains(got[2], "https://kesu.example/survey?t=") {
			t.Fatalf("texts after reply and survey %q", got)
		}
		for _, m := range e.mail.Messages() {
			if strings.Contains(m.Subject, c.Number) {
				t.Errorf("email %q to a phone-only complainant", m.Subject)
			}
		}
		reach, to, err := e.a.Deps.ReplyReach(e.ctx, c.ID)
		if err != nil || reach != "sms" || to != "13900002222" {
			t.Errorf("reach %q %q %v", reach, to, err)
		}
	})
}

// A complaint that came by email is answered by email in the
// complainant's thread: kesu's Message-ID, In-Reply-To and References to
// their mail; the answer to that reply threads back into the case.
func TestEmailComplainantAnsweredInThread(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		a := e.a
		a.Config.MailListen, a.Config.MailDomains = "127.0.0.1:0", "kesu.example"
		m, err := a.StartMail(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Stop()
		raw := "From: " + gbkWord("赵先生") + " <zhao@example.com>\r\nTo: complaints@kesu.example\r\nSubject: " + gbkWord("前台态度恶劣不耐烦") + "\r\n" +
			"Message-ID: <orig-1@client.example>\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			gbk("前台接待很不耐烦，希望给个说法。") + "\r\n"
		if err := smtp.SendMail(m.Addr, nil, "zhao@example.com", []string{"complaints@kesu.example"}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		cs, err := a.DB.Complaints().List(e.ctx, complaint.Filter{Channel: []string{"email"}})
		if err != nil || len(cs.Items) != 1 {
			t.Fatalf("email complaints %+v %v", cs, err)
		}
		c, _ := a.DB.Complaints().Get(e.ctx, cs.Items[0].ID)
		if c.Subject != "前台态度恶劣不耐烦" || c.Complainant.Email != "zhao@example.com" || c.Complainant.Name != "赵先生" {
			t.Fatalf("complaint from mail %+v", c)
		}
		e.drain(a)
		ack := mailTo(e, "zhao@example.com", c.Number)
		if len(ack) != 1 || ack[0].Header.Get("In-Reply-To") != "<orig-1@client.example>" {
			t.Fatalf("acknowledgement letters %+v", ack)
		}
		e.resolveOnSpot(c, "已向您致歉。")
		all := mailTo(e, "zhao@example.com", c.Number)
		if len(all) != 3 {
			t.Fatalf("%d mails to the complainant, want letter, reply, survey", len(all))
		}
		reply := all[1]
		if !strings.Contains(reply.Subject, "最终答复") {
			reply = all[2] // the survey link's job went first
		}
		if !strings.Contains(reply.Subject, "最终答复") || !strings.Contains(reply.Text, "已向您致歉。") ||
			reply.Header.Get("In-Reply-To") != "<orig-1@client.example>" || !strings.Contains(reply.Header.Get("References"), "<orig-1@client.example>") ||
			!strings.HasPrefix(reply.Header.Get("Message-ID"), "<kesu."+c.Number+".") {
			t.Fatalf("reply %q headers %v", reply.Subject, reply.Header)
		}
		// The complainant answers kesu's reply from another client that
		// quotes only kesu's Message-ID.
		answer := "From: zhao@example.com\r\nTo: complaints@kesu.example\r\nSubject: Re: reply\r\nMessage-ID: <orig-2@client.example>\r\n" +
			"In-Reply-To: " + reply.Header.Get("Message-ID") + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n谢谢，已收到。\r\n"
		if err := smtp.SendMail(m.Addr, nil, "zhao@example.com", []string{"complaints@kesu.example"}, []byte(answer)); err != nil {
			t.Fatal(err)
		}
		evs, _ := a.DB.Complaints().Timeline(e.ctx, c.ID, true)
		if last := evs[len(evs)-1]; last.Body != "谢谢，已收到。" || last.Data["channel"] != "email" {
			t.Fatalf("last public entry %+v", last)
		}
		if n, _ := a.DB.Complaints().List(e.ctx, complaint.Filter{Channel: []string{"email"}}); len(n.Items) != 1 {
			t.Fatalf("the answer registered a complaint of its own")
		}
		// A public note sent on goes to the complainant by email too.
		actor := casework.Actor{User: e.agt, Audit: audit.Actor{UserID: e.agt.ID, Name: e.agt.Username}}
		if _, err := a.Cases.NoteSent(e.ctx, c.ID, "补充说明：券已寄出。", actor); err != nil {
			t.Fatal(err)
		}
		e.drain(a)
		all = mailTo(e, "zhao@example.com", c.Number)
		if last := all[len(all)-1]; !strings.Contains(last.Text, "补充说明：券已寄出。") ||
			!strings.Contains(last.Header.Get("References"), "<orig-2@client.example>") {
			t.Fatalf("note mail %q %v", last.Text, last.Header)
		}
	})
}

var _ = app.Defaults

func gbk(s string) string {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func gbkWord(s string) string {
	return "=?GBK?B?" + base64.StdEncoding.EncodeToString([]byte(gbk(s))) + "?="
}

// mailTo returns the emails to addr about complaint number, in order.
func mailTo(e *notifyEnv, addr, number string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range e.mail.Messages() {
		if len(m.To) > 0 && m.To[0] == addr && (strings.Contains(m.Subject, number) || m.Header.Get("X-Kesu-Complaint") == number) {
			out = append(out, m)
		}
	}
	return out
}
