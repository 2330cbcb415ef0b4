package mailin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Poller reads new mail from one IMAP mailbox into the intake. It keeps
// its place as the mailbox's UIDVALIDITY and the highest UID taken in
// (mail_mailboxes), moved forward only after each mail is stored, so a
// restart resumes where it stopped and loses nothing; a mail read twice
// (after a crash between storing it and moving the place, or by a second
// server polling the same mailbox) is claimed by its Message-ID and taken
// in once. It waits with IDLE where the server offers it and polls every
// Every otherwise. The mailbox is not changed (no flags are set).
type Poller struct {
	Intake   *Intake
	Addr     string // host:port
	TLS      string // tls, starttls or none
	User     string
	Password string
	Mailbox  string
	Every    time.Duration // poll interval without IDLE, and the longest IDLE
	Log      *slog.Logger
	// Batch is how many mails are fetched per command (default 20).
	Batch int
	// AfterMail, when set, is called after each mail is taken in (tests
	// stop a poller there).
	AfterMail func(uid uint32)

	mu     sync.Mutex
	status PollerStatus
}

// PollerStatus is what the administrator's page shows of a poller.
type PollerStatus struct {
	Mailbox   string     `json:"mailbox"`
	Connected bool       `json:"connected"`
	Idle      bool       `json:"idle"`    // the server offers IDLE
	Waiting   bool       `json:"waiting"` // in IDLE now, waiting for new mail
	LastPoll  *time.Time `json:"last_poll,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	Taken     int64      `json:"taken"` // mails taken in since start
}

// Name is the mailbox's key in mail_mailboxes: user@host:port/mailbox.
func (p *Poller) Name() string { return p.User + "@" + p.Addr + "/" + p.Mailbox }

// Status reports the poller's state.
func (p *Poller) Status() PollerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.status
	st.Mailbox = p.Name()
	return st
}

func (p *Poller) set(f func(s *PollerStatus)) {
	p.mu.Lock()
	f(&p.status)
	p.mu.Unlock()
}

// Run polls until ctx ends, reconnecting after a failure with backoff.
func (p *Poller) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := p.session(ctx)
		if ctx.Err() != nil {
			return
		}
		p.set(func(s *PollerStatus) { s.Connected, s.LastError = false, errString(err) })
		if p.Log != nil {
			p.Log.Warn("imap poller: reconnecting", "mailbox", p.Name(), "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (p *Poller) dial(opts *imapclient.Options) (*imapclient.Client, error) {
	switch p.TLS {
	case "none":
		return imapclient.DialInsecure(p.Addr, opts)
	case "starttls":
		return imapclient.DialStartTLS(p.Addr, opts)
	default:
		return imapclient.DialTLS(p.Addr, opts)
	}
}

// session connects, logs in, selects the mailbox and takes mail in until
// ctx ends or the connection fails.
func (p *Poller) session(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}}}
	c, err := p.dial(opts)
	if err != nil {
		return fmt.Errorf("connect %s: %w", p.Addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(p.User, p.Password).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	idle := c.Caps().Has(imap.CapIdle)
	p.set(func(s *PollerStatus) { s.Connected, s.Idle, s.LastError = true, idle, "" })
	for ctx.Err() == nil {
		if err := p.Poll(ctx, c); err != nil {
			return err
		}
		if err := p.wait(ctx, c, idle, wake); err != nil {
			return err
		}
	}
	return nil
}

// wait waits for new mail: IDLE until the server reports some or Every
// passed, or a plain sleep without IDLE.
func (p *Poller) wait(ctx context.Context, c *imapclient.Client, idle bool, wake chan struct{}) error {
	every := p.Every
	if every <= 0 {
		every = time.Minute
	}
	if !idle {
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
		return nil
	}
	// Mail that arrived while the last poll ran is reported on the next
	// command: ask with NOOP before idling, so it is not left for later.
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	select {
	case <-wake:
		return nil
	default:
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	p.set(func(s *PollerStatus) { s.Waiting = true })
	select {
	case <-ctx.Done():
	case <-wake:
	case <-time.After(every):
	}
	p.set(func(s *PollerStatus) { s.Waiting = false })
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return cmd.Wait()
}

// Poll selects the mailbox and takes in every mail above the stored
// place, in UID order, moving the place after each.
func (p *Poller) Poll(ctx context.Context, c *imapclient.Client) error {
	sel, err := c.Select(p.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", p.Mailbox, err)
	}
	st := p.Intake.Store
	box, err := st.Mailbox(ctx, p.Name())
	if err != nil {
		return err
	}
	if box.UIDValidity != sel.UIDValidity {
		// A new mailbox, or one the server renumbered: read it all again;
		// the claim by Message-ID skips what was taken in before.
		if box.UIDValidity != 0 && p.Log != nil {
			p.Log.Warn("imap poller: UIDVALIDITY changed, reading the mailbox again", "mailbox", p.Name(),
				"was", box.UIDValidity, "now", sel.UIDValidity)
		}
		box.UIDValidity, box.LastUID = sel.UIDValidity, 0
	}
	now := p.Intake.Now()
	box.PolledAt, box.LastError = now, ""
	defer func() {
		p.set(func(s *PollerStatus) { t := now; s.LastPoll = &t })
	}()
	if sel.NumMessages == 0 {
		return st.SaveMailbox(ctx, box)
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(box.LastUID+1), 0)
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		if uint32(u) > box.LastUID { // n:* matches the highest UID even below n
			uids = append(uids, u)
		}
	}
	batch := p.Batch
	if batch <= 0 {
		batch = 20
	}
	section := &imap.FetchItemBodySection{Peek: true}
	for start := 0; start < len(uids); start += batch {
		part := uids[start:min(start+batch, len(uids))]
		var fs imap.UIDSet
		fs.AddNum(part...)
		msgs, err := c.Fetch(fs, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		byUID := map[imap.UID][]byte{}
		for _, m := range msgs {
			byUID[m.UID] = m.FindBodySection(section)
		}
		for _, uid := range part {
			raw, ok := byUID[uid]
			if !ok {
				continue // expunged meanwhile
			}
			_, err := p.Intake.Receive(ctx, raw, Envelope{Source: "imap:" + p.Mailbox})
			if errors.Is(err, ErrInProgress) {
				// Held by another taking-in: keep the place and look again
				// at the next poll.
				return st.SaveMailbox(ctx, box)
			}
			if err != nil {
				// Not stored: keep the place; the next poll tries again.
				box.LastError = err.Error()
				st.SaveMailbox(context.WithoutCancel(ctx), box)
				return fmt.Errorf("take in UID %d: %w", uid, err)
			}
			box.LastUID = uint32(uid)
			// The mail is in: record the place even when stopping.
			if err := st.SaveMailbox(context.WithoutCancel(ctx), box); err != nil {
				return err
			}
			p.set(func(s *PollerStatus) { s.Taken++ })
			if p.AfterMail != nil {
				p.AfterMail(uint32(uid))
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return st.SaveMailbox(ctx, box)
}
