package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/mailin"
	"kesu/internal/org"
)

// The mail intake's API: the mails to look at, one mail, its original
// (audited), a retry, the status; only an unparsed or failed mail is taken
// in again.
func TestMailAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		broken := []byte("From: a@example.com\r\nSubject: broken\r\nMessage-ID: <api-b@client.example>\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n")
		b, err := e.app.Mail.Receive(ctx, broken, mailin.Envelope{Source: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		good := []byte("From: li@example.com\r\nSubject: =?UTF-8?B?5ryP5rC0?=\r\nMessage-ID: <api-g@client.example>\r\n\r\nleak\r\n")
		g, err := e.app.Mail.Receive(ctx, good, mailin.Envelope{Source: "smtp"})
		if err != nil || g.Status != mailin.StatusComplaint {
			t.Fatalf("good mail %+v %v", g, err)
		}
		var list struct{ Items []mailin.Record }
		e.get(org.RoleAdmin, "/api/v1/mail/messages").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0].ID != b.ID || list.Items[0].Status != mailin.StatusUnparsed || list.Items[0].Reason == "" {
			t.Fatalf("attention list %+v", list.Items)
		}
		e.get(org.RoleAdmin, "/api/v1/mail/messages?status=complaint").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0].Number == "" || list.Items[0].Subject != "漏水" {
			t.Fatalf("complaint mails %+v", list.Items)
		}
		e.get(org.RoleAdmin, "/api/v1/mail/messages?status=lost").wantErr(http.StatusUnprocessableEntity, "invalid", "status", "invalid_value")
		id := strconv.FormatInt(b.ID, 10)
		raw := e.get(org.RoleAdmin, "/api/v1/mail/messages/"+id+"/raw").want(http.StatusOK)
		if !strings.Contains(string(raw.Body), "Message-ID: <api-b@client.example>") || raw.Header.Get("Content-Type") != "message/rfc822" {
			t.Fatalf("raw %q %v", raw.Body, raw.Header)
		}
		var rec mailin.Record
		e.post(org.RoleAdmin, "/api/v1/mail/messages/"+id+"/retry", nil).want(http.StatusOK).JSON(&rec)
		if rec.Status != mailin.StatusUnparsed {
			t.Errorf("retried %+v", rec)
		}
		e.post(org.RoleAdmin, "/api/v1/mail/messages/"+strconv.FormatInt(g.ID, 10)+"/retry", nil).
			wantErr(http.StatusConflict, "conflict", "status", "wrong_state")
		e.post(org.RoleAuditor, "/api/v1/mail/messages/"+id+"/retry", nil).wantErr(http.StatusForbidden, "forbidden", "", "")
		var st mailin.Status
		e.get(org.RoleAdmin, "/api/v1/mail/status").want(http.StatusOK).JSON(&st)
		if st.Counts[mailin.StatusUnparsed] != 1 || st.Counts[mailin.StatusComplaint] != 1 || st.Receiver != nil {
			t.Errorf("status %+v", st)
		}
	})
}

// Received mail carries the complainant's address and words: a role
// without personal.read (the auditor) sees the sender masked in the list
// and the record, and may not download the original, on the API as on the
// page; nothing is audited as read.
func TestMailPersonalDataMasked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		good := []byte("From: li@example.com\r\nSubject: leak\r\nMessage-ID: <pd-g@client.example>\r\n\r\nmy phone is 13800138000\r\n")
		g, err := e.app.Mail.Receive(ctx, good, mailin.Envelope{Source: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(g.ID, 10)
		var list struct{ Items []mailin.Record }
		e.get(org.RoleAuditor, "/api/v1/mail/messages?status=complaint").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0].Sender != "l***@example.com" {
			t.Errorf("auditor's list %+v", list.Items)
		}
		var rec mailin.Record
		e.get(org.RoleAuditor, "/api/v1/mail/messages/"+id).want(http.StatusOK).JSON(&rec)
		if rec.Sender != "l***@example.com" {
			t.Errorf("auditor's record %+v", rec)
		}
		e.get(org.RoleAdmin, "/api/v1/mail/messages/"+id).want(http.StatusOK).JSON(&rec)
		if rec.Sender != "li@example.com" {
			t.Errorf("admin's record %+v", rec)
		}
		e.get(org.RoleAuditor, "/api/v1/mail/messages/"+id+"/raw").wantErr(http.StatusForbidden, "forbidden", "raw", "personal_data")
		if raw := e.get(org.RoleAdmin, "/api/v1/mail/messages/"+id+"/raw").want(http.StatusOK); !strings.Contains(string(raw.Body), "13800138000") {
			t.Errorf("admin's original %q", raw.Body)
		}
	})
}

// A complainant's mail on the timeline names its sender: a reader without
// personal.read (the auditor) sees the address masked, as they see the
// complainant's e-mail everywhere else.
func TestMailSenderMaskedOnTimeline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		first := []byte("From: li@example.com\r\nSubject: leak\r\nMessage-ID: <tl-1@client.example>\r\n\r\nthe tap leaks\r\n")
		g, err := e.app.Mail.Receive(ctx, first, mailin.Envelope{Source: "smtp"})
		if err != nil || g.Status != mailin.StatusComplaint {
			t.Fatalf("first mail %+v %v", g, err)
		}
		reply := []byte("From: li@example.com\r\nSubject: Re: leak\r\nMessage-ID: <tl-2@client.example>\r\nIn-Reply-To: <tl-1@client.example>\r\n\r\nstill leaking\r\n")
		if r, err := e.app.Mail.Receive(ctx, reply, mailin.Envelope{Source: "smtp"}); err != nil || r.Status != mailin.StatusThreaded {
			t.Fatalf("reply %+v %v", r, err)
		}
		senders := func(role string) []any {
			var tl struct {
				Items []struct {
					Data map[string]any `json:"data"`
				} `json:"items"`
			}
			e.get(role, "/api/v1/complaints/"+g.Number+"/timeline").want(http.StatusOK).JSON(&tl)
			var out []any
			for _, ev := range tl.Items {
				if s, ok := ev.Data["sender"]; ok {
					out = append(out, s)
				}
			}
			return out
		}
		if s := senders(org.RoleAuditor); len(s) == 0 || s[0] != "l***@example.com" {
			t.Errorf("auditor sees senders %v", s)
		}
		if s := senders(org.RoleAdmin); len(s) == 0 || s[0] != "li@example.com" {
			t.Errorf("admin sees senders %v", s)
		}
	})
}
