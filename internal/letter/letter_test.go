package letter_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/letter"
	"kesu/internal/notify"
	"kesu/internal/smtptest"
)

type events struct {
	mu   sync.Mutex
	list []complaint.Event
}

// Get answers the sample complaint for any id.
func (e *events) Get(_ context.Context, id int64) (*complaint.Complaint, error) {
	c := sample()
	if id == 2 {
		c.Complainant.Email = ""
	}
	return c, nil
}

func (e *events) AddEvent(_ context.Context, ev *complaint.Event, actor audit.Actor) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev.ActorName = actor.Name
	e.list = append(e.list, *ev)
	return nil
}

func sample() *complaint.Complaint {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return &complaint.Complaint{
		ID: 7, Number: "KS-20261123-0001", TrackingCode: "ABCD2345", Subject: "净水器漏水",
		Complainant: complaint.Complainant{Name: "王小明", Email: "wang@example.com"},
		ReceivedAt:  time.Date(2026, 11, 23, 9, 30, 0, 0, loc),
		ExpectedBy:  time.Date(2026, 12, 8, 9, 30, 0, 0, loc),
	}
}

func TestRender(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	d := letter.New(sample(), "示例净水科技", "https://kesu.example.com/", loc)
	zh, err := letter.Render(d, "zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"受理函", "KS-20261123-0001", "2026年11月23日 09:30", "2026年12月8日", "ABCD2345",
		"https://kesu.example.com/track?c=ABCD2345&n=KS-20261123-0001"} {
		if !strings.Contains(zh.Subject+zh.Text, want) && !strings.Contains(string(zh.Body), want) {
			t.Errorf("Chinese letter lacks %q", want)
		}
	}
	if strings.Contains(string(zh.Body), "style=") {
		t.Error("letter body has inline style, which the page CSP blocks")
	}
	en, err := letter.Render(d, "en")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(en.Text, "Expected completion: by 8 December 2026") || !strings.Contains(en.Subject, "Acknowledgement") {
		t.Errorf("English letter:\n%s\n%s", en.Subject, en.Text)
	}
	// Text from the complaint is escaped in HTML.
	c := sample()
	c.Complainant.Name = `A&B "x"`
	l, _ := letter.Render(letter.New(c, "Co", "http://h", nil), "zh")
	if !strings.Contains(string(l.Body), "A&amp;B &#34;x&#34;") {
		t.Errorf("name not escaped: %s", l.Body)
	}
}

func TestSenderEmailsLetter(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext(1) // the first try meets a temporary failure
	ev := &events{}
	s := &letter.Sender{
		Mailer:  &notify.SMTP{Host: srv.Host, Port: srv.Port, From: "kesu@example.com", TLS: "none"},
		Store:   ev,
		Company: "示例净水科技", BaseURL: "http://kesu.test",
	}
	h := s.Handler()
	j := letter.Job(1)
	if j.Key != "ack:1" {
		t.Errorf("job key %q", j.Key)
	}
	// The worker runs the job; the first attempt fails and is retried.
	if err := h(context.Background(), *j); err == nil {
		t.Fatal("a failed send must fail the job so the worker retries it")
	}
	if len(ev.list) != 0 {
		t.Fatal("ack event recorded for a letter that was not sent")
	}
	if err := h(context.Background(), *j); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(t, 1, 5*time.Second)
	m := msgs[0]
	if m.Subject != "【示例净水科技】受理函：投诉编号 KS-20261123-0001" {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0] != "wang@example.com" {
		t.Errorf("to %v", m.To)
	}
	for _, want := range []string{"KS-20261123-0001", "预计处理完成时间：2026年12月8日前", "ABCD2345"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "受理函") || !strings.Contains(m.HTML, "KS-20261123-0001") {
		t.Errorf("html part: %s", m.HTML)
	}
	if len(ev.list) != 1 || ev.list[0].Kind != complaint.EventAckSent || !ev.list[0].Public || ev.list[0].ActorName != "system" {
		t.Fatalf("events %+v", ev.list)
	}
}

func TestSenderSkipsWithoutEmail(t *testing.T) {
	srv := smtptest.Start(t)
	ev := &events{}
	s := &letter.Sender{Mailer: &notify.SMTP{Host: srv.Host, Port: srv.Port, From: "k@example.com", TLS: "none"}, Store: ev}
	if err := s.Handler()(context.Background(), *letter.Job(2)); err != nil {
		t.Fatal(err)
	}
	if len(srv.Messages()) != 0 || len(ev.list) != 0 {
		t.Fatal("letter sent without an address")
	}
	if (&letter.Sender{}).Wanted(sample()) {
		t.Fatal("no mailer: no letter")
	}
}
