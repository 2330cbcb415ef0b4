package mailin_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// mailSpec describes a test mail, written as a mail client in charset
// would write it: headers as RFC 2047 base64 words, text and attachments
// in base64.
type mailSpec struct {
	charset    string // utf-8, gb2312, gbk, gb18030, big5
	id         string // Message-ID without brackets; empty: none
	fromName   string
	from       string
	subject    string
	text       string
	inReplyTo  string
	references []string
	extra      []string // further header lines
	files      []testFile
}

type testFile struct {
	name, ctype string
	data        []byte
}

func encoderOf(t testing.TB, charset string) *encoding.Encoder {
	switch strings.ToLower(charset) {
	case "gb2312", "gbk":
		return simplifiedchinese.GBK.NewEncoder()
	case "gb18030":
		return simplifiedchinese.GB18030.NewEncoder()
	case "big5":
		return traditionalchinese.Big5.NewEncoder()
	case "", "utf-8":
		return encoding.Nop.NewEncoder()
	}
	t.Fatalf("no encoder for %s", charset)
	return nil
}

func enc(t testing.TB, charset, s string) []byte {
	b, err := encoderOf(t, charset).Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q as %s: %v", s, charset, err)
	}
	return b
}

func word(t testing.TB, charset, s string) string {
	if charset == "" {
		charset = "utf-8"
	}
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(enc(t, charset, s)) + "?="
}

func b64lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

func (m mailSpec) bytes(t testing.TB) []byte {
	cs := m.charset
	if cs == "" {
		cs = "utf-8"
	}
	var b bytes.Buffer
	from := m.from
	if m.fromName != "" {
		from = word(t, cs, m.fromName) + " <" + m.from + ">"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: complaints@kesu.example\r\nSubject: %s\r\nDate: Tue, 10 Mar 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n",
		from, word(t, cs, m.subject))
	if m.id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.id)
	}
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.inReplyTo)
	}
	if len(m.references) > 0 {
		fmt.Fprintf(&b, "References: <%s>\r\n", strings.Join(m.references, "> <"))
	}
	for _, h := range m.extra {
		b.WriteString(h + "\r\n")
	}
	body := "Content-Type: text/plain; charset=" + cs + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64lines(enc(t, cs, m.text))
	if len(m.files) == 0 {
		b.WriteString(body)
		return b.Bytes()
	}
	const boundary = "----=_Part_kesu_test"
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\n%s", boundary, body)
	for _, f := range m.files {
		n := word(t, cs, f.name)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s",
			boundary, f.ctype, n, n, b64lines(f.data))
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// pngBytes is a small valid PNG (a 1×1 pixel).
var pngBytes = func() []byte {
	b, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	return b
}()

// pdfBytes is a minimal PDF document.
var pdfBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 3 3]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
