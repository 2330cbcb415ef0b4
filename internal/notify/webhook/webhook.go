// Package webhook posts kesu's events as signed JSON to the URLs an
// administrator configures, and verifies such a signature.
//
// Each request carries
//
//	X-Kesu-Event:     the event type, e.g. sla.breach
//	X-Kesu-Delivery:  the event id (the same on every retry)
//	X-Kesu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC is keyed with the shared secret over the timestamp, a dot
// and the raw body ("1767225600.{…}"). A receiver recomputes it, compares
// in constant time and refuses a timestamp too far from its own clock, so
// a captured request cannot be replayed later. Every attempt is signed
// anew, so a retry hours later still carries a fresh timestamp.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/notify"
)

// Headers set on every delivery.
const (
	SignatureHeader = "X-Kesu-Signature"
	EventHeader     = "X-Kesu-Event"
	DeliveryHeader  = "X-Kesu-Delivery"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Poster posts events. The URL of a message is its To.
type Poster struct {
	Secret string
	Client *http.Client     // default: 20 s timeout
	Now    func() time.Time // the signing time
}

// Send implements notify.Notifier. Any 2xx answer is success; 4xx
// answers other than 408 and 429 are rejections (the job goes straight to
// the dead-letter list, from where an administrator retries it once the
// receiver is fixed); anything else is retried with backoff.
func (p *Poster) Send(ctx context.Context, m notify.Message) error {
	if m.Event == nil || len(m.To) != 1 {
		return fmt.Errorf("%w: a webhook message needs one URL and an event", notify.ErrRejected)
	}
	body, err := json.Marshal(m.Event)
	if err != nil {
		return fmt.Errorf("%w: webhook body: %w", notify.ErrRejected, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To[0], bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: webhook request: %w", notify.ErrRejected, err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kesu-webhook")
	req.Header.Set(EventHeader, m.Event.Type)
	req.Header.Set(DeliveryHeader, m.Event.ID)
	req.Header.Set(SignatureHeader, Sign(p.Secret, now(), body))
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", m.To[0], err)
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if err := notify.HTTPStatus(resp.StatusCode, snippet); err != nil {
		return fmt.Errorf("webhook %s: %w", m.To[0], err)
	}
	return nil
}

// Sign returns the signature header value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verification failures.
var (
	ErrBadSignature = errors.New("webhook signature does not match")
	ErrStale        = errors.New("webhook timestamp outside the tolerance")
)

// Verify checks a signature header against the raw body as a receiver
// does: a v1 value must match, and the timestamp must lie within tolerance
// of now (0 for DefaultTolerance).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}
