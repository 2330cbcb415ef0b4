package complaint

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultPattern numbers complaints per day, e.g. KS-20261123-0001.
const DefaultPattern = "KS-{YYYY}{MM}{DD}-{SEQ:4}"

// Pattern is a parsed numbering pattern (SPEC INT-3). Tokens: {YYYY}, {YY},
// {MM}, {DD} and exactly one {SEQ:n}. The sequence restarts each period; the
// period is the finest date token present (day, month or year).
type Pattern struct {
	raw    string
	before string
	after  string
	width  int
	period string // Go layout of the period key
}

var tokenRe = regexp.MustCompile(`\{[A-Z]+(:[0-9]+)?\}`)

// ParsePattern checks and parses a numbering pattern.
func ParsePattern(p string) (Pattern, error) {
	seqs := 0
	hasY, hasM, hasD := false, false, false
	var bad string
	width := 0
	tokenRe.ReplaceAllStringFunc(p, func(t string) string {
		switch {
		case t == "{YYYY}" || t == "{YY}":
			hasY = true
		case t == "{MM}":
			hasM = true
		case t == "{DD}":
			hasD = true
		case strings.HasPrefix(t, "{SEQ"):
			seqs++
			n := 4
			if i := strings.IndexByte(t, ':'); i > 0 {
				n, _ = strconv.Atoi(t[i+1 : len(t)-1])
			}
			width = n
		default:
			bad = t
		}
		return t
	})
	switch {
	case strings.ContainsAny(tokenRe.ReplaceAllString(p, ""), "{}"):
		return Pattern{}, fmt.Errorf("numbering pattern %q: unbalanced braces", p)
	case bad != "":
		return Pattern{}, fmt.Errorf("numbering pattern %q: unknown token %s", p, bad)
	case seqs != 1:
		return Pattern{}, fmt.Errorf("numbering pattern %q: needs exactly one {SEQ:n}", p)
	case width < 1 || width > 9:
		return Pattern{}, fmt.Errorf("numbering pattern %q: sequence width must be 1–9", p)
	case !hasY:
		return Pattern{}, fmt.Errorf("numbering pattern %q: needs {YYYY} or {YY} so numbers stay unique across years", p)
	case hasD && !hasM:
		return Pattern{}, fmt.Errorf("numbering pattern %q: {DD} needs {MM}", p)
	}
	per := "2006"
	if hasM {
		per = "200601"
	}
	if hasD {
		per = "20060102"
	}
	i := strings.Index(p, "{SEQ")
	j := i + strings.IndexByte(p[i:], '}') + 1
	return Pattern{raw: p, before: p[:i], after: p[j:], width: width, period: per}, nil
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.raw }

// Spec returns how to number a complaint registered at t (in the
// organisation's time zone).
func (p Pattern) Spec(t time.Time) NumberSpec {
	return NumberSpec{
		Period: t.Format(p.period),
		Prefix: expandDate(p.before, t),
		Suffix: expandDate(p.after, t),
		Width:  p.width,
	}
}

func expandDate(s string, t time.Time) string {
	return strings.NewReplacer(
		"{YYYY}", t.Format("2006"),
		"{YY}", t.Format("06"),
		"{MM}", t.Format("01"),
		"{DD}", t.Format("02"),
	).Replace(s)
}

// Format renders the number for sequence value n.
func (s NumberSpec) Format(n int64) string {
	return fmt.Sprintf("%s%0*d%s", s.Prefix, s.Width, n, s.Suffix)
}

// trackingAlphabet avoids characters that are easy to misread (0/O, 1/I/L).
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewTrackingCode returns a random 8-character code the complainant uses
// with the number to follow the case.
func NewTrackingCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = trackingAlphabet[int(b[i])%len(trackingAlphabet)]
	}
	return string(b)
}

// Regexp matches a number of this pattern inside other text (a mail's
// subject), with word boundaries on both sides.
func (p Pattern) Regexp() *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?:^|[^0-9A-Za-z])(`)
	rest := p.raw
	for {
		loc := tokenRe.FindStringIndex(rest)
		if loc == nil {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
		switch t := rest[loc[0]:loc[1]]; {
		case t == "{YYYY}":
			b.WriteString(`[0-9]{4}`)
		case t == "{YY}" || t == "{MM}" || t == "{DD}":
			b.WriteString(`[0-9]{2}`)
		default:
			fmt.Fprintf(&b, `[0-9]{%d,}`, p.width)
		}
		rest = rest[loc[1]:]
	}
	b.WriteString(`)(?:$|[^0-9A-Za-z])`)
	return regexp.MustCompile(b.String())
}
