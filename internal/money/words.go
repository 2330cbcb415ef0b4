package money

import "strings"

// Amounts in words, as forms that move money print them beside the
// figures so they cannot be altered: 人民币大写 in Chinese (壹仟贰佰元整,
// 壹佰零伍元伍角, 叁分), and yuan and fen spelt out in English. Only integers
// are used.

var (
	zhDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	zhUnits  = []string{"", "拾", "佰", "仟"}
	// zhGroups name the groups of four digits: units, 万, 亿, 万亿.
	zhGroups = []string{"", "万", "亿", "万亿"}
)

// WordsZH writes fen in Chinese capital numerals (大写金额): "元整" after a
// whole amount, "角整" after one that stops at jiao, nothing after fen.
func WordsZH(fen int64) string {
	if fen < 0 {
		return "负" + WordsZH(-fen)
	}
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	var b strings.Builder
	if yuan > 0 {
		b.WriteString(zhInteger(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && f == 0:
		if yuan == 0 {
			return "零元整"
		}
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(zhDigits[f] + "分")
	case f == 0:
		b.WriteString(zhDigits[jiao] + "角整")
	default:
		b.WriteString(zhDigits[jiao] + "角" + zhDigits[f] + "分")
	}
	return b.String()
}

// zhInteger writes n > 0 in capital numerals, one 零 for each run of zeros
// between digits.
func zhInteger(n int64) string {
	var groups []int64
	for n > 0 {
		groups = append(groups, n%10000)
		n /= 10000
	}
	var b strings.Builder
	zero := false // a zero is owed before the next digit
	for g := len(groups) - 1; g >= 0; g-- {
		v := groups[g]
		for d, div := 3, int64(1000); d >= 0; d, div = d-1, div/10 {
			digit := v / div % 10
			if digit == 0 {
				zero = zero || b.Len() > 0
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(zhDigits[digit] + zhUnits[d])
		}
		if v > 0 {
			b.WriteString(zhGroups[min(g, len(zhGroups)-1)])
		}
	}
	return b.String()
}

var (
	enOnes = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTens   = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	enGroups = []string{"", " thousand", " million", " billion", " trillion"}
)

// WordsEN writes fen in English words, as on a cheque: "One thousand two
// hundred yuan only", "Five yuan and fifty fen".
func WordsEN(fen int64) string {
	if fen < 0 {
		return "Minus " + strings.ToLower(WordsEN(-fen)[:1]) + WordsEN(-fen)[1:]
	}
	yuan, f := fen/100, fen%100
	s := enInteger(yuan) + " yuan"
	if f == 0 {
		s += " only"
	} else {
		s += " and " + enInteger(f) + " fen"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func enInteger(n int64) string {
	if n == 0 {
		return enOnes[0]
	}
	var parts []string
	for g := 0; n > 0; g++ {
		if v := n % 1000; v > 0 {
			parts = append([]string{enHundreds(v) + enGroups[min(g, len(enGroups)-1)]}, parts...)
		}
		n /= 1000
	}
	return strings.Join(parts, " ")
}

func enHundreds(n int64) string {
	var parts []string
	if n >= 100 {
		parts = append(parts, enOnes[n/100]+" hundred")
		n %= 100
	}
	switch {
	case n == 0:
	case n < 20:
		parts = append(parts, enOnes[n])
	case n%10 == 0:
		parts = append(parts, enTens[n/10])
	default:
		parts = append(parts, enTens[n/10]+"-"+enOnes[n%10])
	}
	return strings.Join(parts, " ")
}
