package money

import "testing"

func TestWords(t *testing.T) {
	for _, c := range []struct {
		fen    int64
		zh, en string
	}{
		{0, "零元整", "Zero yuan only"},
		{3, "叁分", "Zero yuan and three fen"},
		{50, "伍角整", "Zero yuan and fifty fen"},
		{120000, "壹仟贰佰元整", "One thousand two hundred yuan only"},
		{100550, "壹仟零伍元伍角整", "One thousand five yuan and fifty fen"},
		{100505, "壹仟零伍元零伍分", "One thousand five yuan and five fen"},
		{57050, "伍佰柒拾元伍角整", "Five hundred seventy yuan and fifty fen"},
		{1000, "壹拾元整", "Ten yuan only"},
		{1000000500, "壹仟万零伍元整", "Ten million five yuan only"},
		{20010000000, "贰亿零壹拾万元整", "Two hundred million one hundred thousand yuan only"},
		{10000000000, "壹亿元整", "One hundred million yuan only"},
		{123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", "One million two hundred thirty-four thousand five hundred sixty-seven yuan and eighty-nine fen"},
		{-20000, "负贰佰元整", "Minus two hundred yuan only"},
	} {
		if got := WordsZH(c.fen); got != c.zh {
			t.Errorf("WordsZH(%d) = %s, want %s", c.fen, got, c.zh)
		}
		if got := WordsEN(c.fen); got != c.en {
			t.Errorf("WordsEN(%d) = %q, want %q", c.fen, got, c.en)
		}
	}
}
