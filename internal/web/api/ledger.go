package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/incident"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// balanceView is a dealer's after-sales account in yuan (CUS-3).
type balanceView struct {
	Purchases      string `json:"purchases"`
	Allowance      string `json:"allowance"`
	Charges        string `json:"charges"`
	Payments       string `json:"payments"`
	ApprovedCredit string `json:"approved_credit"`
	Balance        string `json:"balance"`   // allowance + payments − charges; below zero only within credit
	Available      string `json:"available"` // what may still be charged
}

// entryView is one ledger line in yuan.
type entryView struct {
	ID              int64     `json:"id"`
	Kind            string    `json:"kind"`
	Amount          string    `json:"amount"`
	ComplaintNumber string    `json:"complaint_number,omitempty"`
	Note            string    `json:"note,omitempty"`
	ByUserID        *int64    `json:"by_user_id,omitempty"`
	At              time.Time `json:"at"`
}

type ledgerResponse struct {
	DealerID int64 `json:"dealer_id"`
	// AllowanceRate is the dealer's allowance in percent of purchases
	// (its own or the company default), e.g. "0.50".
	AllowanceRate string      `json:"allowance_rate"`
	Balance       balanceView `json:"balance"`
	Entries       []entryView `json:"entries"`
}

// signed renders fen that may be negative.
func signed(fen int64) string {
	if fen < 0 {
		return "-" + money(-fen)
	}
	return money(fen)
}

// dealerOf resolves the customer in the path; an unknown one is not found.
func (a *api) dealerOf(r *http.Request) (int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, err
	}
	if _, err := a.d.Customers.GetCustomer(r.Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}

func (a *api) ledgerView(r *http.Request, dealerID int64) (*ledgerResponse, error) {
	ctx := r.Context()
	entries, b, err := a.d.Ledger.Account(ctx, dealerID)
	if err != nil {
		return nil, err
	}
	rate, err := a.d.Ledger.RateOf(ctx, dealerID)
	if err != nil {
		return nil, err
	}
	resp := &ledgerResponse{DealerID: dealerID, Entries: []entryView{}, AllowanceRate: money(int64(rate)),
		Balance: balanceView{Purchases: money(b.Purchases), Allowance: money(b.Allowances), Charges: money(b.Charges),
			Payments: money(b.Payments), ApprovedCredit: money(b.Credit), Balance: signed(b.Amount()), Available: signed(b.Available())}}
	numbers := map[int64]string{}
	for _, e := range entries {
		v := entryView{ID: e.ID, Kind: e.Kind, Amount: money(e.Amount), Note: e.Note, ByUserID: e.ByUserID, At: e.At}
		if e.ComplaintID != nil {
			n, ok := numbers[*e.ComplaintID]
			if !ok {
				if c, err := a.d.ComplaintStore.Get(ctx, *e.ComplaintID); err == nil {
					n = c.Number
				}
				numbers[*e.ComplaintID] = n
			}
			v.ComplaintNumber = n
		}
		resp.Entries = append(resp.Entries, v)
	}
	return resp, nil
}

func (a *api) getLedger(w http.ResponseWriter, r *http.Request) {
	id, err := a.dealerOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	resp, err := a.ledgerView(r, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// ledgerRequest posts one entry; Amount is yuan, e.g. "300.00".
type ledgerRequest struct {
	Kind            string `json:"kind"`
	Amount          string `json:"amount"`
	ComplaintNumber string `json:"complaint_number"`
	Note            string `json:"note"`
}

// ledgerKinds are the entries a person posts; allowances follow purchases.
var ledgerKinds = []string{incident.EntryPurchase, incident.EntryCharge, incident.EntryPayment, incident.EntryCreditApproval}

// postLedger books a purchase (with its allowance), a free-parts charge,
// a payment or an account manager's credit approval. A charge beyond what
// is available is a 409 whose message names the available amount.
func (a *api) postLedger(w http.ResponseWriter, r *http.Request) {
	id, err := a.dealerOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in ledgerRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var v apperr.Validation
	v.OneOf("kind", in.Kind, ledgerKinds)
	amount, perr := workflow.ParseAmount(in.Amount)
	if in.Amount == "" {
		v.Add("amount", "required", "")
	} else if perr != nil || amount == workflow.Unlimited {
		v.Add("amount", "invalid_amount", "")
	}
	var complaintID *int64
	if in.ComplaintNumber != "" {
		cid, err := a.otherComplaint(r.Context(), "complaint_number", in.ComplaintNumber)
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == apperr.Invalid {
			v.Add("complaint_number", "not_found", "")
		} else if err != nil {
			web.WriteError(w, r, err)
			return
		}
		complaintID = &cid
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	ctx, act, fen := r.Context(), caseActor(r), int64(amount)
	switch in.Kind {
	case incident.EntryPurchase:
		_, err = a.d.Ledger.RecordPurchase(ctx, id, fen, in.Note, act)
	case incident.EntryCharge:
		_, err = a.d.Ledger.Charge(ctx, id, complaintID, fen, in.Note, act)
	case incident.EntryPayment:
		_, err = a.d.Ledger.RecordPayment(ctx, id, fen, in.Note, act)
	case incident.EntryCreditApproval:
		_, err = a.d.Ledger.ApproveCredit(ctx, id, complaintID, fen, in.Note, act)
	}
	if err != nil {
		web.WriteError(w, r, yuanParams(err))
		return
	}
	resp, err := a.ledgerView(r, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, resp)
}

// yuanParams turns the fen the ledger puts in an exhausted-allowance error
// into yuan for the message.
func yuanParams(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	cp := *ae
	cp.Fields = make([]apperr.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		if f.Rule == incident.RuleAllowanceExhausted {
			if n, perr := strconv.ParseInt(f.Param, 10, 64); perr == nil {
				f.Param = signed(n)
			}
		}
		cp.Fields[i] = f
	}
	return &cp
}

// rateRequest is a dealer's own allowance rate in percent; "" returns it
// to the company default.
type rateRequest struct {
	Rate string `json:"rate"`
}

// putAllowanceRate sets a dealer's allowance rate (004 §6.3 d); it applies
// to purchases booked from then on.
func (a *api) putAllowanceRate(w http.ResponseWriter, r *http.Request) {
	id, err := a.dealerOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in rateRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	bp, err := incident.ParseRate(in.Rate)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Ledger.SetRate(r.Context(), id, bp, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	resp, err := a.ledgerView(r, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, resp)
}
