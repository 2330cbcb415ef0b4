package app

import (
	"fmt"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/letter"
	"kesu/internal/notify"
	"kesu/internal/notify/sms"
	"kesu/internal/notify/webhook"
	"kesu/internal/storage/sqlstore"
)

// openNotify turns the outside channels on: the worker sends email, SMS
// and webhook jobs through the configured adapters, and the store adds
// those jobs to the transaction of every notice and fired timer.
func (a *App) openNotify(mailer notify.Mailer) *notify.Outbox {
	c := a.Config
	chans := notify.Channels{}
	if mailer != nil {
		chans[notify.Email] = mailer
	}
	switch c.SMSProvider {
	case "http":
		chans[notify.SMS] = c.SMS
	case "log", "":
		chans[notify.SMS] = sms.Log{Log: a.Log}
	}
	if len(c.Webhooks) > 0 {
		chans[notify.Webhook] = &webhook.Poster{Secret: c.WebhookSecret, Now: a.Now}
	}
	for kind, h := range notify.Handlers(chans) {
		a.Worker.Handlers[kind] = h
	}
	o := &notify.Outbox{Email: chans.Has(notify.Email), SMS: chans.Has(notify.SMS), Webhooks: c.Webhooks,
		Policies: a.SLA.Rules, Loc: c.Loc, BaseURL: c.BaseURL, Company: c.Company, Now: a.Now}
	a.DB.Outbox = o
	return o
}

// registration is the data of a complaint.registered event: the case, not
// the complainant's personal data.
type registration struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Channel     string    `json:"channel"`
	Category    string    `json:"category,omitempty"`
	Severity    string    `json:"severity,omitempty"`
	Safety      bool      `json:"safety"`
	Status      string    `json:"status"`
	ReceivedAt  time.Time `json:"received_at"`
}

// statusChange is the data of a complaint.status_changed event.
type statusChange struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Action      string    `json:"action"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	At          time.Time `json:"at"`
}

// registrationJobs returns the jobs that follow a newly registered
// complaint, queued in its registration transaction: the acknowledgement
// letter 受理函 when it can be sent (a job of its own, keyed by complaint,
// retried with backoff) and the complaint.registered webhook events.
func registrationJobs(outbox *notify.Outbox, ack *letter.Sender, cc *complainantChannels) sqlstore.RegistrationJobs {
	return func(c *complaint.Complaint) []*jobs.Job {
		var js []*jobs.Job
		if ack.Wanted(c) {
			js = append(js, letter.Job(c.ID))
		} else if j := cc.ackSMS(c); j != nil {
			// A complainant who gave only a phone number is acknowledged by text.
			js = append(js, j)
		}
		if len(outbox.Webhooks) > 0 {
			js = append(js, outbox.Event(notify.EventRegistered, fmt.Sprintf("%s:%d", notify.EventRegistered, c.ID), registration{
				ComplaintID: c.ID, Number: c.Number, Channel: c.Channel, Category: c.Category, Severity: c.Severity, Safety: c.Safety,
				Status: c.Status, ReceivedAt: c.ReceivedAt.UTC()})...)
		}
		return js
	}
}
