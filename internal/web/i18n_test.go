package web

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// leftover finds a placeholder that was not filled.
var leftover = regexp.MustCompile(`\{[^{}]*\}`)

// TestEveryMessageFills renders every catalogue message of both languages
// with an argument for each placeholder and fails on any placeholder left
// in the text, and on a message whose languages ask for different
// arguments.
func TestEveryMessageFills(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		for _, key := range Keys(lang) {
			m, _ := Message(lang, key)
			names := Placeholders(m)
			var pos []string
			named := Args{}
			for _, n := range names {
				if i, err := strconv.Atoi(n); err == nil {
					for len(pos) <= i {
						pos = append(pos, strconv.Itoa(len(pos)+2))
					}
					continue
				}
				named[n] = "7"
			}
			got := Format(lang, key, named, pos...)
			if s := leftover.FindString(got); s != "" {
				t.Errorf("%s %s: %q is left in %q", lang, key, s, got)
			}
			if got == key {
				t.Errorf("%s %s: shows the key", lang, key)
			}
			other := map[string]string{"zh": "en", "en": "zh"}[lang]
			if om, ok := Message(other, key); ok {
				a, b := slices.Clone(names), Placeholders(om)
				slices.Sort(a)
				slices.Sort(b)
				if !slices.Equal(a, b) {
					t.Errorf("%s: %s asks for %v, %s for %v", key, lang, a, other, b)
				}
			}
		}
	}
}

func TestFormat(t *testing.T) {
	catalogs["en"]["test.two"] = "from {1} on, {0} checked"
	catalogs["en"]["test.named"] = "{n, plural, one {# case} other {# cases}} of {who}"
	catalogs["zh"]["test.named"] = "{who}的 {n, plural, other {# 件}}"
	catalogs["en"]["test.exact"] = "{0, plural, =0 {none} one {one item} other {# items}}"
	defer func() {
		delete(catalogs["en"], "test.two")
		delete(catalogs["en"], "test.named")
		delete(catalogs["zh"], "test.named")
		delete(catalogs["en"], "test.exact")
	}()
	for _, c := range []struct {
		lang, key string
		named     Args
		args      []string
		want      string
	}{
		{"en", "test.two", nil, []string{"12", "300"}, "from 300 on, 12 checked"},
		{"en", "test.two", nil, []string{"12"}, "from {1} on, 12 checked"},
		{"en", "test.named", Args{"n": "1", "who": "Zhao"}, nil, "1 case of Zhao"},
		{"en", "test.named", Args{"n": "3", "who": "Zhao"}, nil, "3 cases of Zhao"},
		{"en", "test.named", Args{"n": "1.5", "who": "Zhao"}, nil, "1.5 cases of Zhao"},
		{"zh", "test.named", Args{"n": "1", "who": "赵"}, nil, "赵的 1 件"},
		{"en", "test.exact", nil, []string{"0"}, "none"},
		{"en", "test.exact", nil, []string{"1"}, "one item"},
		{"en", "test.exact", nil, []string{"2"}, "2 items"},
		{"en", "ui.schedules.monthly", nil, []string{"10", "6"}, "Day 10 of each month, 6:00"},
	} {
		if got := Format(c.lang, c.key, c.named, c.args...); got != c.want {
			t.Errorf("%s %s %v %v: %q, want %q", c.lang, c.key, c.named, c.args, got, c.want)
		}
	}
}

// A rule that names another field names it in the reader's words.
func TestRuleNamesOtherFieldInWords(t *testing.T) {
	if got := RuleText("zh", "after", "opens"); got != "须晚于营业开始" {
		t.Errorf("zh: %q", got)
	}
	if got := RuleText("en", "after", "from"); strings.Contains(got, "from") || !strings.Contains(got, T("en", "field.from")) {
		t.Errorf("en: %q", got)
	}
}
