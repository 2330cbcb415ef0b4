package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// TestSearchPlansAgree checks that the two search plans (few hits: drive
// from the index; many hits: walk the list order and check the hit set)
// return the same pages.
func TestSearchPlansAgree(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	p, _ := complaint.ParsePattern(complaint.DefaultPattern)
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	svc := &complaint.Service{Store: db.Complaints(), Now: func() time.Time { return base.AddDate(0, 6, 0) }, Loc: time.UTC, Pattern: p}
	texts := []string{"净水器漏水", "滤芯漏水严重", "安装师傅迟到", "退货退款", "出水有异味"}
	for i := 0; i < 150; i++ {
		c := &complaint.Complaint{Channel: "phone", Subject: texts[i%len(texts)], Description: fmt.Sprintf("第%d台 批号 2026%04d", i, i),
			Complainant: complaint.Complainant{Name: "客户"}, ReceivedAt: base.Add(time.Duration((i*37)%150) * time.Hour)}
		if _, err := svc.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f complaint.Filter) []int64 {
		var out []int64
		for {
			pg, err := db.Complaints().List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range pg.Items {
				out = append(out, c.ID)
			}
			if pg.Next == "" {
				return out
			}
			f.After = pg.Next
		}
	}
	defer func(old int) { manyHits = old }(manyHits)
	for _, q := range []string{"漏水", "水", "迟到", "2026", "0007", "异味", "不存在的词"} {
		for _, sort := range []string{"received_desc", "number_asc"} {
			f := complaint.Filter{Query: q, Sort: sort, Limit: 7}
			manyHits = 1 << 30
			few := ids(f)
			manyHits = 1
			many := ids(f)
			if !slices.Equal(few, many) {
				t.Errorf("%q %s: plans disagree:\n few  %v\n many %v", q, sort, few, many)
			}
			if q == "漏水" && len(few) != 60 {
				t.Errorf("漏水 should match 60 complaints, got %d", len(few))
			}
		}
	}
	if n := countHitSets(); n != 0 {
		t.Fatalf("%d hit sets left after the queries", n)
	}
}

func countHitSets() int {
	n := 0
	hitSets.Range(func(any, any) bool { n++; return true })
	return n
}
