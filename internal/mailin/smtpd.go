package mailin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Receiver is an SMTP server that takes mail for the accepted recipient
// domains into the intake, as the MX of a complaints address would. A mail
// is answered 250 only after it is stored; a failure to store answers 451
// so the sending server tries again later.
type Receiver struct {
	Intake *Intake
	// Domains are the recipient domains accepted (complaints@kesu.example
	// → kesu.example); a recipient in another domain is refused with 550.
	Domains  []string
	Hostname string // the name in the greeting
	MaxBytes int64  // largest mail; default 30 MB
	Log      *slog.Logger

	srv      *smtp.Server
	mu       sync.Mutex
	addr     string
	received atomic.Int64
	failed   atomic.Int64
	last     atomic.Int64 // unix micros of the last mail taken in
}

// ReceiverStatus is what the administrator's page shows of the receiver.
type ReceiverStatus struct {
	Addr     string     `json:"addr"`
	Domains  []string   `json:"domains"`
	Received int64      `json:"received"` // mails taken in since start
	Failed   int64      `json:"failed"`   // mails answered 451 since start
	LastAt   *time.Time `json:"last_at,omitempty"`
}

// Status reports the receiver's address and counts since start.
func (r *Receiver) Status() ReceiverStatus {
	r.mu.Lock()
	addr := r.addr
	r.mu.Unlock()
	st := ReceiverStatus{Addr: addr, Domains: r.Domains, Received: r.received.Load(), Failed: r.failed.Load()}
	if us := r.last.Load(); us > 0 {
		t := time.UnixMicro(us).UTC()
		st.LastAt = &t
	}
	return st
}

// Serve answers SMTP on l until Close.
func (r *Receiver) Serve(l net.Listener) error {
	s := smtp.NewServer(r)
	s.Domain = r.Hostname
	if s.Domain == "" {
		s.Domain = "localhost"
	}
	s.ReadTimeout, s.WriteTimeout = 2*time.Minute, 2*time.Minute
	s.MaxMessageBytes = r.MaxBytes
	if s.MaxMessageBytes <= 0 {
		s.MaxMessageBytes = 30 << 20
	}
	s.MaxRecipients = 100
	r.mu.Lock()
	r.srv, r.addr = s, l.Addr().String()
	r.mu.Unlock()
	err := s.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the receiver.
func (r *Receiver) Close() error {
	r.mu.Lock()
	s := r.srv
	r.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

// NewSession implements smtp.Backend.
func (r *Receiver) NewSession(*smtp.Conn) (smtp.Session, error) { return &rsession{r: r}, nil }

type rsession struct {
	r      *Receiver
	bounce bool
	rcpts  int
}

func (s *rsession) Reset()        { s.bounce, s.rcpts = false, 0 }
func (s *rsession) Logout() error { return nil }

func (s *rsession) Mail(from string, _ *smtp.MailOptions) error {
	s.bounce = from == ""
	return nil
}

func (s *rsession) Rcpt(to string, _ *smtp.RcptOptions) error {
	_, dom, ok := strings.Cut(to, "@")
	if !ok || !s.r.accepts(dom) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such recipient here"}
	}
	s.rcpts++
	return nil
}

func (r *Receiver) accepts(domain string) bool {
	for _, d := range r.Domains {
		if strings.EqualFold(strings.TrimSpace(d), strings.TrimSpace(domain)) {
			return true
		}
	}
	return false
}

func (s *rsession) Data(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	raw = bytes.TrimLeft(raw, "\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.r.Intake.Receive(ctx, raw, Envelope{Source: "smtp", Bounce: s.bounce})
	if err != nil {
		s.r.failed.Add(1)
		if s.r.Log != nil {
			s.r.Log.Warn("mail not taken in; the sender will try again", "err", err)
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store the mail now, try again later"}
	}
	if !res.Duplicate {
		s.r.received.Add(1)
		s.r.last.Store(s.r.Intake.Now().UnixMicro())
	}
	return nil
}
