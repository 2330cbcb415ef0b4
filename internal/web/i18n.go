package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	xlang "golang.org/x/text/language"
)

//go:embed i18n/*.json
var catalogFS embed.FS

// catalogs maps language → key → message. Translators edit i18n/zh.json
// and i18n/en.json.
//
// A message names its arguments in braces: {0}, {1}, … by position, or
// {name} by name (see Args). A count that changes the words takes the
// CLDR plural form of the language:
//
//	"{0, plural, one {# case} other {# cases}}"
//
// where # is the number; the forms are zero, one, two, few, many and
// other (Chinese has only other), and "=N" matches one number exactly.
var catalogs = loadCatalogs()

// tags are the languages whose plural rules messages follow.
var tags = map[string]xlang.Tag{"zh": xlang.Chinese, "en": xlang.English}

func loadCatalogs() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		b, err := catalogFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}

// Args are the named arguments of a message, {name} in its text.
type Args map[string]string

// T returns the message for key in lang, falling back to Chinese, then to
// the key itself, with its placeholders filled: {0} by the first arg,
// {1} by the second, and so on.
func T(lang, key string, args ...string) string {
	return Format(lang, key, nil, args...)
}

// Format is T with named arguments as well as positional ones.
func Format(lang, key string, named Args, args ...string) string {
	return fill(lang, message(lang, key), named, args)
}

// Has reports whether key is in lang's catalogue.
func Has(lang, key string) bool {
	_, ok := catalogs[lang][key]
	return ok
}

func message(lang, key string) string {
	if m, ok := catalogs[lang][key]; ok {
		return m
	}
	if m, ok := catalogs["zh"][key]; ok {
		return m
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// fill replaces every placeholder of m. A placeholder without an argument
// is left as it is, so a test can find it.
func fill(lang, m string, named Args, args []string) string {
	if !strings.Contains(m, "{") {
		return m
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(m, '{')
		if i < 0 {
			b.WriteString(m)
			return b.String()
		}
		b.WriteString(m[:i])
		end := matching(m, i)
		if end < 0 {
			b.WriteString(m[i:])
			return b.String()
		}
		b.WriteString(placeholder(lang, m[i:end+1], named, args))
		m = m[end+1:]
	}
}

// matching is the index of the brace that closes the one at i, or -1.
func matching(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// placeholder fills one "{…}" of a message.
func placeholder(lang, ph string, named Args, args []string) string {
	body := ph[1 : len(ph)-1]
	name, rest, isPlural := strings.Cut(body, ",")
	name = strings.TrimSpace(name)
	val, ok := arg(name, named, args)
	if !ok {
		return ph
	}
	if !isPlural {
		return val
	}
	kind, forms, _ := strings.Cut(strings.TrimSpace(rest), ",")
	if strings.TrimSpace(kind) != "plural" {
		return ph
	}
	choices := pluralForms(forms)
	text, ok := choices["="+strings.TrimSpace(val)]
	if !ok {
		text, ok = choices[pluralForm(lang, val)]
	}
	if !ok {
		text = choices["other"]
	}
	return fill(lang, strings.ReplaceAll(text, "#", val), named, args)
}

func arg(name string, named Args, args []string) (string, bool) {
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 0 && n < len(args) {
			return args[n], true
		}
		return "", false
	}
	v, ok := named[name]
	return v, ok
}

// pluralForms reads "one {…} other {…}" into form → text.
func pluralForms(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimSpace(s)
		i := strings.IndexByte(s, '{')
		if i <= 0 {
			return out
		}
		end := matching(s, i)
		if end < 0 {
			return out
		}
		out[strings.TrimSpace(s[:i])] = s[i+1 : end]
		s = s[end+1:]
	}
}

// pluralForm is the CLDR cardinal form of the number v in lang.
func pluralForm(lang, v string) string {
	tag, ok := tags[lang]
	if !ok {
		tag = xlang.Chinese
	}
	v = strings.TrimSpace(v)
	intPart, frac, _ := strings.Cut(v, ".")
	i, err := strconv.Atoi(strings.TrimPrefix(intPart, "-"))
	if err != nil {
		return "other"
	}
	f, _ := strconv.Atoi("0" + frac)
	t, _ := strconv.Atoi("0" + strings.TrimRight(frac, "0"))
	w := len(strings.TrimRight(frac, "0"))
	form := plural.Cardinal.MatchPlural(tag, i, len(frac), w, f, t)
	if name, ok := pluralNames[form]; ok {
		return name
	}
	return "other"
}

var pluralNames = map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
	plural.Few: "few", plural.Many: "many"}

// Placeholders lists the argument names of a message: "0", "1", … and
// named ones, in order of first use.
func Placeholders(m string) []string {
	var out []string
	seen := map[string]bool{}
	for {
		i := strings.IndexByte(m, '{')
		if i < 0 {
			return out
		}
		end := matching(m, i)
		if end < 0 {
			return out
		}
		body := m[i+1 : end]
		name, rest, isPlural := strings.Cut(body, ",")
		name = strings.TrimSpace(name)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
		if isPlural {
			for _, f := range pluralForms(strings.TrimPrefix(strings.TrimSpace(rest), "plural,")) {
				for _, n := range Placeholders(f) {
					if !seen[n] {
						seen[n] = true
						out = append(out, n)
					}
				}
			}
		}
		m = m[end+1:]
	}
}

// Message returns the raw catalogue text of key in lang, for tests.
func Message(lang, key string) (string, bool) {
	m, ok := catalogs[lang][key]
	return m, ok
}

// Keys lists the catalogue keys of lang, for the test that both languages
// say the same things.
func Keys(lang string) []string {
	keys := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		keys = append(keys, k)
	}
	return keys
}

// spanParam is a length of time given as a rule's parameter: "5y", "90d",
// "12h".
var spanParam = regexp.MustCompile(`^(\d+)([ymdh])$`)

// RuleText is the message of a field rule in lang with its parameter in
// words: a span ("5y") reads "5 years" / "5 年".
func RuleText(lang, rule, param string) string {
	if m := spanParam.FindStringSubmatch(param); m != nil {
		param = T(lang, "desk.span."+m[2], m[1])
	}
	if _, ok := catalogs["zh"]["field."+param]; ok && param != "" {
		// A rule naming another field ("after", "from") names it in words.
		param = T(lang, "field."+param)
	}
	return T(lang, "rule."+rule, param)
}
