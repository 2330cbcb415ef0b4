// Package notify sends messages to people outside kesu. The foundation has
// email; SMS, webhooks and the durable retry queue come with the time-limit
// module.
package notify

import "context"

// Message is one email.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
	ReplyTo string
	Headers map[string]string
}

// Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
