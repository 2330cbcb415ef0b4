package apperr

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Required records "required" when s is blank.
func (v *Validation) Required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "required", "")
		return false
	}
	return true
}

// MaxLen records "too_long" when s has more than n characters (runes).
func (v *Validation) MaxLen(field, s string, n int) bool {
	if utf8.RuneCountInString(s) > n {
		v.Add(field, "too_long", strconv.Itoa(n))
		return false
	}
	return true
}

// Text checks a free-text field: valid UTF-8, no control characters other
// than line breaks and tabs, no HTML markup, at most n characters.
func (v *Validation) Text(field, s string, n int) bool {
	if !utf8.ValidString(s) {
		v.Add(field, "invalid_encoding", "")
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			v.Add(field, "control_chars", "")
			return false
		}
	}
	if markup.MatchString(s) {
		v.Add(field, "markup_not_allowed", "")
		return false
	}
	return v.MaxLen(field, s, n)
}

// markup matches HTML tags and comments; free text in a complaint is plain
// text, so a tag is either a paste accident or an attack and is refused.
var markup = regexp.MustCompile(`(?i)<\s*/?\s*[a-z!][^>]*>|<\s*(script|iframe|svg|img|object|embed|style)\b|javascript:`)

// Email records "invalid_email" for a non-empty malformed address.
func (v *Validation) Email(field, s string) bool {
	if s == "" {
		return true
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		v.Add(field, "invalid_email", "")
		return false
	}
	return true
}

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{4,30}(\s*(转|ext\.?|x)\s*[0-9]{1,6})?$`)

// Phone records "invalid_phone" for a non-empty value that is not a phone
// number (digits with optional +, spaces, dashes, brackets and an extension).
func (v *Validation) Phone(field, s string) bool {
	if s == "" {
		return true
	}
	if !phoneRe.MatchString(s) {
		v.Add(field, "invalid_phone", "")
		return false
	}
	return true
}

// OneOf records "invalid_value" when s is not one of allowed. Empty s passes;
// combine with Required for mandatory enums.
func (v *Validation) OneOf(field, s string, allowed []string) bool {
	if s == "" {
		return true
	}
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	v.Add(field, "invalid_value", strings.Join(allowed, ","))
	return false
}

// NonNegative records "negative" for n < 0.
func (v *Validation) NonNegative(field string, n int64) bool {
	if n < 0 {
		v.Add(field, "negative", "0")
		return false
	}
	return true
}

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-/]*$`)

// Code checks an identifier-like value (product code, batch number, order
// number): letters, digits and . _ - / only, at most n characters.
func (v *Validation) Code(field, s string, n int) bool {
	if s == "" {
		return true
	}
	if !codeRe.MatchString(s) {
		v.Add(field, "invalid_code", "")
		return false
	}
	return v.MaxLen(field, s, n)
}
