package app

import (
	"context"
	"fmt"
	"time"

	"kesu/internal/jobs"
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
		Policies: a.SLA.Rules.Policies, Loc: c.Loc, BaseURL: c.BaseURL, Company: c.Company, Now: a.Now}
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

// registeredEvents enqueues the complaint.registered events of ids.
func registeredEvents(ctx context.Context, db *sqlstore.DB, outbox *notify.Outbox, ids []int64) error {
	if len(outbox.Webhooks) == 0 {
		return nil
	}
	var js []*jobs.Job
	for _, id := range ids {
		cm, err := db.Complaints().Get(ctx, id)
		if err != nil {
			return fmt.Errorf("registered complaint %d: %w", id, err)
		}
		js = append(js, outbox.Event(notify.EventRegistered, fmt.Sprintf("%s:%d", notify.EventRegistered, id), registration{
			ComplaintID: id, Number: cm.Number, Channel: cm.Channel, Category: cm.Category, Severity: cm.Severity, Safety: cm.Safety,
			Status: cm.Status, ReceivedAt: cm.ReceivedAt.UTC()})...)
	}
	return db.Jobs().Enqueue(ctx, js...)
}
