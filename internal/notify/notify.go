// Package notify sends messages to people and systems outside kesu: email,
// SMS and signed webhooks. Every message is one durable job (see jobs.go):
// it is enqueued in the transaction of the change that causes it and sent
// after commit, retried with backoff, and left in the dead-letter list for
// an administrator when it keeps failing. Adapters live in smtp.go and the
// sms and webhook sub-packages.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Channel is a way a message leaves kesu.
type Channel string

// Channels kesu sends on.
const (
	Email   Channel = "email"
	SMS     Channel = "sms"
	Webhook Channel = "webhook"
)

// Message is one outgoing message. An email uses every text field; an SMS
// uses To (phone numbers) and Text; a webhook posts Event to the URL in To.
type Message struct {
	Channel Channel           `json:"channel,omitempty"` // empty means email
	To      []string          `json:"to"`
	Subject string            `json:"subject,omitempty"`
	Text    string            `json:"text,omitempty"`
	HTML    string            `json:"html,omitempty"`
	ReplyTo string            `json:"reply_to,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Event   *Event            `json:"event,omitempty"`
	// Attachments go with an email, e.g. the summary's workbook.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with an email.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Event is what a webhook receiver gets as the JSON body. ID is stable
// across retries, so a receiver can drop a delivery it has seen.
type Event struct {
	ID   string          `json:"id"`
	Type string          `json:"type"` // sla.reminder, sla.breach, sla.escalation, complaint.registered, complaint.status_changed
	At   time.Time       `json:"created_at"`
	Data json.RawMessage `json:"data"`
}

// Notifier sends one message on its channel. The SMTP, SMS and webhook
// adapters implement it, and so does Channels, which routes by channel.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

// Mailer is a Notifier for email.
type Mailer = Notifier

// ErrRejected marks a failure that sending again cannot fix (a receiver
// that answers 400, 401, 404 …): the job goes to the dead-letter list at
// once instead of retrying for hours.
var ErrRejected = errors.New("rejected")

// Channels routes each message to the adapter of its channel; a channel
// without an adapter is not configured.
type Channels map[Channel]Notifier

// Has reports whether ch is configured.
func (cs Channels) Has(ch Channel) bool { return cs[ch] != nil }

// Send implements Notifier.
func (cs Channels) Send(ctx context.Context, m Message) error {
	ch := m.Channel
	if ch == "" {
		ch = Email
	}
	n := cs[ch]
	if n == nil {
		return fmt.Errorf("%w: no %s channel configured", ErrRejected, ch)
	}
	return n.Send(ctx, m)
}

// HTTPStatus turns the status of an HTTP answer into nil (2xx), a
// rejection (4xx other than 408 Request Timeout and 429 Too Many Requests:
// the request itself is wrong, or the receiver refuses it) or a temporary
// error (anything else, retried). body is a snippet of the answer.
func HTTPStatus(code int, body []byte) error {
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("answered %d %s", code, strings.TrimSpace(string(body)))
	if code >= 400 && code < 500 && code != 408 && code != 429 {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return err
}
