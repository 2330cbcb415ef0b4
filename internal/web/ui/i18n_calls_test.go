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
