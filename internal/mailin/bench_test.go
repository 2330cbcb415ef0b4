package mailin_test

import (
	"bytes"
	"fmt"
	"net/smtp"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchConns is how many SMTP connections the sending server keeps open,
// as a mail server delivering a queue to one MX does.
const benchConns = 4

// BenchmarkSMTPIntake delivers generated mail — GBK and UTF-8 by turns,
// each with a photo and a PDF — over SMTP to the receiver, which registers
// every one as a complaint with its files before answering 250. It reports
// mails per second; the figure is in docs/benchmarks.md.
func BenchmarkSMTPIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIntake(b, "") })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		b.Run("postgres", func(b *testing.B) { benchIntake(b, freshSchema(b, u)) })
	}
}

var benchRun atomic.Int64

func benchIntake(b *testing.B, db string) {
	e := newEnv(b, db, b.TempDir(), nil)
	run := benchRun.Add(1)
	// A larger photo than the test's pixel, different per mail so every
	// file is stored.
	photo := func(i int) []byte {
		p := append([]byte(nil), pngBytes...)
		return append(p, bytes.Repeat([]byte(fmt.Sprintf("%08d", i)), 2048)...)
	}
	msgs := make([][]byte, b.N)
	for i := range msgs {
		cs := "gbk"
		if i%2 == 1 {
			cs = "utf-8"
		}
		msgs[i] = mailSpec{charset: cs, id: fmt.Sprintf("bench-%d-%d@client.example", run, i), fromName: "客户" + fmt.Sprint(i),
			from: fmt.Sprintf("c%d@example.com", i), subject: fmt.Sprintf("投诉 %d：产品质量问题", i),
			text:  "您好，收到的产品有质量问题，详见附件照片和发票。请尽快处理。",
			files: []testFile{{fmt.Sprintf("照片%d.png", i), "image/png", photo(i)}, {"发票.pdf", "application/pdf", pdfBytes}}}.bytes(b)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchConns {
		wg.Go(func() {
			c, err := smtp.Dial(e.mail.Addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					break
				}
				if err := deliver(c, msgs[i]); err != nil {
					b.Error(err)
					return
				}
			}
			c.Quit()
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "mails/s")
	if n := len(e.complaints(b)); n != min(b.N, 200) {
		b.Fatalf("%d complaints listed for %d mails", n, b.N)
	}
}

func deliver(c *smtp.Client, raw []byte) error {
	if err := c.Mail("sender@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("complaints@kesu.example"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}
