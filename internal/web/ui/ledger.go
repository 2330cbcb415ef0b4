package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/customer"
	"kesu/internal/incident"
	"kesu/internal/org"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// ledgerEntryView is one line of a dealer's after-sales account.
type ledgerEntryView struct {
	incident.Entry
	Amount string
	By     string
	Number string // the complaint's number
}

// ledgerView is a dealer's after-sales account page.
type ledgerView struct {
	Customer                                                             *customer.Customer
	Entries                                                              []ledgerEntryView
	Purchases, Allowances, Charges, Payments, Credit, Balance, Available string
	Exhausted                                                            bool
	CanPost                                                              bool // may record charges outside complaints
	CanBook                                                              bool // may book purchases and payments (finance)
	Manager                                                              bool // may approve credit
	// Rate is the allowance rate in force in percent: the dealer's own
	// (Own) or the company default (Default); CanRate: may set it.
	Rate, Default string
	Own, CanRate  bool
}

// ledgerForms are the forms of the page, by path segment.
var ledgerForms = []string{"purchase", "charge", "payment", "credit"}

// canPostLedger: the register's writers and finance keep dealer accounts.
func canPostLedger(role string) bool {
	return canDo(role, "register.write") || role == org.RoleFinance
}

// ledgerShow shows an A-class dealer's after-sales account.
func (h *handler) ledgerShow(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.ledger")
	switch r.URL.Query().Get("posted") {
	case "purchase", "charge", "payment", "credit", "rate":
		p.Flash = web.T(p.L, "ui.ledger.posted."+r.URL.Query().Get("posted"))
	}
	h.showLedger(w, r, p, http.StatusOK)
}

