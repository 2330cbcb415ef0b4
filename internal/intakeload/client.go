package intakeload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/demo"
)

// request is the body of POST /api/v1/complaints as an outside system
// sends it: no department or first receiver (routing and the token's user
// decide), no receipt time (the server's clock).
type request struct {
	Channel      string                `json:"channel"`
	Subject      string                `json:"subject"`
	Description  string                `json:"description"`
	Category     string                `json:"category"`
	Severity     string                `json:"severity"`
	Safety       bool                  `json:"safety,omitempty"`
	Requests     []string              `json:"requests"`
	Complainant  complaint.Complainant `json:"complainant"`
	CustomerID   *int64                `json:"customer_id,omitempty"`
	ProductID    *int64                `json:"product_id,omitempty"`
	BatchNo      string                `json:"batch_no,omitempty"`
	OrderNo      string                `json:"order_no,omitempty"`
	PartNo       string                `json:"part_no,omitempty"`
	QtyShipped   *int64                `json:"qty_shipped,omitempty"`
	QtyDefective *int64                `json:"qty_defective,omitempty"`
	ShipDate     string                `json:"ship_date,omitempty"`
	ShipAddress  string                `json:"ship_address,omitempty"`
	UsageTime    string                `json:"usage_time,omitempty"`
	FoundPlace   string                `json:"found_place,omitempty"`
	FoundAt      string                `json:"found_at,omitempty"`
}

// Mix describes the complaints a run sends.
type Mix struct {
	Bodies      int     `json:"bodies"`        // distinct request bodies, sent in turn
	WithEmail   float64 `json:"with_email"`    // share with an email address (an acknowledgement letter is due)
	WithBatch   float64 `json:"with_batch"`    // share naming a production batch
	WithCust    float64 `json:"with_customer"` // share naming a registered customer
	Channels    int     `json:"channels"`
	Categories  int     `json:"categories"`
	AvgBodySize int     `json:"avg_body_bytes"`
}

// composeBodies writes n complaints with the demo's Chinese templates over
// refs, the registers in the server's database, as JSON bodies. They are
// made before the load so that composing costs the load nothing.
func composeBodies(refs *demo.Refs, n int, seed uint64) ([][]byte, Mix, error) {
	g := demo.NewComposer(rand.New(rand.NewPCG(seed, seed^0x6c6f6164)), refs)
	now := time.Now()
	bodies := make([][]byte, 0, n)
	channels, categories := map[string]bool{}, map[string]bool{}
	var email, batch, cust, size int
	for range n {
		c, _ := g.Compose(now, demo.Hint{})
		r := request{Channel: c.Channel, Subject: c.Subject, Description: c.Description, Category: c.Category,
			Severity: c.Severity, Safety: c.Safety, Requests: c.Requests, Complainant: c.Complainant,
			CustomerID: c.CustomerID, ProductID: c.ProductID, BatchNo: c.BatchNo, OrderNo: c.OrderNo, PartNo: c.PartNo,
			QtyShipped: c.QtyShipped, QtyDefective: c.QtyDefective, ShipAddress: c.ShipAddress, UsageTime: c.UsageTime,
			FoundPlace: c.FoundPlace}
		if c.ShipDate != nil {
			r.ShipDate = c.ShipDate.Format(time.DateOnly)
		}
		if c.FoundAt != nil {
			r.FoundAt = c.FoundAt.Format(time.RFC3339)
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, Mix{}, err
		}
		bodies = append(bodies, b)
		channels[c.Channel], categories[c.Category] = true, true
		size += len(b)
		if c.Complainant.Email != "" {
			email++
		}
		if c.BatchNo != "" {
			batch++
		}
		if c.CustomerID != nil {
			cust++
		}
	}
	f := func(k int) float64 { return float64(k) / float64(n) }
	return bodies, Mix{Bodies: n, WithEmail: f(email), WithBatch: f(batch), WithCust: f(cust),
		Channels: len(channels), Categories: len(categories), AvgBodySize: size / n}, nil
}

// load is what one phase of concurrent registrations did.
type load struct {
	Start, End time.Time
	Created    int
	Errors     int
	ErrorKinds map[string]int  // status or transport error → count
	Latencies  []time.Duration // of the created ones, sorted
}

// driver sends complaints to one server.
type driver struct {
	base, token string
	bodies      [][]byte
	client      *http.Client
	prefix      string       // of the idempotency keys, unique per run
	seq         atomic.Int64 // request number, over every phase
}

func newDriver(base, token string, bodies [][]byte, clients int, prefix string) *driver {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &driver{base: base, token: token, bodies: bodies, prefix: prefix,
		client: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// run registers complaints from clients goroutines, each waiting for its
// answer before the next request, until d has passed. Requests under way
// at the end are finished and counted.
func (d *driver) run(ctx context.Context, clients int, dur time.Duration) load {
	l := load{ErrorKinds: map[string]int{}, Start: time.Now()}
	deadline := l.Start.Add(dur)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			errs := map[string]int{}
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := d.seq.Add(1)
				t0 := time.Now()
				status, err := d.post(ctx, n)
				el := time.Since(t0)
				switch {
				case err != nil:
					errs[err.Error()]++
				case status != http.StatusCreated:
					errs["HTTP "+strconv.Itoa(status)]++
				default:
					lat = append(lat, el)
				}
			}
			mu.Lock()
			l.Latencies = append(l.Latencies, lat...)
			for k, v := range errs {
				l.ErrorKinds[k] += v
				l.Errors += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	l.End = time.Now()
	l.Created = len(l.Latencies)
	slices.Sort(l.Latencies)
	return l
}

// post sends request n and returns the status.
func (d *driver) post(ctx context.Context, n int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/api/v1/complaints",
		bytes.NewReader(d.bodies[int(n)%len(d.bodies)]))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Idempotency-Key", d.prefix+strconv.FormatInt(n, 10))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("transport: %w", unwrapURL(err))
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// unwrapURL drops the method and URL that net/http puts around an error,
// so that the same error counts once however many requests met it.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// percentile returns the p-th percentile (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
