package letter_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/jobs"
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
	if id >= 10 {
		c.ID, c.Number = id, fmt.Sprintf("KS-20261123-%04d", id)
	}
	return c, nil
}

func (e *events) SystemEvent(_ context.Context, id int64, ev complaint.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev.ComplaintID, ev.ActorName = id, "system"
	e.list = append(e.list, ev)
	return nil
}

func (e *events) SystemEvents(_ context.Context, evs []complaint.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range evs {
		ev.ActorName = "system"
		e.list = append(e.list, ev)
	}
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

// manyEvents also reads many complaints at once (letter.ManyStore), as
// the server's store does; complaint 404 does not exist.
type manyEvents struct{ *events }

func (m manyEvents) GetMany(ctx context.Context, ids []int64) (map[int64]*complaint.Complaint, error) {
	out := map[int64]*complaint.Complaint{}
	for _, id := range ids {
		if id != 404 {
			out[id], _ = m.Get(ctx, id)
		}
	}
	return out, nil
}

func TestSenderBatch(t *testing.T) {
	t.Run("one by one", func(t *testing.T) { testSenderBatch(t, false) })
	t.Run("read together", func(t *testing.T) { testSenderBatch(t, true) })
}

func testSenderBatch(t *testing.T, many bool) {
	srv := smtptest.Start(t)
	srv.FailNext(1) // one letter of the batch meets a temporary failure
	ev := &events{}
	var store letter.Store = ev
	if many {
		store = manyEvents{ev}
	}
	s := &letter.Sender{
		Mailer:  &notify.SMTP{Host: srv.Host, Port: srv.Port, From: "kesu@example.com", TLS: "none"},
		Store:   store,
		Company: "示例净水科技", BaseURL: "http://kesu.test",
	}
	var js []jobs.Job
	for _, id := range []int64{10, 11, 12, 2, 13, 14, 15, 16, 17} {
		js = append(js, *letter.Job(id))
	}
	js = append(js, jobs.Job{Kind: letter.JobAck, Payload: []byte("not json")})
	errs := s.Batch()(context.Background(), js)
	if many {
		// A complaint that cannot be read fails its own job only.
		if e := s.Batch()(context.Background(), []jobs.Job{*letter.Job(404)}); e[0] == nil {
			t.Error("the letter of a complaint not found must fail")
		}
	}
	if len(errs) != len(js) {
		t.Fatalf("%d errors for %d jobs", len(errs), len(js))
	}
	failed := 0
	for i, err := range errs[:len(errs)-1] {
		if err != nil {
			failed++
			if js[i].Key == "ack:2" {
				t.Errorf("the complaint without an address has no letter to fail: %v", err)
			}
		}
	}
	if failed != 1 {
		t.Fatalf("%d letters failed, want the one the server refused: %v", failed, errs)
	}
	if errs[len(errs)-1] == nil || !jobs.IsPermanent(errs[len(errs)-1]) {
		t.Errorf("a broken payload must fail for good: %v", errs[len(errs)-1])
	}
	msgs := srv.Wait(t, 7, 5*time.Second)
	numbers := map[string]bool{}
	for _, m := range msgs {
		numbers[m.Subject] = true
	}
	if len(numbers) != 7 {
		t.Fatalf("%d distinct letters arrived, want 7", len(numbers))
	}
	// Exactly the letters that went out are on their timelines.
	if len(ev.list) != 7 {
		t.Fatalf("%d ack_sent entries for 7 letters sent", len(ev.list))
	}
	seen := map[int64]bool{}
	for i, e := range ev.list {
		if e.Kind != complaint.EventAckSent || !e.Public || seen[e.ComplaintID] {
			t.Fatalf("entry %d: %+v", i, e)
		}
		seen[e.ComplaintID] = true
	}
	for i, err := range errs {
		if err != nil && i < len(errs)-1 {
			var id int64
			fmt.Sscanf(js[i].Key, "ack:%d", &id)
			if seen[id] {
				t.Errorf("letter %d failed yet recorded as sent", id)
			}
		}
	}
}
