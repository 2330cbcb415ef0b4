package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
