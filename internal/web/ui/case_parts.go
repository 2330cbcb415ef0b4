package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/customer"
	"kesu/internal/incident"
	fin "kesu/internal/money"
	"kesu/internal/web"
)

// partView is one part shipment on the case page.
type partView struct {
	fin.PartShipment
	By string
}

// partsView is the parts card of the case page (004 §6.3, CUS-3): the
// shipments, and for a dealer's case the dealer whose after-sales
// allowance pays and what it still covers.
type partsView struct {
	Items     []partView
	Dealer    *customer.Customer
	Balance   string // yuan: allowances and payments less charges
	Available string // yuan, the balance plus approved credit; negative when below zero
	Rate      string // the dealer's allowance rate in percent
	Exhausted bool
	// Why the reader may not record parts: the case gate's reasons, or
	// that a finished case is frozen.
	Why []string
}

// partsOf assembles the parts card for a case the reader may read.
func (h *handler) partsOf(ctx context.Context, v *caseView, who names, lang string) error {
	ps, err := h.d.Cases.Store.Parts(ctx, v.R.ComplaintID)
	if err != nil {
		return err
	}
	pv := &partsView{}
	if !v.CanUpdate {
		pv.Why = v.UpdateWhy
		if !v.Open {
			pv.Why = []string{web.T(lang, "rule."+casework.RuleCaseFinal, v.State)}
		}
	}
	for _, p := range ps {
		pv.Items = append(pv.Items, partView{PartShipment: p, By: who.of(p.ByUserID)})
	}
	v.Parts = pv
	cust, class, err := h.d.Cases.Store.PartsCustomer(ctx, v.R.ComplaintID)
	if err != nil || cust == nil || class != customer.ClassDealer || h.d.Ledger == nil {
		return err
	}
	if pv.Dealer, err = h.d.Customers.GetCustomer(ctx, *cust); err != nil {
		return err
	}
	_, b, err := h.d.Ledger.Account(ctx, *cust)
	if err != nil {
		return err
	}
	rate, err := h.d.Ledger.RateOf(ctx, *cust)
	if err != nil {
		return err
	}
	pv.Balance, pv.Available, pv.Exhausted, pv.Rate = signedMoney(b.Amount()), signedMoney(b.Available()), b.Available() <= 0, money(int64(rate))
	return nil
}

// caseParts records parts sent on the case through the case service, as
// the API does: priced by the customer's class, a dealer's shipment
// charged to its allowance in the same transaction, refused beyond it.
// The amount is typed as people type money ("1,200", "¥1,200.00").
func (h *handler) caseParts(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	in := fin.PartsInput{Part: d.str("part"), UnitPrice: d.str("unit_price"), InWarranty: d.bool("in_warranty"), Note: d.str("note")}
	if s, ok := normalAmount(in.UnitPrice); ok {
		in.UnitPrice = s
	}
	if in.Qty, err = strconv.ParseInt(d.str("qty"), 10, 64); err != nil {
		in.Qty = -1 // refused with the field error of a quantity
	}
	if _, err := h.d.Cases.ShipParts(r.Context(), id, formVersion(r), in, caseActor(r)); err != nil {
		h.refusedIn(w, r, id, yuanParam(err), "parts.")
		return
	}
	afterCase(w, r, id, "parts")
}

// yuanParam turns the fen an exhausted allowance reports as available
// into yuan for the message.
func yuanParam(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	cp := *ae
	cp.Fields = make([]apperr.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		if f.Rule == incident.RuleAllowanceExhausted {
			if n, perr := strconv.ParseInt(f.Param, 10, 64); perr == nil {
				f.Param = signedMoney(n)
			}
		}
		cp.Fields[i] = f
	}
	return &cp
}
