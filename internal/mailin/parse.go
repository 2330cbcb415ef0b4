// Package mailin turns e-mail into complaints (SPEC INT-1, §6 inbound): it
// parses a message — RFC 2047 headers and bodies in UTF-8, GB2312, GBK,
// GB18030, Big5 and the other charsets mail clients use, multipart with
// attachments — and hands it to the intake: a new mail registers a
// complaint of channel "email" with its files, a reply threads into its
// case, auto-replies, bounces and kesu's own mail are ignored, and a mail
// that cannot be parsed is kept, raw, for an administrator. Mail arrives by
// an SMTP receiver (smtpd.go) or by polling an IMAP mailbox (imap.go);
// either way each message is claimed by its Message-ID under a unique
// constraint, so a retry, a restart or a second server never registers it
// twice.
package mailin

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// Message is a parsed e-mail.
type Message struct {
	MessageID  string   // without angle brackets
	InReplyTo  []string // message ids, without angle brackets
	References []string
	From       string // address
	FromName   string // display name, decoded
	Subject    string // decoded
	Date       time.Time
	Text       string // the text/plain part, or the text of the HTML part
	// Attachments are the parts sent as files (and inline images).
	Attachments []File
	// Auto is why the mail is an automatic one (auto-reply, bounce,
	// mailing list), empty for a mail a person wrote.
	Auto string
	// Kesu is set when the mail carries kesu's own header: kesu sent it.
	Kesu bool
}

// File is one attachment of a mail.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// ParseError is a mail that cannot be read as MIME; the raw bytes are kept.
type ParseError struct{ Err error }

func (e *ParseError) Error() string { return "unreadable mail: " + e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

// maxParts bounds the parts walked in one mail (a mail bomb of nested
// multiparts is refused as unreadable).
const maxParts = 200

// Key is the identity of a raw mail for the intake's claim: its Message-ID,
// or, for a mail without one (or one too unreadable to find it), the
// SHA-256 of its bytes.
func Key(raw []byte) string {
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		if id := firstID(m.Header.Get("Message-ID")); id != "" && len(id) <= 500 {
			return id
		}
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Peek reads the sender and subject of a mail whose body cannot be
// parsed, for the administrator's list; empty when even the header is
// unreadable.
func Peek(raw []byte) (from, subject string) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", ""
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	from = decodeHeader(m.Header.Get("From"), params["charset"])
	if a, err := addrParser.Parse(from); err == nil {
		from = a.Address
	}
	return from, decodeHeader(m.Header.Get("Subject"), params["charset"])
}

// Parse reads raw as an RFC 5322 message with MIME parts.
func Parse(raw []byte) (*Message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, &ParseError{err}
	}
	h := m.Header
	out := &Message{MessageID: firstID(h.Get("Message-ID")), InReplyTo: ids(h.Get("In-Reply-To")),
		References: ids(h.Get("References"))}
	ctype := h.Get("Content-Type")
	_, ctParams, _ := mime.ParseMediaType(ctype)
	bodyCharset := ctParams["charset"]
	out.Subject = decodeHeader(h.Get("Subject"), bodyCharset)
	if from := h.Get("From"); from != "" {
		addr, err := addrParser.Parse(decodeRaw(from, bodyCharset))
		if err != nil {
			// A display name in raw 8-bit or with odd quoting: take the
			// address between angle brackets.
			if i, j := strings.LastIndexByte(from, '<'), strings.LastIndexByte(from, '>'); i >= 0 && j > i {
				out.From = strings.TrimSpace(from[i+1 : j])
				out.FromName = strings.Trim(decodeHeader(strings.TrimSpace(from[:i]), bodyCharset), `" `)
			} else {
				out.From = strings.TrimSpace(from)
			}
		} else {
			out.From, out.FromName = addr.Address, addr.Name
		}
	}
	if d, err := h.Date(); err == nil {
		out.Date = d
	}
	out.Auto = automatic(h)
	out.Kesu = h.Get("X-Kesu-Complaint") != ""
	w := &walker{msg: out}
	if err := w.part(ctype, h.Get("Content-Transfer-Encoding"), h.Get("Content-Disposition"), m.Body, 0); err != nil {
		return nil, &ParseError{err}
	}
	if out.Text == "" && w.html != "" {
		out.Text = htmlText(w.html)
	}
	out.Text = strings.TrimSpace(strings.ReplaceAll(out.Text, "\r\n", "\n"))
	if out.Auto == "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "multipart/report") {
		out.Auto = "delivery report"
	}
	return out, nil
}

var addrParser = &mail.AddressParser{WordDecoder: wordDecoder}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// Encoding returns the text encoding of a MIME charset name. GB2312 and
// GBK are read as GB18030, their superset: mail labelled GB2312 often
// carries GBK characters.
func Encoding(charset string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"`)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return encoding.Nop, nil
	case "gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "csgb2312", "gb_2312-80", "hz-gb-2312":
		if strings.EqualFold(charset, "hz-gb-2312") {
			return simplifiedchinese.HZGB2312, nil
		}
		return simplifiedchinese.GB18030, nil
	case "big5", "big5-hkscs", "cp950", "x-big5":
		return traditionalchinese.Big5, nil
	}
	e, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return e, nil
}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	e, err := Encoding(charset)
	if err != nil {
		return nil, err
	}
	return transform.NewReader(r, e.NewDecoder()), nil
}

