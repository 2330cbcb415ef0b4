package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"kesu/internal/org"
	"kesu/internal/report"
)

var (
	summaryText = texttemplate.Must(texttemplate.New("summary.txt").Funcs(texttemplate.FuncMap{"inc": func(i int) int { return i + 1 }}).
			ParseFS(templateFS, "templates/summary.txt"))
	summaryHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/summary.html"))
)

// summaryWords are the fixed words of a summary email by language.
type summaryWords struct {
	Weekly, Monthly, Greeting                                     string
	Total, Open, Overdue, Closed, OnTimeAll, Satisfaction, Repeat string
	Categories, Category, Count, Share, Limits, Limit, OnTime     string
	Missed, Proposals, NoProposals, Open2, Attached               string
}

var words = map[string]summaryWords{
	"zh": {Weekly: "客诉周报", Monthly: "客诉月报", Greeting: "%s，您好：以下是 %s（%s 至 %s）的客诉情况。",
		Total: "接收投诉", Open: "未结", Overdue: "逾期未结", Closed: "已结案", OnTimeAll: "时限总按时率", Satisfaction: "平均满意度（5分制）",
		Repeat: "重复投诉率", Categories: "投诉类别（前五）", Category: "类别", Count: "件数", Share: "占比", Limits: "各时限按时率",
		Limit: "时限", OnTime: "按时率", Missed: "逾期件数", Proposals: "本期改善提案（已验证有效、需纳入标准的纠正预防措施）",
		NoProposals: "本期无改善提案。", Open2: "在 kesu 中查看统计表", Attached: "附件为本期《客诉案件统计表》Excel 工作簿。"},
	"en": {Weekly: "Weekly complaint summary", Monthly: "Monthly complaint summary", Greeting: "Dear %s, here are the complaints of %s (%s to %s).",
		Total: "Received", Open: "Open", Overdue: "Open and overdue", Closed: "Closed", OnTimeAll: "On time, all limits", Satisfaction: "Mean satisfaction (of 5)",
		Repeat: "Repeat rate", Categories: "Top five categories", Category: "Category", Count: "Count", Share: "Share", Limits: "On-time rate per time limit",
		Limit: "Time limit", OnTime: "On time", Missed: "Missed", Proposals: "Improvement proposals (effective CAPA to write into the standard)",
		NoProposals: "No improvement proposals this period.", Open2: "Open the statistics in kesu", Attached: "The statistics workbook of the period is attached."},
}

// line is one labelled figure of the summary email.
type line struct{ Label, Value, Share, L2 string }

// SummaryEmail is the weekly or monthly summary to u, in u's language,
// with the statistics workbook attached (xlsx holds its bytes).
func SummaryEmail(s *report.Summary, u org.User, company, baseURL string, loc *time.Location, xlsx []byte) (Message, error) {
	lang := langOf(u.Lang)
	w := words[lang]
	st := s.Stats
	title := w.Monthly
	if s.Kind == "weekly" {
		title = w.Weekly
	}
	subject := fmt.Sprintf("【%s】%s %s", company, title, s.Period)
	if lang == "en" {
		subject = fmt.Sprintf("[%s] %s %s", company, title, s.Period)
	}
	pct := func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }
	met, missed := 0, 0
	for _, l := range st.Limits {
		met += l.Met
		missed += l.Breached
	}
	onTime := "—"
	if met+missed > 0 {
		onTime = pct(float64(met) / float64(met+missed))
	}
	sat := "—"
	if st.Satisfaction.Answered > 0 {
		sat = strconv.FormatFloat(st.Satisfaction.Mean, 'f', 2, 64)
	}
	label := func(zh, en string) string {
		if lang == "en" && en != "" {
			return en
		}
		return zh
	}
	v := struct {
		HTMLLang, Subject, Greeting, Link      string
		Figures, Categories, Limits, Proposals []line
		L                                      struct{ Categories, Category, Count, Share, Limits, Limit, OnTime, Missed, Proposals, NoProposals, Open, Attached string }
	}{HTMLLang: map[string]string{"zh": "zh-CN", "en": "en"}[lang], Subject: subject}
	v.L.Categories, v.L.Category, v.L.Count, v.L.Share = w.Categories, w.Category, w.Count, w.Share
	v.L.Limits, v.L.Limit, v.L.OnTime, v.L.Missed = w.Limits, w.Limit, w.OnTime, w.Missed
	v.L.Proposals, v.L.NoProposals, v.L.Open, v.L.Attached = w.Proposals, w.NoProposals, w.Open2, w.Attached
	v.Greeting = fmt.Sprintf(w.Greeting, u.Name, s.Period, st.From.In(loc).Format("2006-01-02"), st.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02"))
	v.Figures = []line{
		{Label: w.Total, Value: strconv.Itoa(st.Total)},
		{Label: w.Open, Value: strconv.Itoa(st.Open)},
		{Label: w.Overdue, Value: strconv.Itoa(st.Overdue)},
		{Label: w.Closed, Value: strconv.Itoa(st.Closed)},
		{Label: w.OnTimeAll, Value: onTime},
		{Label: w.Satisfaction, Value: sat},
		{Label: w.Repeat, Value: pct(st.RepeatRate)},
	}
	top := st.Breakdown("category_top").Rows
	if len(top) > 5 {
		top = top[:5]
	}
	for _, r := range top {
		v.Categories = append(v.Categories, line{Label: label(r.ZH, r.EN), Value: strconv.Itoa(r.Count), Share: pct(r.Share)})
	}
	for _, l := range st.Limits {
		v.Limits = append(v.Limits, line{Label: label(l.ZH, l.EN), Value: pct(l.OnTime), Share: strconv.Itoa(l.Breached), L2: w.Missed})
	}
	for _, p := range s.Proposals {
		v.Proposals = append(v.Proposals, line{Label: p.Number, Value: p.Description, Share: p.Note})
	}
	q := url.Values{"from": {st.From.In(loc).Format("2006-01-02")}, "to": {st.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02")}}
	v.Link = strings.TrimRight(baseURL, "/") + "/reports?" + q.Encode()
	var text, html bytes.Buffer
	if err := summaryText.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("summary text: %w", err)
	}
	if err := summaryHTML.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("summary html: %w", err)
	}
	m := Message{Channel: Email, To: []string{u.Email}, Subject: subject, Text: text.String(), HTML: html.String()}
	if len(xlsx) > 0 {
		m.Attachments = []Attachment{{Name: "statistics-" + s.Period + ".xlsx",
			ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx}}
	}
	return m, nil
}
