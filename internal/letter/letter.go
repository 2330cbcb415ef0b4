// Package letter renders the acknowledgement letter (受理函) that tells a
// complainant their complaint was accepted (SPEC INT-4), and sends it by
// email.
package letter

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"kesu/internal/complaint"
)

//go:embed templates/*
var templateFS embed.FS

var (
	textTmpl = texttemplate.Must(texttemplate.New("").ParseFS(templateFS, "templates/*.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFS, "templates/*.html"))
)

// Data is what a letter says.
type Data struct {
	Company    string
	Name       string // the complainant, or the linked customer
	Number     string
	Code       string // tracking code
	Subject    string
	AcceptedAt time.Time
	ExpectedBy time.Time
	TrackURL   string // page where the customer follows progress
}

// New takes the letter's data from a complaint. baseURL is kesu's public
// address; times are shown in loc (nil for UTC).
func New(c *complaint.Complaint, company, baseURL string, loc *time.Location) Data {
	if loc == nil {
		loc = time.UTC
	}
	name := c.Complainant.Name
	if name == "" {
		name = c.CustomerName
	}
	return Data{
		Company: company, Name: name, Number: c.Number, Code: c.TrackingCode, Subject: c.Subject,
		AcceptedAt: c.ReceivedAt.In(loc), ExpectedBy: c.ExpectedBy.In(loc),
		TrackURL: TrackURL(baseURL, c.Number, c.TrackingCode),
	}
}

// TrackURL is the public tracking page of a complaint.
func TrackURL(baseURL, number, code string) string {
	q := url.Values{"n": {number}, "c": {code}}
	return strings.TrimRight(baseURL, "/") + "/track?" + q.Encode()
}

// Letter is a rendered letter.
type Letter struct {
	Subject string
	Text    string
	// Body is the letter as an HTML fragment with class names and no inline
	// style, for the printable page (the page's CSP forbids inline style).
	Body htmltemplate.HTML
	// HTML is a whole email document with its own style sheet.
	HTML string
}

// view is what the templates see: the data plus the phrases of one language.
type view struct {
	Data
	Lang     string
	Accepted string
	Expected string
}

func format(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006 15:04")
	}
	return t.Format("2006年1月2日 15:04")
}

func formatDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}

// Render renders the letter in lang ("en" or Chinese otherwise).
func Render(d Data, lang string) (*Letter, error) {
	if lang != "en" {
		lang = "zh"
	}
	v := view{Data: d, Lang: lang, Accepted: format(d.AcceptedAt, lang), Expected: formatDate(d.ExpectedBy, lang)}
	var subj, text, body, doc bytes.Buffer
	if err := textTmpl.ExecuteTemplate(&subj, "subject_"+lang, v); err != nil {
		return nil, err
	}
	if err := textTmpl.ExecuteTemplate(&text, "text_"+lang, v); err != nil {
		return nil, err
	}
	if err := htmlTmpl.ExecuteTemplate(&body, "body_"+lang, v); err != nil {
		return nil, err
	}
	l := &Letter{Subject: strings.TrimSpace(subj.String()), Text: text.String(), Body: htmltemplate.HTML(body.String())}
	if err := htmlTmpl.ExecuteTemplate(&doc, "email", struct {
		Lang, Subject string
		Body          htmltemplate.HTML
	}{lang, l.Subject, l.Body}); err != nil {
		return nil, err
	}
	l.HTML = doc.String()
	return l, nil
}
