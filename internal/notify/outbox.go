package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

//go:embed templates/*
var templateFS embed.FS

var (
	phrases = map[string]*texttemplate.Template{
		"zh": texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/zh.txt")),
		"en": texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/en.txt")),
	}
	emailText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/email.txt"))
	emailHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/email.html"))
)

// Webhook event types.
const (
	EventReminder      = "sla.reminder"
	EventBreach        = "sla.breach"
	EventEscalation    = "sla.escalation"
	EventRegistered    = "complaint.registered"
	EventStatusChanged = "complaint.status_changed"
)

// timerEvents names the webhook event of each timer kind.
var timerEvents = map[string]string{sla.TimerRemind: EventReminder, sla.TimerBreach: EventBreach, sla.TimerEscalate: EventEscalation}

// Outbox turns what happens in kesu into the jobs that tell people and
// systems outside it. The store calls it inside the transaction that
// records a notice or fires a timer, so the jobs exist exactly when the
// change does; their keys derive from the notice or event, so one notice
// is mailed once however many servers or retries record it.
type Outbox struct {
	Email    bool     // an SMTP server is configured
	SMS      bool     // an SMS provider (HTTP or log-only) is configured
	Webhooks []string // receiver URLs
	Policies sla.Lookup
	Loc      *time.Location
	BaseURL  string
	Company  string
	Now      func() time.Time
}

// Templated reports whether notices of kind go out by email and SMS; the
// time-limit notices do, other notices stay in the kesu inbox.
func Templated(kind string) bool {
	return phrases["zh"].Lookup(kind+".subject") != nil
}

// Notices returns the email and SMS jobs of newly recorded notices, one
// per channel and notice, for recipients with an address or phone number
// and in their language (Chinese unless "en").
func (o *Outbox) Notices(ns []sla.Notice, to map[int64]org.User) ([]*jobs.Job, error) {
	var out []*jobs.Job
	for _, n := range ns {
		u, ok := to[n.UserID]
		if !ok || u.Disabled || n.Key == "" || !Templated(n.Kind) {
			continue
		}
		if o.Email && u.Email != "" {
			m, err := o.Render(n, u)
			if err != nil {
				return nil, err
			}
			out = append(out, &jobs.Job{Kind: JobEmail, Key: "email:" + n.Key, Payload: jobs.Payload(m)})
		}
		if o.SMS && u.Phone != "" {
			text, err := o.phrase(n, u, "sms")
			if err != nil {
				return nil, err
			}
			m := Message{Channel: SMS, To: []string{u.Phone}, Text: text}
			out = append(out, &jobs.Job{Kind: JobSMS, Key: "sms:" + n.Key, Payload: jobs.Payload(m)})
		}
	}
	return out, nil
}

// view is what the phrase templates see: a time limit's policy and due
// time, or a case's plan amount, the role whose signature it awaits and the
// lifecycle step that names the reader.
type view struct {
	Name, Number, Policy, Due, Link, Company string
	Amount, Role, Step                       string
}

func (o *Outbox) view(n sla.Notice, u org.User) view {
	lang := langOf(u.Lang)
	v := view{Name: u.Name, Number: n.Data["number"], Policy: n.Data["policy"], Company: o.Company, Amount: n.Data["amount"],
		Role: workflow.Roles.Label(n.Data["role"], lang), Step: n.Data["step_"+lang]}
	if p, ok := o.policy(v.Policy); ok {
		v.Policy = p.ZH
		if lang == "en" {
			v.Policy = p.EN
		}
	}
	if due, err := time.Parse(time.RFC3339, n.Data["due"]); err == nil {
		loc := o.Loc
		if loc == nil {
			loc = sla.Shanghai()
		}
		v.Due = due.In(loc).Format("2006-01-02 15:04")
	}
	if n.ComplaintID != nil {
		v.Link = strings.TrimRight(o.BaseURL, "/") + "/complaints/" + strconv.FormatInt(*n.ComplaintID, 10)
	}
	return v
}

func (o *Outbox) phrase(n sla.Notice, u org.User, part string) (string, error) {
	return exec(phrases[langOf(u.Lang)], n.Kind+"."+part, o.view(n, u))
}

