package mailin_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"kesu/internal/mailin"
)

// imapServer is an in-process IMAP server (go-imap's memory backend) with
// one user and its INBOX.
type imapServer struct {
	addr string
	user *imapmemserver.User
}

func startIMAP(t *testing.T) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("complaints", "imap-pass")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &imapServer{addr: ln.Addr().String(), user: u}
}

func (s *imapServer) add(t *testing.T, raw []byte) {
	t.Helper()
	if _, err := s.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (s *imapServer) poller(e *env) *mailin.Poller {
	return &mailin.Poller{Intake: e.app.Mail, Addr: s.addr, TLS: "none", User: "complaints", Password: "imap-pass",
		Mailbox: "INBOX", Every: 5 * time.Second}
}

// waitFor polls cond until it holds or 15 seconds passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIMAPPollerRestartLosesNothingDuplicatesNothing(t *testing.T) {
	run := func(t *testing.T, db string) {
		data := t.TempDir()
		srv := startIMAP(t)
		srv.add(t, mailSpec{charset: "gbk", id: "m1@client.example", fromName: "张三", from: "zhang@example.com",
			subject: "空调不制冷", text: "安装三天就不制冷了。", files: []testFile{{"铭牌.png", "image/png", pngBytes}}}.bytes(t))
		srv.add(t, mailSpec{charset: "gb18030", id: "m2@client.example", from: "li@example.com", subject: "冰箱噪音",
			text: "晚上噪音很大𠀀"}.bytes(t))
		srv.add(t, mailSpec{charset: "big5", id: "m3@client.example", fromName: "陳大文", from: "chan@example.hk",
			subject: "洗衣機漏水", text: "洗衣機底部漏水。", files: []testFile{{"發票.pdf", "application/pdf", pdfBytes}}}.bytes(t))
		srv.add(t, mailSpec{id: "m4@client.example", from: "li@example.com", subject: "Out of office", text: "away",
			extra: []string{"Auto-Submitted: auto-replied"}}.bytes(t))
		srv.add(t, []byte("From: x@example.com\r\nSubject: broken\r\nMessage-ID: <m5@client.example>\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n"))
		srv.add(t, mailSpec{id: "m6@client.example", from: "li@example.com", subject: "Re: 冰箱噪音", text: "补充：型号 BCD-520",
			references: []string{"m2@client.example"}}.bytes(t))

		// The first server stops after its second mail, as a crash would.
		e1 := newEnv(t, db, data, nil)
		p1 := srv.poller(e1)
		ctx, cancel := context.WithCancel(context.Background())
		p1.AfterMail = func(uid uint32) {
			if uid == 2 {
				cancel()
			}
		}
		done := make(chan struct{})
		go func() { p1.Run(ctx); close(done) }()
		<-done
		if n := len(e1.done(t)); n != 2 {
			t.Fatalf("%d mails before the restart, want 2", n)
		}
		// A crash after storing the third mail but before moving the place:
		// the mail is in, the place still says 2.
		raw3 := srv3(t)
		if _, err := e1.app.Mail.Receive(context.Background(), raw3, mailin.Envelope{Source: "imap:INBOX"}); err != nil {
			t.Fatal(err)
		}
		e1.close()

		// The restarted server resumes at UID 3.
		e2 := newEnv(t, db, data, nil)
		p2 := srv.poller(e2)
		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		var wg sync.WaitGroup
		wg.Go(func() { p2.Run(ctx2) })
		waitFor(t, "six mails", func() bool { return len(e2.done(t)) == 6 })
		// New mail while the poller waits (IDLE) is taken in at once. (The
		// memory server reports only changes made once IDLE has begun.)
		waitFor(t, "the poller to idle", func() bool { return p2.Status().Waiting })
		time.Sleep(100 * time.Millisecond)
		srv.add(t, mailSpec{charset: "gbk", id: "m7@client.example", from: "wu@example.com", subject: "热水器不点火",
			text: "打不着火"}.bytes(t))
		start := time.Now()
		waitFor(t, "the seventh mail", func() bool { return len(e2.done(t)) == 7 })
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("new mail taken in after %v: IDLE did not wake the poller", d)
		}
		if st := p2.Status(); !st.Connected || !st.Idle {
			t.Errorf("status %+v", st)
		}
		cancel2()
		wg.Wait()

		counts, _ := e2.app.DB.Mail().Counts(context.Background())
		want := map[string]int{mailin.StatusComplaint: 4, mailin.StatusIgnored: 1, mailin.StatusUnparsed: 1, mailin.StatusThreaded: 1}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("outcomes %v, want %v", counts, want)
		}
		cs := e2.complaints(t)
		if len(cs) != 4 {
			t.Fatalf("%d complaints, want 4", len(cs))
		}
		subjects := map[string]int{}
		for _, c := range cs {
			subjects[c.Subject]++
		}
		for _, s := range []string{"空调不制冷", "冰箱噪音", "洗衣機漏水", "热水器不点火"} {
			if subjects[s] != 1 {
				t.Errorf("complaint %q registered %d times", s, subjects[s])
			}
		}
		box, err := e2.app.DB.Mail().Mailbox(context.Background(), p2.Name())
		if err != nil || box.LastUID != 7 || box.UIDValidity == 0 {
			t.Errorf("mailbox place %+v %v", box, err)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "") })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { run(t, freshSchema(t, u)) })
	}
}

// srv3 is the third mail of the restart test, as the server holds it.
func srv3(t *testing.T) []byte {
	return mailSpec{charset: "big5", id: "m3@client.example", fromName: "陳大文", from: "chan@example.hk",
		subject: "洗衣機漏水", text: "洗衣機底部漏水。", files: []testFile{{"發票.pdf", "application/pdf", pdfBytes}}}.bytes(t)
}

func TestTwoPollersOneMailbox(t *testing.T) {
	engines(t, nil, func(t *testing.T, e *env) {
		srv := startIMAP(t)
		for i := range 12 {
			srv.add(t, mailSpec{charset: "gbk", id: fmt.Sprintf("n%d@client.example", i), from: fmt.Sprintf("c%d@example.com", i),
				subject: fmt.Sprintf("投诉 %d", i), text: "内容"}.bytes(t))
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 2 {
			p := srv.poller(e)
			p.Batch = 3
			wg.Go(func() { p.Run(ctx) })
		}
		waitFor(t, "twelve mails", func() bool { return len(e.done(t)) == 12 })
		cancel()
		wg.Wait()
		if n := len(e.complaints(t)); n != 12 {
			t.Errorf("%d complaints from 12 mails read by two pollers", n)
		}
	})
}