func (h *handler) showLedger(w http.ResponseWriter, r *http.Request, p *page, status int) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cu, err := h.d.Customers.GetCustomer(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if cu.Class != customer.ClassDealer {
		h.fail(w, r, &apperr.Error{Code: apperr.Invalid, Message: "only A-class dealers have an after-sales account",
			Fields: []apperr.FieldError{{Field: "customer_id", Rule: "not_dealer"}}})
		return
	}
	entries, b, err := h.d.Ledger.Account(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, who, err := h.userNames(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav = "customers"
	p.Title = web.T(p.L, "ui.ledger") + " · " + cu.Name
	v := &ledgerView{Customer: cu, Purchases: money(b.Purchases), Allowances: money(b.Allowances), Charges: money(b.Charges),
		Payments: money(b.Payments), Credit: money(b.Credit), Balance: signedMoney(b.Amount()), Available: signedMoney(b.Available()),
		Exhausted: b.Available() <= 0}
	if p.User != nil {
		v.CanPost = canPostLedger(p.User.Role)
		v.CanBook = canDo(p.User.Role, "receivable.write")
		v.Manager = p.User.Role == org.RoleManager
		v.CanRate = canDo(p.User.Role, "register.write")
	}
	own, err := h.d.Ledger.Store.AllowanceRate(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Default = money(int64(h.d.Ledger.DefaultRate()))
	v.Rate, v.Own = v.Default, own != nil
	if own != nil {
		v.Rate = money(*own)
	}
	// Newest first, each with its case.
	numbers := map[int64]string{}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		ev := ledgerEntryView{Entry: e, Amount: money(e.Amount), By: who.of(e.ByUserID)}
		if e.ComplaintID != nil {
			n, ok := numbers[*e.ComplaintID]
			if !ok {
				if c, err := h.d.ComplaintStore.Get(r.Context(), *e.ComplaintID); err == nil {
					n = c.Number
				}
				numbers[*e.ComplaintID] = n
			}
			ev.Number = n
		}
		v.Entries = append(v.Entries, ev)
	}
	p.D = v
	h.render(w, status, "staff", "ledger", p)
}

// signedMoney formats fen as major units with a minus sign below zero.
func signedMoney(fen int64) string {
	if fen < 0 {
		return "-" + money(-fen)
	}
	return money(fen)
}

// ledgerPost records a purchase, a charge for free parts, a payment or a
// credit approval; a refusal (allowance exhausted, not a manager) comes
// back on the page with the message.
func (h *handler) ledgerPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form := r.PathValue("form")
	p := h.newPage(r, "ui.ledger")
	p.F = r.PostForm
	p.F.Set("form", form)
	amount, err := ledgerAmount(r.PostFormValue("amount"))
	if err == nil {
		err = h.postLedger(r, id, form, amount)
	}
	if err != nil {
		code := apperr.CodeOf(err)
		if !formErrors(p, err) {
			if code != apperr.Forbidden {
				h.fail(w, r, err)
				return
			}
			p.Error = web.Localize(err, p.L).Error.Message
		}
		if ae, ok := err.(*apperr.Error); ok {
			for _, f := range ae.Fields {
				if f.Rule == incident.RuleAllowanceExhausted {
					n, _ := strconv.ParseInt(f.Param, 10, 64)
					p.Errs["amount"] = web.T(p.L, "rule."+f.Rule, signedMoney(n))
				}
			}
		}
		h.showLedger(w, r, p, web.Status(code))
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"/ledger?posted="+form, http.StatusSeeOther)
}

func (h *handler) postLedger(r *http.Request, id int64, form string, amount int64) error {
	ctx, actor, note := r.Context(), caseActor(r), r.PostFormValue("note")
	if actor.User == nil || (form != "credit" && !canPostLedger(actor.User.Role)) {
		return &apperr.Error{Code: apperr.Forbidden, Message: "you may not post to dealer accounts",
			Fields: []apperr.FieldError{{Field: "actor", Rule: "role"}}}
	}
	var complaintID *int64
	if s := strings.TrimSpace(r.PostFormValue("complaint_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return &apperr.Error{Code: apperr.Invalid, Message: "bad complaint id",
				Fields: []apperr.FieldError{{Field: "complaint_id", Rule: "invalid_id"}}}
		}
		complaintID = &n
	}
	var err error
	switch form {
	case "purchase":
		_, err = h.d.Ledger.RecordPurchase(ctx, id, amount, note, actor)
	case "charge":
		_, err = h.d.Ledger.Charge(ctx, id, complaintID, amount, note, actor)
	case "payment":
		_, err = h.d.Ledger.RecordPayment(ctx, id, amount, note, actor)
	case "credit":
		_, err = h.d.Ledger.ApproveCredit(ctx, id, complaintID, amount, note, actor)
	default:
		err = apperr.New(apperr.NotFound, "no ledger form %q", form)
	}
	return err
}

// ledgerRate sets or clears the dealer's own allowance rate (percent, ""
// for the company default) through the ledger service, as
// PUT /api/v1/dealers/{id}/allowance-rate does; it applies to purchases
// booked from then on and is audited as ledger.rate.
func (h *handler) ledgerRate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Customers.GetCustomer(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("rate")), "%"))
	bp, err := incident.ParseRate(s)
	if err == nil {
		err = h.d.Ledger.SetRate(r.Context(), id, bp, caseActor(r))
	}
	if err != nil {
		p := h.newPage(r, "ui.ledger")
		p.F = r.PostForm
		p.F.Set("form", "rate")
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showLedger(w, r, p, web.Status(apperr.CodeOf(err)))
		return
	}
	http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"/ledger?posted=rate", http.StatusSeeOther)
}

// ledgerAmount reads a positive amount in major units as fen.
func ledgerAmount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	n, ok := normalAmount(strings.TrimPrefix(s, "-"))
	if !ok {
		return 0, amountError("amount")
	}
	if strings.HasPrefix(s, "-") {
		n = "-" + n
	}
	a, err := workflow.ParseAmount(n)
	if err != nil || a <= 0 {
		return 0, &apperr.Error{Code: apperr.Invalid, Message: "the amount must be positive, at most two decimals",
			Fields: []apperr.FieldError{{Field: "amount", Rule: "positive"}}}
	}
	return int64(a), nil
}
