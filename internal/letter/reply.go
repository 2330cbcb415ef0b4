package letter

import (
	"fmt"
	"strings"

	"kesu/internal/complaint"
	"kesu/internal/notify"
)

// replyKinds name a reply in the subject line (WF-6).
var replyKinds = map[string][2]string{
	"first":       {"初步答复", "First reply"},
	"second":      {"二次答复", "Second reply"},
	"final":       {"最终答复", "Final reply"},
	"resolution":  {"处理方案答复", "Proposed resolution"},
	"explanation": {"调查结果说明", "Findings"},
}

// Reply renders an email that carries a reply to the complainant: the
// text staff wrote, the complaint number and the tracking link. Internal
// forms and notes never go into it (003 第九条(十)).
func Reply(c *complaint.Complaint, kind, body, company, baseURL, lang string) notify.Message {
	k, ok := replyKinds[kind]
	if !ok {
		k = [2]string{"答复", "Reply"}
	}
	track := TrackURL(baseURL, c.Number, c.TrackingCode)
	var subject, text string
	if lang == "en" {
		subject = fmt.Sprintf("%s to your complaint %s", k[1], c.Number)
		text = fmt.Sprintf("Dear %s,\n\n%s\n\nComplaint number: %s\nFollow your complaint: %s (tracking code %s)\n\n%s\n",
			nameOr(c.Complainant.Name, "customer"), body, c.Number, track, c.TrackingCode, company)
	} else {
		subject = fmt.Sprintf("关于您的投诉 %s 的%s", c.Number, k[0])
		text = fmt.Sprintf("尊敬的%s：\n\n%s\n\n投诉编号：%s\n查询进度：%s（查询码 %s）\n\n%s\n",
			nameOr(c.Complainant.Name, "客户"), body, c.Number, track, c.TrackingCode, company)
	}
	return notify.Message{To: []string{c.Complainant.Email}, Subject: subject, Text: text,
		Headers: map[string]string{"X-Kesu-Complaint": c.Number}}
}

func nameOr(name, fallback string) string {
	if strings.TrimSpace(name) == "" {
		return fallback
	}
	return name
}

// SurveyURL is the public address of a satisfaction survey link.
func SurveyURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/survey?t=" + token
}
