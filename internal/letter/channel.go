package letter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"kesu/internal/complaint"
	"kesu/internal/notify"
)

// Ways a message reaches the complainant (INT-4, WF-6).
const (
	ByEmail = "email"
	BySMS   = "sms"
)

// Channel is how a message reaches complainant c: by email when they gave
// an address and mail is configured, by SMS when they gave only a phone
// number (or mail is not configured) and texts are, "" when neither.
func Channel(c *complaint.Complaint, email, sms bool) string {
	switch {
	case c.Complainant.Email != "" && email:
		return ByEmail
	case c.Complainant.Phone != "" && sms:
		return BySMS
	}
	return ""
}

// maxSMSBody bounds the reply text carried by a text message; the rest is
// on the tracking page the text links to.
const maxSMSBody = 300

func smsBody(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) > maxSMSBody {
		body = string([]rune(body)[:maxSMSBody-1]) + "…"
	}
	return body
}

// ReplySMS is a reply to the complainant as a text message: the reply
// kind, the text (shortened) and the tracking link.
func ReplySMS(c *complaint.Complaint, kind, body, company, baseURL string) notify.Message {
	k, ok := replyKinds[kind]
	if !ok {
		k = [2]string{"答复", "Reply"}
	}
	text := fmt.Sprintf("【%s】您的投诉 %s %s：%s 详情：%s", company, c.Number, k[0], smsBody(body), TrackURL(baseURL, c.Number, c.TrackingCode))
	return notify.Message{Channel: notify.SMS, To: []string{c.Complainant.Phone}, Text: text}
}

// AckSMS is the acknowledgement of a new complaint as a text message, for
// a complainant who gave no email address: number, tracking code and the
// completion promised.
func AckSMS(c *complaint.Complaint, company, baseURL string) notify.Message {
	text := fmt.Sprintf("【%s】您的投诉已受理，编号 %s，查询码 %s，预计 %s 前办结。查询进度：%s", company, c.Number, c.TrackingCode,
		c.ExpectedBy.Format("2006-01-02"), TrackURL(baseURL, c.Number, c.TrackingCode))
	return notify.Message{Channel: notify.SMS, To: []string{c.Complainant.Phone}, Text: text}
}

// Survey is the satisfaction survey link (WF-7) by email.
func Survey(c *complaint.Complaint, url, company, lang string) notify.Message {
	var subject, text string
	if lang == "en" {
		subject = fmt.Sprintf("How did we handle your complaint %s?", c.Number)
		text = fmt.Sprintf("Dear %s,\n\nPlease rate how we handled your complaint %s (one answer, a minute):\n%s\n\n%s\n",
			nameOr(c.Complainant.Name, "customer"), c.Number, url, company)
	} else {
		subject = fmt.Sprintf("请评价投诉 %s 的处理", c.Number)
		text = fmt.Sprintf("尊敬的%s：\n\n请您对投诉 %s 的处理进行评价（只需一分钟）：\n%s\n\n%s\n",
			nameOr(c.Complainant.Name, "客户"), c.Number, url, company)
	}
	return notify.Message{To: []string{c.Complainant.Email}, Subject: subject, Text: text,
		Headers: map[string]string{"X-Kesu-Complaint": c.Number}}
}

// SurveySMS is the survey link as a text message.
func SurveySMS(c *complaint.Complaint, url, company string) notify.Message {
	text := fmt.Sprintf("【%s】请评价您的投诉 %s 的处理：%s", company, c.Number, url)
	return notify.Message{Channel: notify.SMS, To: []string{c.Complainant.Phone}, Text: text}
}

// Thread sets the headers that keep an email in the complainant's thread:
// kesu's Message-ID id, and In-Reply-To / References to their mails
// (refs, oldest first; the last ten are kept).
func Thread(m *notify.Message, id string, refs []string) {
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	if id != "" {
		m.Headers["Message-ID"] = "<" + id + ">"
	}
	if len(refs) > 10 {
		refs = refs[len(refs)-10:]
	}
	if len(refs) > 0 {
		m.Headers["In-Reply-To"] = "<" + refs[len(refs)-1] + ">"
		m.Headers["References"] = "<" + strings.Join(refs, "> <") + ">"
	}
}
