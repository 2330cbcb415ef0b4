package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/desk"
	"kesu/internal/org"
)

// kbProducts, kbProblems and kbSteps make the standard answers of a
// water-purifier service desk (004 §6.3): one per product, problem and
// model.
var (
	kbProducts = []string{"反渗透净水器", "超滤净水器", "前置过滤器", "PP棉滤芯", "活性炭滤芯", "软水机", "管线机", "无桶大通量净水器", "增压泵", "压力桶"}
	kbProblems = []string{"接头漏水", "出水慢", "不出水", "水有异味", "机器异响", "指示灯闪烁", "滤芯更换周期", "安装位置", "保修期限", "废水比偏高",
		"TDS 值偏高", "压力桶不出水", "增压泵频繁启动", "冲洗不停", "水温过高"}
	kbSteps = []string{"请先关闭进水阀和电源，", "检查快接头是否插到位，", "观察废水口是否有水排出，", "确认滤芯是否超过使用期限，",
		"用 TDS 笔测量进水和纯水，", "如仍无法解决，请拍照后联系客服部，", "我们会安排当地经销商上门处理，", "保修期内免费更换配件。"}
)

// BenchmarkKnowledgeBaseSearch searches a knowledge base of
// KESU_BENCH_KB_N entries (default 10,000) through the desk service, on
// SQLite and, when KESU_TEST_POSTGRES_URL is set, PostgreSQL: a frequent
// two-character word, a three-character phrase, a rare model number, a
// single character (no bigram: the folded text alone), and a word within a
// category, canned replies only. SPEC target: ≤ 20 ms a search.
//
//	go test ./internal/bench -run XXX -bench KnowledgeBaseSearch -benchtime 200x
func BenchmarkKnowledgeBaseSearch(b *testing.B) {
	n := 10_000
	if s := os.Getenv("KESU_BENCH_KB_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	engines := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		engines = append(engines, struct{ name, url string }{"postgres", u})
	}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			a, _, _ := serveApp(b, eng.url)
			ctx := context.Background()
			start := time.Now()
			loadKB(b, a, n)
			// Measure the steady state: planner statistics and, on
			// PostgreSQL, the visibility map that lets the token index
			// answer alone, as autovacuum leaves them after a while.
			analyze := []string{"ANALYZE"}
			if a.DB.Dialect.Name() == "postgres" {
				analyze = []string{"VACUUM ANALYZE kb_tokens", "VACUUM ANALYZE kb_entries"}
			}
			for _, q := range analyze {
				if _, err := a.DB.W.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%d entries written in %s", n, time.Since(start).Round(time.Millisecond))
			for _, c := range []struct {
				name string
				q    desk.KBQuery
			}{
				{"frequent-word", desk.KBQuery{Text: "漏水"}},
				{"phrase", desk.KBQuery{Text: "压力桶不出水"}},
				{"model-number", desk.KBQuery{Text: fmt.Sprintf("JLQ-%05d", n*47/100)}},
				{"single-character", desk.KBQuery{Text: "桶"}},
				{"category-canned", desk.KBQuery{Text: "滤芯", Category: "出水慢", PublicOnly: true}},
			} {
				b.Run(c.name, func(b *testing.B) {
					var hits int
					for b.Loop() {
						es, err := a.Deps.Desk.Search(ctx, c.q)
						if err != nil {
							b.Fatal(err)
						}
						hits = len(es)
					}
					if hits == 0 {
						b.Fatalf("%q found nothing", c.q.Text)
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/search")
				})
			}
		})
	}
}

// loadKB writes n standard answers through the desk service, one in
// twenty internal.
func loadKB(b testing.TB, a *app.App, n int) {
	ctx := context.Background()
	mgr := &org.User{Username: "bench.mgr", Name: "压测经理", Role: org.RoleManager}
	if err := a.DB.Registers().CreateUser(ctx, mgr, "!", audit.System); err != nil {
		b.Fatal(err)
	}
	act := casework.Actor{User: mgr, Audit: audit.Actor{UserID: mgr.ID, Name: mgr.Name}}
	rng := rand.New(rand.NewPCG(7, 16))
	for i := range n {
		p, q := kbProducts[i%len(kbProducts)], kbProblems[(i/len(kbProducts))%len(kbProblems)]
		var body strings.Builder
		for range 3 + rng.IntN(4) {
			body.WriteString(kbSteps[rng.IntN(len(kbSteps))])
		}
		fmt.Fprintf(&body, "适用型号 JLQ-%05d。", i)
		e := &desk.Entry{Category: q, Title: p + q + "的处理", Body: body.String(), Keywords: p, Internal: i%20 == 0}
		if err := a.Deps.Desk.CreateEntry(ctx, e, act); err != nil {
			b.Fatal(err)
		}
	}
}
