package app_test

import (
	"testing"

	"kesu/internal/demo"
)

// TestDemoSendsNothing: the demo's complainants are made up but their
// addresses and mobile numbers look real. Loading the demo on a server
// with mail, SMS and webhooks configured leaves no letter, text or event
// to send, so running the jobs after it sends nothing out.
func TestDemoSendsNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *notifyEnv) {
		sum, err := demo.Load(e.ctx, e.a.DB, e.a.Deps.Complaints, demo.Options{Complaints: 60})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Complaints != 60 {
			t.Fatalf("demo loaded %d complaints", sum.Complaints)
		}
		var pending int
		q := e.a.DB.Dialect.Rebind(`SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND kind IN (?, ?, ?, ?)`)
		if err := e.a.DB.R.QueryRowContext(e.ctx, q, demo.Outbound[0], demo.Outbound[1], demo.Outbound[2], demo.Outbound[3]).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending != 0 {
			t.Errorf("%d outbound jobs left by the demo", pending)
		}
		e.drain(e.a)
		e.sms.mu.Lock()
		texts := len(e.sms.bodies)
		e.sms.mu.Unlock()
		e.hook.mu.Lock()
		events := len(e.hook.events)
		e.hook.mu.Unlock()
		var toComplainants int
		for _, m := range e.mail.Messages() {
			for _, to := range m.To {
				for _, host := range []string{"163.com", "qq.com", "126.com", "sina.com", "outlook.com"} {
					if len(to) > len(host) && to[len(to)-len(host):] == host {
						toComplainants++
					}
				}
			}
		}
		if texts != 0 || events != 0 || toComplainants != 0 {
			t.Errorf("after the demo: %d texts, %d webhook events, %d letters to complainants", texts, events, toComplainants)
		}
	})
}
