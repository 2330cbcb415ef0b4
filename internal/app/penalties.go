package app

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/export"
	"kesu/internal/jobs"
	"kesu/internal/money"
	"kesu/internal/notify"
	"kesu/internal/sla"
)

// HRDepartment is the department whose manager receives the monthly
// reward/penalty list besides finance and the GM (行政人事部).
const HRDepartment = "admin"

// penaltyList sends the monthly reward/penalty list (FIN-2, 002 第6篇: on
// the 4th, to the GM and finance; HR too) of the month before the run: an
// email with the totals per party and the list as .xlsx, one job per
// recipient keyed by the run, so a retried run or a second server sends
// each once. Without SMTP the list stays an in-app notice and the page.
func (a *App) penaltyList(reports *money.Reports, outbox *notify.Outbox) func(ctx context.Context, r sla.Run, users []int64, key string) error {
	return func(ctx context.Context, r sla.Run, users []int64, key string) error {
		if !outbox.Email {
			return nil
		}
		hr, err := a.DB.Cases().DepartmentByCode(ctx, HRDepartment)
		if err == nil {
			if d, err := a.DB.Registers().GetDepartment(ctx, hr); err == nil {
				for _, id := range []*int64{d.ManagerID, d.DeputyID} {
					if id != nil && !slices.Contains(users, *id) {
						users = append(users, *id)
					}
				}
			}
		}
		name, _, _, err := money.MonthBounds("", reports.Loc, r.At)
		if err != nil {
			return err
		}
		m, err := reports.Month(ctx, name)
		if err != nil {
			return fmt.Errorf("penalty list: %w", err)
		}
		var js []*jobs.Job
		for _, id := range users {
			u, err := a.DB.Registers().GetUser(ctx, id)
			if err != nil {
				return err
			}
			if u.Disabled || u.Email == "" {
				continue
			}
			lang := "zh"
			if u.Lang == "en" {
				lang = "en"
			}
			var buf bytes.Buffer
			if err := export.WriteXLSX(&buf, money.PenaltySheets(m, lang, reports.Loc)...); err != nil {
				return fmt.Errorf("penalty workbook: %w", err)
			}
			msg := penaltyEmail(m, u.Name, lang, a.Config.Company, a.Config.BaseURL)
			msg.To = []string{u.Email}
			msg.Attachments = []notify.Attachment{{Name: "penalties-" + m.Month + ".xlsx",
				ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: buf.Bytes()}}
			js = append(js, &jobs.Job{Kind: notify.JobEmail, Key: "email:" + key + ":" + strconv.FormatInt(id, 10), Payload: jobs.Payload(msg)})
		}
		return a.DB.Jobs().Enqueue(ctx, js...)
	}
}

// penaltyEmail is the monthly list's email in lang: the totals per party
// and the sums, in text and HTML.
func penaltyEmail(m *money.Monthly, name, lang, company, baseURL string) notify.Message {
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	subject := fmt.Sprintf("【%s】月度奖罚清单 %s", company, m.Month)
	if lang == "en" {
		subject = fmt.Sprintf("[%s] Monthly reward/penalty list %s", company, m.Month)
	}
	link := baseURL + "/reports/penalties?month=" + m.Month
	var text, h strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\n", fmt.Sprintf(l("%s，您好：", "Dear %s,"), name),
		fmt.Sprintf(l("%s 经总经理批准的奖罚通知单 %d 份，汇总如下（明细见附件）。", "%[2]d reward/penalty notices approved in %[1]s; totals below, the lines attached."), m.Month, m.Cases))
	fmt.Fprintf(&h, "<p>%s</p><p>%s</p><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
		html.EscapeString(fmt.Sprintf(l("%s，您好：", "Dear %s,"), name)),
		html.EscapeString(fmt.Sprintf(l("%s 经总经理批准的奖罚通知单 %d 份，汇总如下（明细见附件）。", "%[2]d reward/penalty notices approved in %[1]s; totals below, the lines attached."), m.Month, m.Cases)),
		l("对象", "Party"), l("罚款", "Penalties"), l("奖励", "Rewards"), l("净额", "Net"))
	for _, t := range m.Totals {
		fmt.Fprintf(&text, "%s  %s %s  %s %s  %s %s %s\n", t.Party, l("罚", "penalties"), money.Format(t.Penalties), l("奖", "rewards"),
			money.Format(t.Rewards), l("净额", "net"), money.Format(t.Net), t.Currency)
		fmt.Fprintf(&h, "<tr><td>%s</td><td align=\"right\">%s</td><td align=\"right\">%s</td><td align=\"right\">%s %s</td></tr>",
			html.EscapeString(t.Party), money.Format(t.Penalties), money.Format(t.Rewards), money.Format(t.Net), t.Currency)
	}
	for _, s := range m.Sums {
		fmt.Fprintf(&text, "%s  %s %s  %s %s %s\n", l("合计", "Total"), l("罚", "penalties"), money.Format(s.Penalties), l("奖", "rewards"),
			money.Format(s.Rewards), s.Currency)
		fmt.Fprintf(&h, "<tr><th>%s</th><th align=\"right\">%s</th><th align=\"right\">%s</th><th align=\"right\">%s %s</th></tr>",
			l("合计", "Total"), money.Format(s.Penalties), money.Format(s.Rewards), money.Format(s.Rewards-s.Penalties), s.Currency)
	}
	fmt.Fprintf(&text, "\n%s\n", link)
	fmt.Fprintf(&h, "</table><p><a href=\"%s\">%s</a></p>", html.EscapeString(link), l("查看清单", "Open the list"))
	return notify.Message{Subject: subject, Text: text.String(), HTML: h.String()}
}
