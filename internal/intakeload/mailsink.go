package intakeload

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// mailSink is an SMTP server on loopback that accepts every message and
// only counts it: letters to complainants apart from the notices kesu
// mails its own staff (demo staff addresses end in staffDomain) and the
// dealers it tells of their customers' complaints (header X-Kesu-Notice:
// served-by-dealer). smtptest keeps and decodes each message, which a load of
// tens of thousands of letters does not need and this process's CPU, shared
// with the server under test, should not pay for.
type mailSink struct {
	Host string
	Port int
	srv  *smtp.Server
	n    atomic.Int64 // to complainants
	st   atomic.Int64 // to staff
	dl   atomic.Int64 // to dealers
}

// staffDomain ends the addresses of the demo staff the load registers with.
const staffDomain = "@demo.kesu.cn"

// startMailSink listens on a free loopback port.
func startMailSink() (*mailSink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &mailSink{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{m: m}, nil }))
	m.srv.Domain = "localhost"
	m.srv.ReadTimeout = 30 * time.Second
	m.srv.WriteTimeout = 30 * time.Second
	m.srv.MaxMessageBytes = 10 << 20
	go m.srv.Serve(l)
	return m, nil
}

// Received is the number of messages to complainants accepted so far.
func (m *mailSink) Received() int64 { return m.n.Load() }

// Staff is the number of notices to staff accepted so far.
func (m *mailSink) Staff() int64 { return m.st.Load() }

// Close stops the server.
func (m *mailSink) Close() error { return m.srv.Close() }

type sinkSession struct {
	m     *mailSink
	staff bool
}

func (s *sinkSession) Reset()                             { s.staff = false }
func (*sinkSession) Logout() error                        { return nil }
func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.staff = strings.HasSuffix(strings.ToLower(strings.Trim(to, "<> ")), staffDomain)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	br := bufio.NewReader(r)
	dealer := false
	for {
		line, err := br.ReadString('\n')
		if strings.EqualFold(strings.TrimSpace(line), "X-Kesu-Notice: served-by-dealer") {
			dealer = true
		}
		if err != nil || strings.TrimSpace(line) == "" {
			break
		}
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	switch {
	case s.staff:
		s.m.st.Add(1)
	case dealer:
		s.m.dl.Add(1)
	default:
		s.m.n.Add(1)
	}
	return nil
}
