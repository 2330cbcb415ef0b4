package app

import (
	"context"
	"fmt"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/jobs"
	"kesu/internal/letter"
	"kesu/internal/mailin"
	"kesu/internal/notify"
	"kesu/internal/storage/sqlstore"
)

// complainantChannels sends messages to complainants by their channel
// (INT-4, WF-6): email when they gave an address, SMS when they gave only a
// phone number. Emails carry kesu's own Message-ID and In-Reply-To /
// References to the complainant's mails, so they stay in one thread.
type complainantChannels struct {
	db      *sqlstore.DB
	email   bool        // an SMTP server is configured
	sms     func() bool // a text channel is configured (known after the notify channels open)
	company string
	baseURL string
	domain  string
	// guard refuses a text for the complainant that quotes an internal
	// knowledge-base entry (004 §6.1); the case gate checks replies before
	// they are written, and the message built here is checked once more.
	guard func(ctx context.Context, text string) error
}

func (cc *complainantChannels) channel(c *complaint.Complaint) string {
	return letter.Channel(c, cc.email, cc.sms != nil && cc.sms())
}

// Reach reports how a reply reaches the complainant of complaint id: the
// channel and the address or number.
func (cc *complainantChannels) Reach(ctx context.Context, id int64) (string, string, error) {
	c, err := cc.db.Complaints().Get(ctx, id)
	if err != nil {
		return "", "", err
	}
	switch ch := cc.channel(c); ch {
	case letter.ByEmail:
		return ch, c.Complainant.Email, nil
	case letter.BySMS:
		return ch, c.Complainant.Phone, nil
	}
	return "", "", nil
}

// thread adds the thread headers of complaint c to an email.
func (cc *complainantChannels) thread(ctx context.Context, c *complaint.Complaint, m *notify.Message) {
	refs, err := cc.db.Mail().Thread(ctx, c.ID)
	if err != nil {
		refs = nil // the mail still goes, outside the thread
	}
	letter.Thread(m, mailin.MessageID(c.Number, c.TrackingCode, cc.domain), refs)
}

// replyJob is casework's ReplyJob: the reply (or a public note sent on)
// by the complainant's channel.
func (cc *complainantChannels) replyJob(ctx context.Context, r *casework.Record, kind, body string) (*jobs.Job, error) {
	if cc.guard != nil {
		if err := cc.guard(ctx, body); err != nil {
			return nil, err
		}
	}
	c, err := cc.db.Complaints().Get(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	switch cc.channel(c) {
	case letter.ByEmail:
		m := letter.Reply(c, kind, body, cc.company, cc.baseURL, "zh")
		cc.thread(ctx, c, &m)
		return &jobs.Job{Kind: notify.JobEmail, Key: fmt.Sprintf("reply:%d:%d", r.ComplaintID, r.Version), Payload: jobs.Payload(m)}, nil
	case letter.BySMS:
		m := letter.ReplySMS(c, kind, body, cc.company, cc.baseURL)
		return &jobs.Job{Kind: notify.JobSMS, Key: fmt.Sprintf("reply-sms:%d:%d", r.ComplaintID, r.Version), Payload: jobs.Payload(m)}, nil
	}
	return nil, nil
}

// surveyJob is casework's SurveyJob: the survey link by the
// complainant's channel.
func (cc *complainantChannels) surveyJob(ctx context.Context, r *casework.Record, token string) (*jobs.Job, error) {
	c, err := cc.db.Complaints().Get(ctx, r.ComplaintID)
	if err != nil {
		return nil, err
	}
	url := letter.SurveyURL(cc.baseURL, token)
	switch cc.channel(c) {
	case letter.ByEmail:
		m := letter.Survey(c, url, cc.company, "zh")
		cc.thread(ctx, c, &m)
		return &jobs.Job{Kind: notify.JobEmail, Key: fmt.Sprintf("survey:%d:%d", r.ComplaintID, r.Version), Payload: jobs.Payload(m)}, nil
	case letter.BySMS:
		m := letter.SurveySMS(c, url, cc.company)
		return &jobs.Job{Kind: notify.JobSMS, Key: fmt.Sprintf("survey-sms:%d:%d", r.ComplaintID, r.Version), Payload: jobs.Payload(m)}, nil
	}
	return nil, nil
}

// ackSMS is the acknowledgement by text of a new complaint whose
// complainant gave only a phone number; nil otherwise.
func (cc *complainantChannels) ackSMS(c *complaint.Complaint) *jobs.Job {
	if cc.channel(c) != letter.BySMS {
		return nil
	}
	return &jobs.Job{Kind: notify.JobSMS, Key: fmt.Sprintf("ack-sms:%d", c.ID), Payload: jobs.Payload(letter.AckSMS(c, cc.company, cc.baseURL))}
}
