package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"kesu/internal/notify"
	"kesu/internal/notify/webhook"
)

const secret = "s3cret-s3cret-s3cret"

// receiver verifies deliveries the way an integrator would and keeps the
// events it accepted.
type receiver struct {
	now    time.Time
	status int
	got    []notify.Event
	heads  []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := webhook.Verify(secret, req.Header.Get(webhook.SignatureHeader), body, r.now, 0); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev notify.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
		return
	}
	r.got = append(r.got, ev)
	r.heads = append(r.heads, req.Header.Clone())
}

func TestPosterSignsAndReceiverVerifies(t *testing.T) {
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	rcv := &receiver{now: now.Add(30 * time.Second)}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	p := &webhook.Poster{Secret: secret, Now: func() time.Time { return now }}
	ev := &notify.Event{ID: "sla.breach:7:1", Type: "sla.breach", At: now, Data: json.RawMessage(`{"number":"KS-20260310-0001"}`)}
	if err := p.Send(t.Context(), notify.Message{To: []string{srv.URL}, Event: ev}); err != nil {
		t.Fatal(err)
	}
	if len(rcv.got) != 1 || rcv.got[0].ID != ev.ID || string(rcv.got[0].Data) != string(ev.Data) {
		t.Fatalf("received %+v", rcv.got)
	}
	if h := rcv.heads[0]; h.Get(webhook.EventHeader) != "sla.breach" || h.Get(webhook.DeliveryHeader) != ev.ID {
		t.Fatalf("headers %v", h)
	}

	// A body changed on the way fails verification at the receiver.
	tamper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		body = bytes.Replace(body, []byte("0001"), []byte("0002"), 1)
		fwd, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		fwd.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(fwd)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	defer tamper.Close()
	err := p.Send(t.Context(), notify.Message{To: []string{tamper.URL}, Event: ev})
	if !errors.Is(err, notify.ErrRejected) || len(rcv.got) != 1 {
		t.Fatalf("tampered delivery: %v, %d accepted", err, len(rcv.got))
	}

	// A wrong secret is refused, and the refusal is final.
	bad := &webhook.Poster{Secret: "another-secret-entirely", Now: func() time.Time { return now }}
	err = bad.Send(t.Context(), notify.Message{To: []string{srv.URL}, Event: ev})
	if !errors.Is(err, notify.ErrRejected) {
		t.Fatalf("wrong secret: %v, want a rejection", err)
	}
	// A receiver error is temporary.
	rcv.status = http.StatusServiceUnavailable
	err = p.Send(t.Context(), notify.Message{To: []string{srv.URL}, Event: ev})
	if err == nil || errors.Is(err, notify.ErrRejected) {
		t.Fatalf("503: %v, want a temporary error", err)
	}
}

func TestVerifyRefusesTamperingAndReplay(t *testing.T) {
	now := time.Unix(1773100800, 0)
	body := []byte(`{"id":"x","type":"sla.breach"}`)
	sig := webhook.Sign(secret, now, body)
	if err := webhook.Verify(secret, sig, body, now.Add(time.Minute), 0); err != nil {
		t.Fatalf("genuine: %v", err)
	}
	tampered := bytes.Replace(body, []byte("breach"), []byte("remind"), 1)
	if err := webhook.Verify(secret, sig, tampered, now, 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("tampered body: %v", err)
	}
	if err := webhook.Verify("other-secret-value", sig, body, now, 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("other secret: %v", err)
	}
	if err := webhook.Verify(secret, sig, body, now.Add(6*time.Minute), 0); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("replayed later: %v", err)
	}
	for _, h := range []string{"", "v1=00", "t=abc,v1=00", "t=1773100800"} {
		if err := webhook.Verify(secret, h, body, now, 0); err == nil {
			t.Errorf("header %q accepted", h)
		}
	}
}
