package app

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/export"
	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/org"
	"kesu/internal/report"
	"kesu/internal/sla"
)

// summaries sends the weekly and monthly summaries (RPT-2) by email: the
// key figures of the period before the run, its improvement proposals and
// the statistics workbook, one job per recipient with an address, keyed by
// the run so a retried run or a second server sends each once. Without
// SMTP the summaries stay in-app notices. The figures are company-wide
// (every recipient role reads reports across departments); the proposals
// name complaints and their actions, so each recipient is sent those of
// the complaints they may read.
func (a *App) summaries(reports *report.Service, outbox *notify.Outbox) func(ctx context.Context, kind string, r sla.Run, users []int64, key string) error {
	return func(ctx context.Context, kind string, r sla.Run, users []int64, key string) error {
		if !outbox.Email || len(users) == 0 {
			return nil
		}
		sum, err := reports.Summary(ctx, kind, r.At)
		if err != nil {
			return fmt.Errorf("%s summary: %w", kind, err)
		}
		books := map[string][]byte{}
		book := func(lang string) ([]byte, error) {
			if b, ok := books[lang]; ok {
				return b, nil
			}
			var buf bytes.Buffer
			if err := export.WriteXLSX(&buf, report.Sheets(sum.Stats, lang)...); err != nil {
				return nil, err
			}
			books[lang] = buf.Bytes()
			return buf.Bytes(), nil
		}
		var js []*jobs.Job
		for _, id := range users {
			u, err := a.DB.Registers().GetUser(ctx, id)
			if err != nil {
				return err
			}
			if u.Disabled || u.Email == "" {
				continue
			}
			lang := "zh"
			if u.Lang == "en" {
				lang = "en"
			}
			xlsx, err := book(lang)
			if err != nil {
				return fmt.Errorf("summary workbook: %w", err)
			}
			mine := *sum
			if mine.Proposals, err = a.readableProposals(ctx, u, sum.Proposals); err != nil {
				return err
			}
			m, err := notify.SummaryEmail(&mine, *u, a.Config.Company, a.Config.BaseURL, a.Config.Loc, xlsx)
			if err != nil {
				return err
			}
			js = append(js, &jobs.Job{Kind: notify.JobEmail, Key: "email:" + key + ":" + strconv.FormatInt(id, 10), Payload: jobs.Payload(m)})
		}
		return a.DB.Jobs().Enqueue(ctx, js...)
	}
}

// readableProposals keeps the proposals whose complaint u may read.
func (a *App) readableProposals(ctx context.Context, u *org.User, ps []report.Proposal) ([]report.Proposal, error) {
	out := make([]report.Proposal, 0, len(ps))
	for _, p := range ps {
		err := a.Cases.CanRead(ctx, p.ComplaintID, casework.Actor{User: u})
		switch {
		case err == nil:
			out = append(out, p)
		case apperr.Is(err, apperr.Forbidden), apperr.Is(err, apperr.NotFound):
		default:
			return nil, err
		}
	}
	return out, nil
}
