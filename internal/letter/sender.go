package letter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/notify"
)

// JobAck is the job kind that emails a new complaint's acknowledgement
// letter.
const JobAck = "letter.ack"

// Store is what the sender needs: the complaint, and a way to record on
// its timeline that the letter went out (the case service's system events).
type Store interface {
	Get(ctx context.Context, id int64) (*complaint.Complaint, error)
	SystemEvent(ctx context.Context, complaintID int64, e complaint.Event) error
	// SystemEvents records several facts in one write.
	SystemEvents(ctx context.Context, evs []complaint.Event) error
}

// ManyStore reads the complaints of many letters in one query; ids not
// found are left out.
type ManyStore interface {
	GetMany(ctx context.Context, ids []int64) (map[int64]*complaint.Complaint, error)
}

// BulkMailer sends several messages over one connection, one error per
// message (notify.SMTP).
type BulkMailer interface {
	SendAll(ctx context.Context, ms []notify.Message) []error
}

// connections is how many SMTP connections a batch of letters shares out.
const connections = 4

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
	// Thread, when set, adds the headers that keep the letter in the
	// thread of the complainant's mail (a complaint that came by email).
	Thread func(ctx context.Context, c *complaint.Complaint, m *notify.Message)
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

// Batch sends the letters of a batch of jobs: over a few SMTP connections
// when the mailer can, with the ack_sent entries of the letters that went
// out recorded in one write. One error per job.
func (s *Sender) Batch() jobs.BatchHandler {
	return func(ctx context.Context, js []jobs.Job) []error {
		errs := make([]error, len(js))
		var msgs []notify.Message
		var cs []*complaint.Complaint
		var at []int
		ids := make([]int64, len(js))
		for i, j := range js {
			if err := json.Unmarshal(j.Payload, &ids[i]); err != nil {
				errs[i] = jobs.Permanent(fmt.Errorf("letter payload: %w", err))
			}
		}
		// The complaints of the batch in one query when the store can.
		var many map[int64]*complaint.Complaint
		if ms, ok := s.Store.(ManyStore); ok {
			var want []int64
			for i, id := range ids {
				if errs[i] == nil {
					want = append(want, id)
				}
			}
			var err error
			if many, err = ms.GetMany(ctx, want); err != nil {
				for i := range errs {
					if errs[i] == nil {
						errs[i] = err
					}
				}
				return errs
			}
		}
		for i, id := range ids {
			if errs[i] != nil {
				continue
			}
			var c *complaint.Complaint
			var err error
			if many != nil {
				if c = many[id]; c == nil {
					err = apperr.New(apperr.NotFound, "not found")
				}
			} else {
				c, err = s.Store.Get(ctx, id)
			}
			if err != nil {
				errs[i] = err
				continue
			}
			if !s.Wanted(c) {
				continue
			}
			m, err := s.message(ctx, c)
			if err != nil {
				errs[i] = jobs.Permanent(err)
				continue
			}
			msgs, cs, at = append(msgs, m), append(cs, c), append(at, i)
		}
		sent := s.sendAll(ctx, msgs)
		var evs []complaint.Event
		for k, err := range sent {
			if err != nil {
				if s.Log != nil {
					s.Log.Warn("acknowledgement letter not sent", "complaint", cs[k].Number, "err", err)
				}
				errs[at[k]] = fmt.Errorf("acknowledgement letter of %s: %w", cs[k].Number, err)
				continue
			}
			evs = append(evs, ackSent(cs[k].ID))
		}
		// The letters are out; record them even if the worker is stopping.
		// A failure to record leaves the letters sent, never sends twice.
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.Store.SystemEvents(ectx, evs); err != nil && s.Log != nil {
			s.Log.Warn("acknowledgement letters sent but not recorded on the timeline", "letters", len(evs), "err", err)
		}
		return errs
	}
}

// sendAll sends msgs, spread over a few connections of a bulk mailer.
func (s *Sender) sendAll(ctx context.Context, msgs []notify.Message) []error {
	errs := make([]error, len(msgs))
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	bulk, ok := s.Mailer.(BulkMailer)
	if !ok {
		for i, m := range msgs {
			actx, cancel := context.WithTimeout(ctx, timeout)
			errs[i] = s.Mailer.Send(actx, m)
			cancel()
		}
		return errs
	}
	n := min(connections, len(msgs))
	var wg sync.WaitGroup
	for w := range n {
		var part []notify.Message
		var idx []int
		for i := w; i < len(msgs); i += n {
			part, idx = append(part, msgs[i]), append(idx, i)
		}
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, timeout+time.Duration(len(part))*100*time.Millisecond)
			defer cancel()
			for k, err := range bulk.SendAll(actx, part) {
				errs[idx[k]] = err
			}
		})
	}
	wg.Wait()
	return errs
}

func (s *Sender) message(ctx context.Context, c *complaint.Complaint) (notify.Message, error) {
	l, err := Render(New(c, s.Company, s.BaseURL, s.Loc), s.Lang)
	if err != nil {
		return notify.Message{}, err
	}
	m := notify.Message{To: []string{c.Complainant.Email}, Subject: l.Subject, Text: l.Text, HTML: l.HTML,
		Headers: map[string]string{"X-Kesu-Complaint": c.Number}}
	if s.Thread != nil {
		s.Thread(ctx, c, &m)
	}
	return m, nil
}

func ackSent(id int64) complaint.Event {
	return complaint.Event{ComplaintID: id, Kind: complaint.EventAckSent, Public: true, Data: map[string]any{"channel": "email"}}
}

// Send emails c's letter now and records the event.
func (s *Sender) Send(ctx context.Context, c *complaint.Complaint) error {
	msg, err := s.message(ctx, c)
	if err != nil {
		return jobs.Permanent(err)
	}
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
	return s.Store.SystemEvent(ectx, c.ID, *ev)
}
