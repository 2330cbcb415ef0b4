package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kesu/internal/jobs"
)

// Job kinds: one job per message.
const (
	JobEmail   = "notify.email"
	JobSMS     = "notify.sms"
	JobWebhook = "notify.webhook"
)

var jobChannels = map[string]Channel{JobEmail: Email, JobSMS: SMS, JobWebhook: Webhook}

// Handlers are the job handlers that send messages through n. A failure
// is retried with the worker's backoff; a rejection (ErrRejected, or a
// channel that is not configured) goes to the dead-letter list at once.
func Handlers(n Notifier) map[string]jobs.Handler {
	out := map[string]jobs.Handler{}
	for kind, ch := range jobChannels {
		out[kind] = func(ctx context.Context, j jobs.Job) error {
			var m Message
			if err := json.Unmarshal(j.Payload, &m); err != nil {
				return jobs.Permanent(fmt.Errorf("%s payload: %w", kind, err))
			}
			m.Channel = ch
			if err := n.Send(ctx, m); err != nil {
				if errors.Is(err, ErrRejected) {
					return jobs.Permanent(err)
				}
				return err
			}
			return nil
		}
	}
	return out
}

// BulkMailer sends many messages over one connection and answers one error
// per message (notify.SMTP does).
type BulkMailer interface {
	SendAll(ctx context.Context, ms []Message) []error
}

// EmailBatch runs the claimed notify.email jobs together over one
// connection of m, instead of a connection per message; nil when m cannot
// send in bulk. Each job succeeds or fails on its own, as with Handlers.
func EmailBatch(m Notifier) jobs.BatchHandler {
	bulk, ok := m.(BulkMailer)
	if !ok {
		return nil
	}
	return func(ctx context.Context, js []jobs.Job) []error {
		errs := make([]error, len(js))
		var ms []Message
		var at []int
		for i, j := range js {
			var msg Message
			if err := json.Unmarshal(j.Payload, &msg); err != nil {
				errs[i] = jobs.Permanent(fmt.Errorf("%s payload: %w", JobEmail, err))
				continue
			}
			msg.Channel = Email
			ms, at = append(ms, msg), append(at, i)
		}
		if len(ms) == 0 {
			return errs
		}
		actx, cancel := context.WithTimeout(ctx, 30*time.Second+time.Duration(len(ms))*100*time.Millisecond)
		defer cancel()
		for k, err := range bulk.SendAll(actx, ms) {
			if err != nil && errors.Is(err, ErrRejected) {
				err = jobs.Permanent(err)
			}
			errs[at[k]] = err
		}
		return errs
	}
}
