package money

import "testing"

func TestWithinTolerance(t *testing.T) {
	for _, c := range []struct {
		approved, received, bp int64
		want                   bool
	}{
		{10, 8, 0, true},      // fewer than approved: the actual is booked
		{10, 10, 0, true},     // exact
		{10, 11, 0, false},    // no tolerance
		{10, 11, 1000, true},  // 10 %: up to 11
		{10, 12, 1000, false}, // beyond 11
		{20, 21, 500, true},   // 5 %: up to 21
		{3, 4, 3333, false},   // 3 × 1.3333 = 3.9999 < 4
		{3, 4, 3334, true},
	} {
		if got := WithinTolerance(c.approved, c.received, c.bp); got != c.want {
			t.Errorf("WithinTolerance(%d, %d, %d) = %v, want %v", c.approved, c.received, c.bp, got, c.want)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	if bp, err := ParseTolerance("2.5"); err != nil || bp != 250 {
		t.Errorf("2.5 → %d %v", bp, err)
	}
	for _, s := range []string{"100.01", "-1", "5%", "1.234"} {
		if _, err := ParseTolerance(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
