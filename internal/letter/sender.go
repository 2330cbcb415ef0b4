package letter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/notify"
)

// JobAck is the job kind that emails a new complaint's acknowledgement
// letter.
const JobAck = "letter.ack"

// Store is the part of complaint.Store the sender needs.
type Store interface {
	Get(ctx context.Context, id int64) (*complaint.Complaint, error)
	AddEvent(ctx context.Context, e *complaint.Event, actor audit.Actor) error
}

// Job is the durable job that sends complaint id's letter; its key makes
// a second enqueue of the same letter a no-op.
func Job(id int64) *jobs.Job {
	return &jobs.Job{Kind: JobAck, Key: "ack:" + strconv.FormatInt(id, 10), Payload: jobs.Payload(id)}
}

// Sender emails the acknowledgement letter of a new complaint when the
// complainant gave an email address, then records an ack_sent event on the
// public timeline. Each letter is a job in the durable job table: a failed
// send is retried by the worker with backoff and ends in the dead-letter
// list an administrator can retry, and a restart loses nothing.
type Sender struct {
	Mailer  notify.Mailer // nil disables sending
	Store   Store
	Company string
	BaseURL string
	Loc     *time.Location
	Lang    string // letter language, "zh" unless "en"
	Log     *slog.Logger
	Timeout time.Duration // per attempt, default 30s
}

// Wanted reports whether c gets a letter by email.
func (s *Sender) Wanted(c *complaint.Complaint) bool {
	return s != nil && s.Mailer != nil && c != nil && c.Complainant.Email != ""
}

// Handler sends the letter of the job's complaint once; an error leaves
// the retry to the worker.
func (s *Sender) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var id int64
		if err := json.Unmarshal(j.Payload, &id); err != nil {
			return jobs.Permanent(fmt.Errorf("letter payload: %w", err))
		}
		c, err := s.Store.Get(ctx, id)
		if err != nil {
			return err
		}
		if !s.Wanted(c) {
			return nil
		}
		return s.Send(ctx, c)
	}
}

// Send emails c's letter now and records the event.
func (s *Sender) Send(ctx context.Context, c *complaint.Complaint) error {
	l, err := Render(New(c, s.Company, s.BaseURL, s.Loc), s.Lang)
	if err != nil {
		return jobs.Permanent(err)
	}
	msg := notify.Message{To: []string{c.Complainant.Email}, Subject: l.Subject, Text: l.Text, HTML: l.HTML}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	err = s.Mailer.Send(actx, msg)
	cancel()
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("acknowledgement letter not sent", "complaint", c.Number, "err", err)
		}
		return fmt.Errorf("acknowledgement letter of %s: %w", c.Number, err)
	}
	ev := &complaint.Event{ComplaintID: c.ID, Kind: complaint.EventAckSent, Public: true,
		Data: map[string]any{"channel": "email"}}
	// The mail is out; record it even if the caller is shutting down.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.Store.AddEvent(ectx, ev, audit.System)
}
