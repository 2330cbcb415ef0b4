package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/web"
)

// TestMessageCallsFill reads every template and Go file of the pages for
// messages asked by a literal key — {{t .L "key" …}} and web.T(lang,
// "key", …) — and fails when the key is missing from a catalogue (the
// page would show the key) or the call passes fewer arguments than the
// message has placeholders (the page would show "{1}").
func TestMessageCallsFill(t *testing.T) {
	tmplCall := regexp.MustCompile(`\bt \$?[.\w$]* "([^"]+)"`)
	goCall := regexp.MustCompile(`web\.T\([\w.]+, "([^"]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	files = append(files, gofiles...)
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		re, tmpl := goCall, false
		if strings.HasSuffix(name, ".html") {
			re, tmpl = tmplCall, true
		}
		for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
			key := src[m[2]:m[3]]
			rest := src[m[1]:]
			if strings.HasPrefix(rest, "+") {
				continue // a key made at run time
			}
			var args []string
			if tmpl {
				args = templateArgs(rest)
			} else {
				args = goArgs(rest)
			}
			checked++
			for _, lang := range []string{"zh", "en"} {
				msg, ok := web.Message(lang, key)
				if !ok {
					t.Errorf("%s: %q is not in the %s catalogue", name, key, lang)
					continue
				}
				need, named := 0, false
				for _, p := range web.Placeholders(msg) {
					if n, err := strconv.Atoi(p); err == nil {
						need = max(need, n+1)
					} else {
						named = true
					}
				}
				pos := 0
				dict := false
				for _, a := range args {
					if strings.HasPrefix(a, "(dict") {
						dict = true
					} else {
						pos++
					}
				}
				if pos < need || (named && !dict) {
					t.Errorf("%s: %q in %s has placeholders %v; the call passes %v", name, key, lang, web.Placeholders(msg), args)
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d message calls found: the scan is broken", checked)
	}
}

// templateArgs splits what follows a template call's key into its
// arguments, up to the end of the action or the closing parenthesis.
func templateArgs(s string) []string {
	var out []string
	depth, start := 0, -1
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quoted {
			if c == '"' {
				quoted = false
			}
			continue
		}
		switch {
		case c == '"':
			quoted = true
			if depth == 0 && start < 0 {
				start = i
			}
		case c == '(':
			if depth == 0 && start < 0 {
				start = i
			}
			depth++
		case c == ')' && depth == 0, c == '}' && depth == 0, c == '|' && depth == 0:
			if start >= 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
			}
			return out
		case c == ')':
			depth--
		case (c == ' ' || c == '\n') && depth == 0:
			if start >= 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = -1
			}
		default:
			if depth == 0 && start < 0 {
				start = i
			}
		}
	}
	return out
}

// goArgs splits what follows a web.T call's key into its arguments.
func goArgs(s string) []string {
	var out []string
	depth, start := 0, -1
	quoted := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quoted != 0 {
			if c == '\\' {
				i++
			} else if c == quoted {
				quoted = 0
			}
			continue
		}
		switch c {
		case '"', '`', '\'':
			quoted = c
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth == 0 {
				if start >= 0 && strings.TrimSpace(s[start:i]) != "" {
					out = append(out, strings.TrimSpace(s[start:i]))
				}
				return out
			}
			depth--
		case ',':
			if depth == 0 {
				if start >= 0 {
					out = append(out, strings.TrimSpace(s[start:i]))
				}
				start = i + 1
				continue
			}
		}
	}
	return out
}

// TestEveryRuleHasWords reads the rules of field errors the code can
// report — v.Add("field", "rule", …), Rule: "rule" and Rule… = "rule"
// constants — and fails when one has no message, since the page would
// show the rule's code.
func TestEveryRuleHasWords(t *testing.T) {
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`\.Add\("[^"]*", "([a-z_]+)"`),
		regexp.MustCompile(`Rule: "([a-z_]+)"`),
		regexp.MustCompile(`\bRule[A-Z]\w* += "([a-z_]+)"`),
	}
	var files []string
	filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	seen := map[string]string{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen[m[1]] = name
			}
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d rules found: the scan is broken", len(seen))
	}
	for rule, file := range seen {
		for _, lang := range []string{"zh", "en"} {
			if _, ok := web.Message(lang, "rule."+rule); !ok {
				t.Errorf("rule %q (%s) has no %s message", rule, file, lang)
			}
		}
	}
}

// TestNoticesInEnglish: every kind of stored notice text reads in English
// for an English reader, and stays as stored for a Chinese one.
func TestNoticesInEnglish(t *testing.T) {
	names := (&handler{d: &web.Deps{}}).noticeNames()
	cjk := regexp.MustCompile(`\p{Han}|[，。：；（）！？、【】“”]`)
	for _, s := range []string{
		"【分派】KS-1 由您处理", "投诉 KS-1 已分派给您处理。", "【分派】KS-1 由您代理", "您是投诉 KS-1 的代理人（备岗）。",
		"【待审批】KS-1 1500.00 CNY", "投诉 KS-1 的处理方案（replace 1500.00 CNY）等待您以部门经理身份审批。",
		"【已核准】KS-1", "投诉 KS-1 的处理方案已全部核准，可以答复客户。", "【已驳回】KS-1", "投诉 KS-1 的处理方案被驳回，请重拟方案。",
		"【即将到期】KS-1 结案（国内）", "KS-1 的“结案（国内）”将于 2026-12-03 10:00 到期。",
		"【已逾期】KS-1 结案（国内）", "KS-1 的“结案（国内）”已于 2026-12-03 10:00 到期未完成。",
		"【逾期升级】KS-1 结案（国内）", "KS-1 的“结案（国内）”于 2026-12-03 10:00 逾期，至今未完成，升级至总经理。",
		"【未了事宜】KS-1", "KS-1 等待客户回复，已到提醒日期，请跟进。",
		"【定期提醒】周报（每周二）", "周报（每周二）（2026-W49）",
		"批次异常：L-1 RO净水器", "批次 L-1 已有 3 宗质量投诉，请评估是否隔离该批次或启动召回。",
	} {
		en := noticeText(s, "en", names)
		if en == s || (cjk.MatchString(en) && !strings.Contains(en, "RO净水器")) {
			t.Errorf("%q reads %q in English", s, en)
		}
		if zh := noticeText(s, "zh", names); zh != s {
			t.Errorf("%q changed for a Chinese reader: %q", s, zh)
		}
	}
	for _, key := range noticeKeys() {
		if !web.Has("en", key) || !web.Has("zh", key) {
			t.Errorf("notice message %s is missing", key)
		}
	}
}
