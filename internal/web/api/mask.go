package api

import (
	"strings"
	"unicode/utf8"
)

// Masking hides personal data from roles without auth.PersonalData
// (SPEC SEC-2) while leaving enough to recognise a record.

// maskPhone keeps the first three and last four digits: 138****8000.
func maskPhone(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) < 8 {
		return "****"
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// maskEmail keeps the first letter and the domain: z***@example.com.
func maskEmail(s string) string {
	if s == "" {
		return ""
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "***@" + domain
}

// maskAddress keeps the first six characters (province and city).
func maskAddress(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) <= 6 {
		return "****"
	}
	return string(r[:6]) + "****"
}