func exec(t *texttemplate.Template, name string, data any) (string, error) {
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("notice template %s: %w", name, err)
	}
	return b.String(), nil
}

// Render is the email of a notice to u: subject, text and HTML in u's
// language.
func (o *Outbox) Render(n sla.Notice, u org.User) (Message, error) {
	lang := langOf(u.Lang)
	t, v := phrases[lang], o.view(n, u)
	var e struct {
		HTMLLang, Subject, Greeting, Lead, Open, Link, Footer string
	}
	e.HTMLLang, e.Link = map[string]string{"zh": "zh-CN", "en": "en"}[lang], v.Link
	for name, dst := range map[string]*string{n.Kind + ".subject": &e.Subject, n.Kind + ".lead": &e.Lead,
		"greeting": &e.Greeting, "open": &e.Open, "footer": &e.Footer} {
		s, err := exec(t, name, v)
		if err != nil {
			return Message{}, err
		}
		*dst = s
	}
	var text, html bytes.Buffer
	if err := emailText.Execute(&text, e); err != nil {
		return Message{}, fmt.Errorf("email text: %w", err)
	}
	if err := emailHTML.Execute(&html, e); err != nil {
		return Message{}, fmt.Errorf("email html: %w", err)
	}
	return Message{Channel: Email, To: []string{u.Email}, Subject: e.Subject, Text: text.String(), HTML: html.String()}, nil
}

func (o *Outbox) policy(code string) (*sla.Policy, bool) {
	if o.Policies == nil {
		return nil, false
	}
	return o.Policies.Get(code)
}

func langOf(l string) string {
	if l == "en" {
		return "en"
	}
	return "zh"
}

// TimerData is the data of a time-limit webhook event.
type TimerData struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Policy      string    `json:"policy"`
	PolicyZH    string    `json:"policy_zh,omitempty"`
	PolicyEN    string    `json:"policy_en,omitempty"`
	DueAt       time.Time `json:"due_at"`
	HolderID    *int64    `json:"holder_id,omitempty"`
	Notified    []int64   `json:"notified"` // the users told in kesu
}

// Fired returns the webhook jobs of timers that took effect (sla.reminder,
// sla.breach, sla.escalation), with the users each one notified.
func (o *Outbox) Fired(fs []sla.Fired, ns []sla.Notice) []*jobs.Job {
	if len(o.Webhooks) == 0 {
		return nil
	}
	var out []*jobs.Job
	for _, f := range fs {
		typ, ok := timerEvents[f.Timer.Kind]
		if !ok {
			continue
		}
		d := TimerData{ComplaintID: f.Clock.ComplaintID, Number: f.Number, Policy: f.Clock.Policy, DueAt: f.Clock.DueAt.UTC(),
			HolderID: f.HolderID, Notified: []int64{}}
		if p, ok := o.policy(f.Clock.Policy); ok {
			d.PolicyZH, d.PolicyEN = p.ZH, p.EN
		}
		for _, n := range ns {
			if n.Kind == f.Timer.Kind && n.ComplaintID != nil && *n.ComplaintID == f.Clock.ComplaintID && n.Data["policy"] == f.Clock.Policy {
				d.Notified = append(d.Notified, n.UserID)
			}
		}
		// A clock is numbered within its complaint: the id names both.
		id := typ + ":" + strconv.FormatInt(f.Clock.ComplaintID, 10) + ":" + strconv.FormatInt(f.Clock.ID, 10) + ":" +
			strconv.FormatInt(f.Timer.Due.UnixMicro(), 10)
		out = append(out, o.Event(typ, id, d)...)
	}
	return out
}

// Event returns one webhook job per configured URL for an event; id must
// name the event uniquely (it is the job key and the delivery id).
func (o *Outbox) Event(typ, id string, data any) []*jobs.Job {
	if len(o.Webhooks) == 0 {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err) // kesu's own plain event types
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	ev := &Event{ID: id, Type: typ, At: now().UTC(), Data: raw}
	out := make([]*jobs.Job, 0, len(o.Webhooks))
	for _, u := range o.Webhooks {
		m := Message{Channel: Webhook, To: []string{u}, Event: ev}
		out = append(out, &jobs.Job{Kind: JobWebhook, Key: "webhook:" + id + ":" + u, Payload: jobs.Payload(m)})
	}
	return out
}
