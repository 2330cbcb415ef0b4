// Package textsearch turns text into the tokens kesu's substring index
// stores, so that Chinese text, which has no spaces between words, can be
// searched by any substring of two or more characters without a table scan.
//
// Text is normalised (full-width to half-width, lower case) and split into
// runs of letters and digits. Each run yields its overlapping bigrams and a
// closing token of its last character, all at consecutive positions:
//
//	"净水器漏水" → 净水 水器 器漏 漏水 水
//
// A query yields the same tokens except that its last run keeps no closing
// token and is matched as a prefix; the engines then look for the query's
// tokens as a phrase (consecutive positions). A phrase of bigrams matches
// exactly the documents that contain the query as a substring of one run,
// so "水器漏" finds "净水器漏水" and "漏水" finds every leak.
package textsearch

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Normalize folds width and case so that "ＫＳ" and "ks" are the same.
func Normalize(s string) string {
	return strings.ToLower(width.Fold.String(s))
}

func runs(s string) []string {
	return strings.FieldsFunc(Normalize(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// Tokens returns the index tokens of a document, in position order.
func Tokens(doc string) []string {
	var out []string
	for _, run := range runs(doc) {
		out = appendRun(out, []rune(run), true)
	}
	return out
}

func appendRun(out []string, r []rune, closing bool) []string {
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	if closing || len(r) == 1 {
		out = append(out, string(r[len(r)-1:]))
	}
	return out
}

// Query is a parsed search query.
type Query struct {
	Tokens []string // to match as a phrase
	Prefix bool     // the last token matches as a prefix
}

// ParseQuery returns the phrase to look for; ok is false when q has no
// letters or digits.
func ParseQuery(q string) (Query, bool) {
	rs := runs(q)
	if len(rs) == 0 {
		return Query{}, false
	}
	var out []string
	for i, run := range rs {
		out = appendRun(out, []rune(run), i < len(rs)-1)
	}
	last := []rune(rs[len(rs)-1])
	// A last run of one character is the only case that needs a prefix
	// match: the character may start a bigram or close a run.
	return Query{Tokens: out, Prefix: len(last) == 1}, true
}

// Doc joins tokens for storage in an engine's full-text column.
func Doc(tokens []string) string { return strings.Join(tokens, " ") }
