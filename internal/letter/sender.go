package letter

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/notify"
)

// EventAdder is the part of complaint.Store the sender needs.
type EventAdder interface {
	AddEvent(ctx context.Context, e *complaint.Event, actor audit.Actor) error
}

// Sender emails the acknowledgement letter of a new complaint when the
// complainant gave an email address, then records an ack_sent event on the
// public timeline.
//
// Sending happens in a goroutine with a few retries and a doubling pause.
// It is not durable: a letter still waiting for a retry when the process
// stops is lost (the complaint itself is safe, and staff can print the
// letter from the complaint page). The job table of the notification module
// will take this over.
type Sender struct {
	Mailer  notify.Mailer // nil disables sending
	Store   EventAdder
	Company string
	BaseURL string
	Loc     *time.Location
	Lang    string // letter language, "zh" unless "en"
	Log     *slog.Logger
	// Attempts is how many times a letter is tried (default 4); Backoff is
	// the first pause between tries (default 30s), doubled each time.
	Attempts int
	Backoff  time.Duration
	Timeout  time.Duration // per attempt, default 30s

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (s *Sender) init() {
	s.once.Do(func() { s.ctx, s.cancel = context.WithCancel(context.Background()) })
}

// Acknowledge sends c's letter in the background. It matches
// web.Deps.Acknowledge and returns at once.
func (s *Sender) Acknowledge(c *complaint.Complaint) {
	if s == nil || s.Mailer == nil || c == nil || c.Complainant.Email == "" {
		return
	}
	s.init()
	if s.ctx.Err() != nil {
		return
	}
	cp := *c
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.Send(s.ctx, &cp); err != nil && s.Log != nil {
			s.Log.Error("acknowledgement letter not sent", "complaint", cp.Number, "err", err)
		}
	}()
}

// Send emails c's letter now, retrying, and records the event. It returns
// the last error when every attempt failed or ctx ended.
func (s *Sender) Send(ctx context.Context, c *complaint.Complaint) error {
	l, err := Render(New(c, s.Company, s.BaseURL, s.Loc), s.Lang)
	if err != nil {
		return err
	}
	msg := notify.Message{To: []string{c.Complainant.Email}, Subject: l.Subject, Text: l.Text, HTML: l.HTML}
	attempts, pause, timeout := s.Attempts, s.Backoff, s.Timeout
	if attempts <= 0 {
		attempts = 4
	}
	if pause <= 0 {
		pause = 30 * time.Second
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	for i := 1; ; i++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err = s.Mailer.Send(actx, msg)
		cancel()
		if err == nil {
			break
		}
		if i >= attempts {
			return err
		}
		if s.Log != nil {
			s.Log.Warn("acknowledgement letter: retrying", "complaint", c.Number, "attempt", i, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
	ev := &complaint.Event{ComplaintID: c.ID, Kind: complaint.EventAckSent, Public: true,
		Data: map[string]any{"channel": "email"}}
	// The mail is out; record it even if the caller is shutting down.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.Store.AddEvent(ectx, ev, audit.System)
}

// Close stops pending retries and waits for letters being sent.
func (s *Sender) Close() {
	s.init()
	s.cancel()
	s.wg.Wait()
}

// Wait blocks until every letter started so far is sent or given up; for
// tests.
func (s *Sender) Wait() { s.wg.Wait() }
