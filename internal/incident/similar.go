package incident

import (
	"math"
	"strings"
	"time"
	"unicode"
)

// Plausibility is how likely a suggested complaint is the same matter as
// the one shown, and why: staff see the likeliest first, and a complaint
// that only shares the customer is not offered at all.
type Plausibility struct {
	Score float64 // 0 and up; higher is likelier
	// Similar is the similarity of the two texts (subject and
	// description), 0…1.
	Similar float64
	// Reasons, strongest first: "same_batch", "same_product",
	// "same_customer", "same_phone", "similar_text".
	Reasons []string
	Days    int // days between the two receipts
}

// SimilarText is the share of character pairs two texts have in common
// (Dice's coefficient over bigrams of letters, digits and CJK characters;
// case and punctuation ignored), 0…1. It suits Chinese, where words are
// not spaced.
func SimilarText(a, b string) float64 {
	ga, gb := bigrams(a), bigrams(b)
	if len(ga) == 0 || len(gb) == 0 {
		return 0
	}
	common := 0
	for g, n := range ga {
		common += min(n, gb[g])
	}
	total := 0
	for _, n := range ga {
		total += n
	}
	for _, n := range gb {
		total += n
	}
	return 2 * float64(common) / float64(total)
}

func bigrams(s string) map[string]int {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := map[string]int{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])]++
	}
	return out
}

// MinSimilar is the text similarity that alone makes a suggestion
// plausible.
const MinSimilar = 0.25

// Plausible weighs other against s: the same lot counts most, then text
// similarity, the same product, the same customer or phone, and
// closeness in time within the repeat window. ok is false when nothing
// but the customer (or nothing at all) links the two: same lot, similar
// text, or the same product from the same person within the duplicate
// window is needed.
func (r LinkRule) Plausible(s, other *Subject, sText, otherText string) (p Plausibility, ok bool) {
	r = r.norm()
	gap := s.ReceivedAt.Sub(other.ReceivedAt)
	if gap < 0 {
		gap = -gap
	}
	p.Days = int(gap / (24 * time.Hour))
	p.Similar = SimilarText(sText, otherText)
	sameBatch := s.BatchNo != "" && strings.EqualFold(s.BatchNo, other.BatchNo)
	sameProduct := sameID(s.ProductID, other.ProductID) ||
		(s.ProductName != "" && strings.EqualFold(strings.TrimSpace(s.ProductName), strings.TrimSpace(other.ProductName)))
	sameCustomer := sameID(s.CustomerID, other.CustomerID)
	samePhone := s.Phone != "" && s.Phone == other.Phone
	if sameBatch {
		p.Score += 0.6
		p.Reasons = append(p.Reasons, "same_batch")
	} else if sameProduct {
		p.Score += 0.3
		p.Reasons = append(p.Reasons, "same_product")
	}
	if sameCustomer {
		p.Score += 0.15
		p.Reasons = append(p.Reasons, "same_customer")
	} else if samePhone {
		p.Score += 0.15
		p.Reasons = append(p.Reasons, "same_phone")
	}
	if p.Similar >= MinSimilar {
		p.Reasons = append(p.Reasons, "similar_text")
	}
	p.Score += 1.5 * p.Similar
	p.Score += 0.2 * math.Max(0, 1-float64(gap)/float64(r.RepeatWindow))
	ok = sameBatch || p.Similar >= MinSimilar || (sameProduct && (sameCustomer || samePhone) && gap <= r.DuplicateWindow)
	return p, ok
}
