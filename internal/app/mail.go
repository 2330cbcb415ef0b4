package app

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"

	"kesu/internal/mailin"
)

// MailIDDomain is the right-hand side of the Message-IDs kesu writes: the
// domain of smtp-from, else the host of base-url.
func (c Config) MailIDDomain() string {
	if a, err := mail.ParseAddress(c.SMTPFrom); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			return strings.ToLower(d)
		}
	}
	if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return "kesu.invalid"
}

// MailRunning is the mail intake started by StartMail.
type MailRunning struct {
	Receiver *mailin.Receiver // nil when mail-listen is empty
	Poller   *mailin.Poller   // nil when imap-host is empty
	// Addr is the receiver's bound address.
	Addr string
	stop func()
}

// Stop ends the receiver and the poller and waits for them.
func (m *MailRunning) Stop() {
	if m != nil && m.stop != nil {
		m.stop()
	}
}

// StartMail starts the SMTP receiver and the IMAP poller the
// configuration asks for (none by default).
func (a *App) StartMail(ctx context.Context) (*MailRunning, error) {
	c := a.Config
	m := &MailRunning{}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if c.MailListen != "" {
		ln, err := net.Listen("tcp", c.MailListen)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("mail-listen %s: %w", c.MailListen, err)
		}
		m.Receiver = &mailin.Receiver{Intake: a.Mail, Domains: c.MailDomainList(), Hostname: c.MailIDDomain(),
			MaxBytes: int64(c.MaxUploadMB)<<20*3/2 + 1<<20, Log: a.Log}
		m.Addr = ln.Addr().String()
		wg.Go(func() {
			if err := m.Receiver.Serve(ln); err != nil {
				a.Log.Error("mail receiver stopped", "err", err)
			}
		})
		a.Log.Info("mail receiver listening", "addr", m.Addr, "domains", c.MailDomains)
	}
	if c.IMAPHost != "" {
		m.Poller = &mailin.Poller{Intake: a.Mail, Addr: net.JoinHostPort(c.IMAPHost, fmt.Sprint(c.IMAPPort)), TLS: c.IMAPTLS,
			User: c.IMAPUser, Password: c.IMAPPassword, Mailbox: c.IMAPMailbox, Every: c.IMAPPollEvery(), Log: a.Log}
		wg.Go(func() { m.Poller.Run(ctx) })
		a.Log.Info("mail poller started", "mailbox", m.Poller.Name())
	}
	a.mail = m
	m.stop = func() {
		cancel()
		if m.Receiver != nil {
			m.Receiver.Close()
		}
		wg.Wait()
	}
	return m, nil
}

// MailStatus reports the mail intake: what runs on this server, the
// mailboxes' places and the outcome counts.
func (a *App) MailStatus(ctx context.Context) (*mailin.Status, error) {
	st := &mailin.Status{Pollers: []mailin.PollerStatus{}}
	if m := a.mail; m != nil {
		if m.Receiver != nil {
			rs := m.Receiver.Status()
			st.Receiver = &rs
		}
		if m.Poller != nil {
			st.Pollers = append(st.Pollers, m.Poller.Status())
		}
	}
	var err error
	if st.Mailboxes, err = a.DB.Mail().Mailboxes(ctx); err != nil {
		return nil, err
	}
	if st.Counts, err = a.DB.Mail().Counts(ctx); err != nil {
		return nil, err
	}
	return st, nil
}
