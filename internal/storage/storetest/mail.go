package storetest

import (
	"testing"
	"time"

	"kesu/internal/mailin"
)

// testMail: a mail is claimed once by its key; a claim that ran out is
// taken again, one that did not is not; the outcome and the raw bytes are
// kept; a mailbox's place never moves back for the same UIDVALIDITY.
func testMail(t *testing.T, e *env) {
	st := e.db.Mail()
	raw := []byte("From: a@example.com\r\nMessage-ID: <k1@x>\r\n\r\n\xd6\xd0\xce\xc4")
	rec := &mailin.Record{Key: "k1@x", Source: "smtp", Sender: "a@example.com", Subject: "主题", Raw: raw}
	got, claimed, err := st.Claim(e.ctx, rec, time.Minute)
	if err != nil || !claimed || got.Status != mailin.StatusReceived || got.Size != int64(len(raw)) {
		t.Fatalf("first claim %+v %v %v", got, claimed, err)
	}
	if _, claimed, err := st.Claim(e.ctx, rec, time.Minute); err != nil || claimed {
		t.Fatalf("second claim within the lease: claimed=%v err=%v", claimed, err)
	}
	e.clock.Set(e.clock.Now().Add(2 * time.Minute))
	if _, claimed, err := st.Claim(e.ctx, rec, time.Minute); err != nil || !claimed {
		t.Fatalf("claim after the lease ran out: claimed=%v err=%v", claimed, err)
	}
	if err := st.Finish(e.ctx, got.ID, mailin.StatusUnparsed, "broken", nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	if again, claimed, err := st.Claim(e.ctx, rec, time.Minute); err != nil || claimed || again.Status != mailin.StatusUnparsed {
		t.Fatalf("claim of a finished mail: %+v claimed=%v err=%v", again, claimed, err)
	}
	full, err := st.Get(e.ctx, got.ID)
	if err != nil || string(full.Raw) != string(raw) || full.Reason != "broken" {
		t.Fatalf("stored mail %+v %v", full, err)
	}
	if l, err := st.List(e.ctx, mailin.Filter{Status: mailin.Attention}); err != nil || len(l) != 1 || l[0].Subject != "主题" {
		t.Fatalf("attention list %+v %v", l, err)
	}
	if _, err := st.Reopen(e.ctx, got.ID, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reopen(e.ctx, got.ID, time.Minute); err == nil {
		t.Fatal("a mail being taken in was reopened")
	}

	box := &mailin.Mailbox{Name: "u@imap:993/INBOX", UIDValidity: 7, LastUID: 10}
	if err := st.SaveMailbox(e.ctx, box); err != nil {
		t.Fatal(err)
	}
	// A slower server saves an older place: it does not move back.
	if err := st.SaveMailbox(e.ctx, &mailin.Mailbox{Name: box.Name, UIDValidity: 7, LastUID: 4}); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.Mailbox(e.ctx, box.Name); b.LastUID != 10 || b.UIDValidity != 7 {
		t.Fatalf("place moved back: %+v", b)
	}
	// A new UIDVALIDITY starts again.
	if err := st.SaveMailbox(e.ctx, &mailin.Mailbox{Name: box.Name, UIDValidity: 8, LastUID: 2}); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.Mailbox(e.ctx, box.Name); b.LastUID != 2 || b.UIDValidity != 8 {
		t.Fatalf("place after UIDVALIDITY changed: %+v", b)
	}
	if b, err := st.Mailbox(e.ctx, "unknown"); err != nil || b.LastUID != 0 {
		t.Fatalf("new mailbox %+v %v", b, err)
	}
}
