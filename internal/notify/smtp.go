package notify

import (
	"bytes"
	"context"
	"fmt"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTP sends email through an SMTP server.
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	TLS      string // none, starttls or tls
}

// Send implements Mailer. The message goes out as multipart text + HTML in
// UTF-8 so Chinese reads correctly in every client.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// SendAll sends messages over one connection and answers one error per
// message (all of them when the server cannot be reached).
func (s *SMTP) SendAll(ctx context.Context, ms []Message) []error {
	errs := make([]error, len(ms))
	var msgs []*mail.Msg
	var at []int
	for i, m := range ms {
		msg, err := s.message(m)
		if err != nil {
			errs[i] = err
			continue
		}
		msgs, at = append(msgs, msg), append(at, i)
	}
	if len(msgs) == 0 {
		return errs
	}
	c, err := s.client()
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msgs...)
	}
	for k, msg := range msgs {
		switch {
		case msg.HasSendError():
			errs[at[k]] = fmt.Errorf("smtp send: %w", msg.SendError())
		case err != nil && !msg.IsDelivered():
			errs[at[k]] = fmt.Errorf("smtp send: %w", err)
		}
	}
	return errs
}

func (s *SMTP) message(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingB64))
	if err := msg.From(s.From); err != nil {
		return nil, fmt.Errorf("smtp from: %w", err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("smtp to: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("smtp reply-to: %w", err)
		}
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(mail.Header(k), v)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func (s *SMTP) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.Port), mail.WithTimeout(20 * time.Second)}
	switch s.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.User), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}
