package notify_test

import (
	"context"
	"errors"
	"testing"

	"kesu/internal/jobs"
	"kesu/internal/notify"
)

// bulkMailer records the batches it is given and fails the messages to
// the addresses in fail.
type bulkMailer struct {
	batches [][]notify.Message
	fail    map[string]error
}

func (b *bulkMailer) Send(ctx context.Context, m notify.Message) error {
	return b.SendAll(ctx, []notify.Message{m})[0]
}

func (b *bulkMailer) SendAll(_ context.Context, ms []notify.Message) []error {
	b.batches = append(b.batches, ms)
	errs := make([]error, len(ms))
	for i, m := range ms {
		errs[i] = b.fail[m.To[0]]
	}
	return errs
}

// Notices by email claimed together go out over one connection, and each
// job still succeeds, is retried or is dead on its own.
func TestEmailBatch(t *testing.T) {
	m := &bulkMailer{fail: map[string]error{
		"busy@example.com": errors.New("451 try again"),
		"gone@example.com": notify.ErrRejected,
	}}
	h := notify.EmailBatch(m)
	if h == nil {
		t.Fatal("a bulk mailer gets a batch handler")
	}
	job := func(to string) jobs.Job {
		return jobs.Job{Kind: notify.JobEmail, Payload: jobs.Payload(notify.Message{To: []string{to}, Subject: "超时提醒"})}
	}
	js := []jobs.Job{job("a@example.com"), job("busy@example.com"), {Kind: notify.JobEmail, Payload: []byte("{")}, job("gone@example.com"), job("b@example.com")}
	errs := h(context.Background(), js)
	if len(m.batches) != 1 || len(m.batches[0]) != 4 {
		t.Fatalf("batches = %v, want one of the 4 readable messages", m.batches)
	}
	for _, msg := range m.batches[0] {
		if msg.Channel != notify.Email || msg.Subject != "超时提醒" {
			t.Errorf("message sent as %+v", msg)
		}
	}
	if errs[0] != nil || errs[4] != nil {
		t.Errorf("sent messages failed: %v, %v", errs[0], errs[4])
	}
	if errs[1] == nil || jobs.IsPermanent(errs[1]) {
		t.Errorf("a temporary failure must be retried, got %v", errs[1])
	}
	if !jobs.IsPermanent(errs[2]) || !jobs.IsPermanent(errs[3]) {
		t.Errorf("an unreadable payload and a rejection are dead letters, got %v, %v", errs[2], errs[3])
	}
	if notify.EmailBatch(notify.Channels{}) != nil {
		t.Error("a mailer that cannot send in bulk runs one job at a time")
	}
}