// decodeString turns b in charset into UTF-8; bytes that are no text in
// that charset become U+FFFD.
func decodeString(b []byte, charset string) string {
	e, err := Encoding(charset)
	if err != nil {
		e = encoding.Nop
	}
	if e == encoding.Nop {
		if utf8.Valid(b) {
			return string(b)
		}
		// Mislabelled 8-bit text from a Chinese client: read it as GB18030.
		e = simplifiedchinese.GB18030
	}
	s, _, err := transform.Bytes(e.NewDecoder(), b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// decodeRaw turns a header value sent as raw 8-bit bytes (not RFC 2047)
// into UTF-8, reading it in the body's charset or, when that is not
// given, as GB18030.
func decodeRaw(v, charset string) string {
	if utf8.ValidString(v) {
		return v
	}
	return decodeString([]byte(v), charset)
}

// decodeHeader decodes RFC 2047 encoded words and raw 8-bit text.
func decodeHeader(v, charset string) string {
	v = decodeRaw(v, charset)
	if s, err := wordDecoder.DecodeHeader(v); err == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(v)
}

var idRe = regexp.MustCompile(`<([^<>\s]+)>`)

func ids(v string) []string {
	var out []string
	for _, m := range idRe.FindAllStringSubmatch(v, 50) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		for _, f := range strings.Fields(v) {
			if strings.Contains(f, "@") {
				out = append(out, strings.Trim(f, "<>"))
			}
		}
	}
	return out
}

func firstID(v string) string {
	if l := ids(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

// automatic tells why a mail was sent by a machine (RFC 3834
// Auto-Submitted, Precedence, the auto-reply headers of common servers, a
// bounce's sender), or "".
func automatic(h mail.Header) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	switch v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v {
	case "bulk", "junk", "list", "auto_reply", "auto-reply":
		return "Precedence: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autogenerated"} {
		if h.Get(k) != "" {
			return k
		}
	}
	if strings.EqualFold(strings.TrimSpace(h.Get("X-Auto-Response-Suppress")), "All") && h.Get("X-MS-Exchange-Generated-Message-Source") != "" {
		return "X-MS-Exchange-Generated-Message-Source"
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return "bounce (empty Return-Path)"
	}
	from := strings.ToLower(h.Get("From"))
	for _, who := range []string{"mailer-daemon@", "postmaster@", "<mailer-daemon", "<postmaster"} {
		if strings.Contains(from, who) {
			return "bounce (" + strings.Trim(who, "<@") + ")"
		}
	}
	return ""
}

type walker struct {
	msg   *Message
	html  string
	parts int
}

func (w *walker) part(ctype, cte, disp string, body io.Reader, depth int) error {
	w.parts++
	if w.parts > maxParts || depth > 20 {
		return errors.New("too many MIME parts")
	}
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		// An unreadable type: RFC 2045 says read it as text/plain, unless
		// it claims to be multipart, whose parts we cannot find.
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "multipart/") {
			return fmt.Errorf("content type %q: %w", ctype, err)
		}
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		b := params["boundary"]
		if b == "" {
			return fmt.Errorf("%s without boundary", mt)
		}
		mr := multipart.NewReader(body, b)
		n := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mt, err)
			}
			n++
			if err := w.part(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-Disposition"), p, depth+1); err != nil {
				return err
			}
		}
		if n == 0 {
			return fmt.Errorf("%s with no parts", mt)
		}
		return nil
	}
	data, err := io.ReadAll(transferDecoder(cte, body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	dispType, dparams, _ := mime.ParseMediaType(disp)
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = decodeHeader(name, params["charset"])
	if mt == "message/rfc822" && name == "" {
		name = "message.eml"
	}
	attached := dispType == "attachment" || name != "" || !(strings.HasPrefix(mt, "text/plain") || strings.HasPrefix(mt, "text/html"))
	if !attached {
		text := decodeString(data, params["charset"])
		if mt == "text/html" {
			if w.html == "" {
				w.html = text
			}
		} else if w.msg.Text == "" {
			w.msg.Text = text
		}
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	if name == "" {
		// An inline image without a name: name it by its type.
		name = "attachment"
		if ext, ok := commonExt[mt]; ok {
			name += ext
		} else if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
			name += exts[0]
		}
	}
	w.msg.Attachments = append(w.msg.Attachments, File{Name: name, ContentType: mt, Data: data})
	return nil
}

// commonExt is the usual file name extension of the types mail clients
// send unnamed (mime.ExtensionsByType lists .jfif first for JPEG).
var commonExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"application/pdf": ".pdf", "text/plain": ".txt", "message/rfc822": ".eml"}

func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &spaceless{r: bufio.NewReader(r)})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// spaceless drops the line breaks and blanks inside base64 text.
type spaceless struct{ r *bufio.Reader }

func (s *spaceless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		switch c {
		case '\r', '\n', ' ', '\t':
			continue
		}
		p[n] = c
		n++
	}
	return n, nil
}

var (
	tagRe   = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	blockRe = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6])[^>]*>`)
	blankRe = regexp.MustCompile(`\n{3,}`)
)

// htmlText is the readable text of an HTML body: tags dropped, blocks on
// lines of their own, entities decoded.
func htmlText(s string) string {
	s = blockRe.ReplaceAllString(s, "\n")
	s = tagRe.ReplaceAllString(s, "")
	s = strings.ReplaceAll(html.UnescapeString(s), "\u00a0", " ")
	return blankRe.ReplaceAllString(s, "\n\n")
}
