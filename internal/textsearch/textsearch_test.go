package textsearch

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	got := Tokens("净水器漏水，KS-2026")
	want := []string{"净水", "水器", "器漏", "漏水", "水", "ks", "s", "20", "02", "26", "6"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tokens = %v, want %v", got, want)
	}
}

// contains reports whether phrase q occurs in doc tokens, the way the
// engines match it.
func contains(doc []string, q Query) bool {
	for i := 0; i+len(q.Tokens) <= len(doc); i++ {
		ok := true
		for j, t := range q.Tokens {
			d := doc[i+j]
			if j == len(q.Tokens)-1 && q.Prefix {
				if !strings.HasPrefix(d, t) {
					ok = false
				}
			} else if d != t {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestSubstringSemantics(t *testing.T) {
	docs := []string{"净水器漏水", "滤芯更换后出水有异味", "KS-20261123-0001 退货", "客户要求退货退款", "水"}
	queries := []string{"水器漏", "漏水", "水", "退货", "0001", "ks-2026", "异味", "更换后出", "器漏水", "净", "款", "20261123-0001", "漏水检查", "退 款"}
	for _, d := range docs {
		for _, q := range queries {
			pq, ok := ParseQuery(q)
			if !ok {
				t.Fatalf("ParseQuery(%q) not ok", q)
			}
			want := strings.Contains(Normalize(d), Normalize(q))
			if got := contains(Tokens(d), pq); got != want {
				t.Errorf("doc %q query %q: match=%v, substring=%v", d, q, got, want)
			}
		}
	}
}

func TestFullWidthFolds(t *testing.T) {
	q, _ := ParseQuery("ＫＳ")
	if !contains(Tokens("ks-1"), q) {
		t.Fatal("full-width query should match half-width text")
	}
	if _, ok := ParseQuery(" ，。"); ok {
		t.Fatal("punctuation-only query should not parse")
	}
}
