package app

import (
	"context"
	"fmt"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/jobs"
	"kesu/internal/notify"
)

// EventServedByDealer is the timeline entry naming the A-class dealer that
// serves a complaint of its sub-distributor or end user.
const EventServedByDealer = "served_by_dealer"

// servedByDealer records 谁销售谁服务 (CUS-2, 004 §5.2.2: 分销商或终端客户的
// 售后服务由A类经销商来做) for newly registered complaints: a complaint of a
// sub-distributor or end user linked to its dealer gets a timeline entry
// naming the dealer, and the dealer is told by email when it has an
// address (one job per complaint, keyed by it). A complaint that has the
// entry already is skipped, so a repeated registration job records it once,
// and so is one finished before the job ran.
func (a *App) servedByDealer(email bool) func(ctx context.Context, ids []int64) error {
	return func(ctx context.Context, ids []int64) error { return a.recordDealers(ctx, ids, email) }
}

func (a *App) recordDealers(ctx context.Context, ids []int64, email bool) error {
	var evs []complaint.Event
	var js []*jobs.Job
	// A batch names few customers: each is read once.
	customers := map[int64]*customer.Customer{}
	getCustomer := func(id int64) (*customer.Customer, error) {
		if cu, ok := customers[id]; ok {
			return cu, nil
		}
		cu, err := a.DB.Registers().GetCustomer(ctx, id)
		if err == nil {
			customers[id] = cu
		}
		return cu, err
	}
	// The complaints in one query, and which of them name their dealer
	// already in another.
	cs, err := a.DB.Complaints().GetMany(ctx, ids)
	if err != nil {
		return err
	}
	var need []int64
	for _, id := range ids {
		c := cs[id]
		if c == nil {
			return apperr.New(apperr.NotFound, "not found")
		}
		if c.CustomerID != nil && customer.NeedsDealer(c.CustomerClass) {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	named, err := a.DB.Complaints().WithEvent(ctx, need, EventServedByDealer)
	if err != nil {
		return err
	}
	for _, id := range need {
		c := cs[id]
		if named[id] {
			continue
		}
		// A case finished before the job ran (withdrawn, merged) is
		// frozen, and no dealer is to serve it.
		rec, err := a.Cases.Load(ctx, id)
		if err != nil {
			return err
		}
		if a.Cases.Finished(rec) {
			continue
		}
		cu, err := getCustomer(*c.CustomerID)
		if err != nil {
			return err
		}
		if cu.DealerID == nil {
			continue
		}
		d, err := getCustomer(*cu.DealerID)
		if err != nil {
			return err
		}
		evs = append(evs, complaint.Event{ComplaintID: id, Kind: EventServedByDealer, Body: d.Name,
			Data: map[string]any{"dealer_id": d.ID, "dealer": d.Name, "customer": cu.Name, "class": cu.Class}})
		if d.Email != "" && email {
			js = append(js, &jobs.Job{Kind: notify.JobEmail, Key: "dealer:" + strconv.FormatInt(id, 10),
				Payload: jobs.Payload(dealerEmail(c, cu, d, a.Config.Company))})
		}
	}
	if len(evs) > 0 {
		if err := a.Cases.SystemEvents(ctx, evs); err != nil {
			return err
		}
	}
	if len(js) > 0 {
		return a.DB.Jobs().Enqueue(ctx, js...)
	}
	return nil
}

// dealerEmail tells dealer d that complaint c of its customer cu is
// theirs to serve.
func dealerEmail(c *complaint.Complaint, cu, d *customer.Customer, company string) notify.Message {
	subject := fmt.Sprintf("【%s】请处理您的客户投诉 %s", company, c.Number)
	text := fmt.Sprintf("%s：\n\n您的下级客户“%s”的投诉 %s（%s）已登记。按“谁销售谁服务”的原则，该投诉的售后服务由贵司负责，我司客服部将协助处理。\n\n投诉内容：%s\n\n%s\n",
		d.Name, cu.Name, c.Number, c.Subject, c.Description, company)
	return notify.Message{To: []string{d.Email}, Subject: subject, Text: text,
		Headers: map[string]string{"X-Kesu-Notice": "served-by-dealer"}}
}
