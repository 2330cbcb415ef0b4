package intakeload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/demo"
	"kesu/internal/letter"
	"kesu/internal/notify"
)

// The parts of a registration that no storage design removes, each
// measured alone on this machine, as CPU time of the whole process (the
// sending and the receiving side both run in it) per operation
// (docs/benchmarks.md, "What a registration costs at least"):
//
//	go test ./internal/intakeload -run XXX -bench Floor -benchtime 20000x

// BenchmarkFloorHTTPJSON: a bare Go HTTP handler over loopback TCP that
// decodes a complaint's JSON (the bodies kesu-load sends) into a struct,
// refusing unknown fields, and answers 201 with it encoded again, driven
// by 8 keep-alive clients as kesu-load drives kesu.
func BenchmarkFloorHTTPJSON(b *testing.B) {
	g := demo.NewComposer(rand.New(rand.NewPCG(1, 2)), &demo.Refs{})
	var bodies [][]byte
	for range 512 {
		c, _ := g.Compose(time.Now(), demo.Hint{})
		body, _ := json.Marshal(request{Channel: c.Channel, Subject: c.Subject, Description: c.Description, Category: c.Category,
			Severity: c.Severity, Safety: c.Safety, Requests: c.Requests, Complainant: c.Complainant, BatchNo: c.BatchNo,
			OrderNo: c.OrderNo, PartNo: c.PartNo, ShipAddress: c.ShipAddress, UsageTime: c.UsageTime, FoundPlace: c.FoundPlace})
		bodies = append(bodies, body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req request
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
			Status string `json:"status"`
			request
		}{1, "KS-20261203-0001", "registered", req})
	}))
	defer srv.Close()
	const clients = 8
	var next atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ResetTimer()
	cpu := selfCPU()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/complaints", bytes.NewReader(bodies[i%int64(len(bodies))]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer kesu_abcdefghijklmnopqrstuvwxyz")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64((selfCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkFloorLetter: an acknowledgement letter rendered (zh, text and
// HTML) and sent with the letters of its batch (128) over one SMTP
// connection to a sink on loopback, as the worker sends them.
func BenchmarkFloorLetter(b *testing.B) {
	sink, err := startMailSink()
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	mailer := &notify.SMTP{Host: sink.Host, Port: sink.Port, From: "kefu@example.com", TLS: "none"}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	b.ResetTimer()
	cpu := selfCPU()
	for start := 0; start < b.N; start += 128 {
		var ms []notify.Message
		for i := start; i < min(start+128, b.N); i++ {
			c := &complaint.Complaint{ID: int64(i + 1), Number: fmt.Sprintf("KS-20261203-%05d", i+1), TrackingCode: "ABCD2345",
				Subject: "净水器漏水", Complainant: complaint.Complainant{Name: "王小明", Email: fmt.Sprintf("c%d@example.com", i)},
				ReceivedAt: time.Now(), ExpectedBy: time.Now().Add(15 * 24 * time.Hour)}
			l, err := letter.Render(letter.New(c, "华东净水科技有限公司", "https://kesu.example.com/", loc), "zh")
			if err != nil {
				b.Fatal(err)
			}
			ms = append(ms, notify.Message{To: []string{c.Complainant.Email}, Subject: l.Subject, Text: l.Text, HTML: l.HTML})
		}
		for _, err := range mailer.SendAll(context.Background(), ms) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((selfCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkFloorLetterRender: the letter's rendering alone (zh, text and
// HTML), the part of BenchmarkFloorLetter that only the server pays.
func BenchmarkFloorLetterRender(b *testing.B) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	c := &complaint.Complaint{ID: 1, Number: "KS-20261203-00001", TrackingCode: "ABCD2345", Subject: "净水器漏水",
		Complainant: complaint.Complainant{Name: "王小明", Email: "c@example.com"}, ReceivedAt: time.Now(), ExpectedBy: time.Now()}
	b.ReportAllocs()
	cpu := selfCPU()
	for b.Loop() {
		if _, err := letter.Render(letter.New(c, "华东净水科技有限公司", "https://kesu.example.com/", loc), "zh"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((selfCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}
