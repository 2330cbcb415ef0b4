package ui

import (
	"regexp"

	"kesu/internal/casework"
	"kesu/internal/enum"
	"kesu/internal/sla"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// A notice is stored as its recipient's Chinese text (the email and SMS
// that go with it use the same words). noticePatterns read that text back
// into a catalogue message with its parts, so the inbox shows it in the
// reader's language; a text no pattern knows is shown as stored.
type noticePattern struct {
	re  *regexp.Regexp
	key string
	// zh lists the groups that are Chinese names to be shown in the
	// reader's language (1-based group numbers).
	zh []int
}

var noticePatterns = []noticePattern{
	{regexp.MustCompile(`^【分派】(\S+) 由您处理$`), "desk.notice.assigned", nil},
	{regexp.MustCompile(`^投诉 (\S+) 已分派给您处理。$`), "desk.notice.assigned_body", nil},
	{regexp.MustCompile(`^【分派】(\S+) 由您代理$`), "desk.notice.backup", nil},
	{regexp.MustCompile(`^您是投诉 (\S+) 的代理人（备岗）。$`), "desk.notice.backup_body", nil},
	{regexp.MustCompile(`^【待审批】(\S+) (.+)$`), "desk.notice.to_sign", nil},
	{regexp.MustCompile(`^投诉 (\S+) 的处理方案（(\S*) (.+)）等待您以(.+)身份审批。$`), "desk.notice.to_sign_body", []int{2, 4}},
	{regexp.MustCompile(`^【已核准】(\S+)$`), "desk.notice.approved", nil},
	{regexp.MustCompile(`^投诉 (\S+) 的处理方案已全部核准，可以答复客户。$`), "desk.notice.approved_body", nil},
	{regexp.MustCompile(`^【已驳回】(\S+)$`), "desk.notice.rejected", nil},
	{regexp.MustCompile(`^投诉 (\S+) 的处理方案被驳回，请重拟方案。$`), "desk.notice.rejected_body", nil},
	{regexp.MustCompile(`^【即将到期】(\S+) (.+)$`), "desk.notice.remind", []int{2}},
	{regexp.MustCompile(`^(\S+) 的“(.+)”将于 (.+) 到期。$`), "desk.notice.remind_body", []int{2}},
	{regexp.MustCompile(`^【已逾期】(\S+) (.+)$`), "desk.notice.breach", []int{2}},
	{regexp.MustCompile(`^(\S+) 的“(.+)”已于 (.+) 到期未完成。$`), "desk.notice.breach_body", []int{2}},
	{regexp.MustCompile(`^【逾期升级】(\S+) (.+)$`), "desk.notice.escalate", []int{2}},
	{regexp.MustCompile(`^(\S+) 的“(.+)”于 (.+) 逾期，至今未完成，升级至总经理。$`), "desk.notice.escalate_body", []int{2}},
	{regexp.MustCompile(`^【未了事宜】(\S+)$`), "desk.notice.pending", nil},
	{regexp.MustCompile(`^(\S+) 等待客户回复，已到提醒日期，请跟进。$`), "desk.notice.pending_body", nil},
	{regexp.MustCompile(`^【定期提醒】(.+)$`), "desk.notice.schedule", []int{1}},
	{regexp.MustCompile(`^批次异常：(\S+) ?(.*)$`), "desk.notice.incident", nil},
	{regexp.MustCompile(`^批次 (\S+) 已有 (\d+) 宗质量投诉，请评估是否隔离该批次或启动召回。$`), "desk.notice.incident_body", nil},
	// A lifecycle step the definition tells roles about: 【step】number.
	{regexp.MustCompile(`^【(.+)】(\S+)$`), "desk.notice.step", []int{1}},
	{regexp.MustCompile(`^投诉 (\S+)：(.+)。$`), "desk.notice.step_body", []int{2}},
	// A schedule's body: name（period）.
	{regexp.MustCompile(`^(.+)（(.+)）$`), "desk.notice.schedule_body", []int{1}},
}

// noticeNames maps the Chinese names a notice can carry — workflow steps,
// roles, resolutions, time limits, schedules — to their English ones.
func (h *handler) noticeNames() map[string]string {
	out := map[string]string{}
	addSet := func(s enum.Set) {
		for _, c := range s {
			out[c.ZH] = c.EN
		}
	}
	addSet(workflow.Roles)
	addSet(casework.Resolutions)
	if h.d.Cases != nil {
		for _, d := range h.d.Cases.Definitions.All() {
			for _, a := range d.Actions {
				out[a.ZH] = a.EN
			}
		}
	}
	if ps, err := sla.DefaultPolicies(); err == nil {
		for _, p := range ps.List() {
			out[p.ZH] = p.EN
		}
	}
	for _, s := range sla.DefaultSchedules {
		out[s.ZH] = s.EN
	}
	return out
}

// noticeText is a stored notice text in lang.
func noticeText(s, lang string, names map[string]string) string {
	if lang == "zh" || s == "" {
		return s
	}
	for _, p := range noticePatterns {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		args := m[1:]
		for _, g := range p.zh {
			if en, ok := names[args[g-1]]; ok {
				args[g-1] = en
			} else if casework.Resolutions.Has(args[g-1]) {
				args[g-1] = casework.Resolutions.Label(args[g-1], lang) // a resolution code
			}
		}
		return web.T(lang, p.key, args...)
	}
	return s
}

// noticeKeys are the catalogue keys of the patterns, for the test that
// every one fills in English.
func noticeKeys() []string {
	var out []string
	for _, p := range noticePatterns {
		out = append(out, p.key)
	}
	return out
}
