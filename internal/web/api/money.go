package api

import (
	"net/http"

	"kesu/internal/casework"
	fin "kesu/internal/money"
	"kesu/internal/web"
)

// Money of a case (FIN-2): its costed loss, the allocation to the
// responsible parties, the reward/penalty notice, and the monthly list.
// Amounts are integer fen in answers; requests give major units as
// strings ("120.50").

// shareView is one party's part of the loss, with its name.
type shareView struct {
	casework.Share
	Name string `json:"name"`
}

type moneyResponse struct {
	Rates      fin.Rates       `json:"rates"`
	Loss       *fin.Loss       `json:"loss"`
	Allocation []shareView     `json:"allocation"`
	Penalty    *fin.Penalty    `json:"penalty"`
	Credit     *fin.CreditNote `json:"credit_note"`
	Version    int             `json:"version"` // the case version to send with a change
}

func (a *api) moneyView(r *http.Request, id int64) (*moneyResponse, error) {
	ctx := r.Context()
	m, err := a.d.Cases.MoneyOf(ctx, id, caseActor(r))
	if err != nil {
		return nil, err
	}
	rec, err := a.d.Cases.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	resp := &moneyResponse{Rates: m.Rates, Loss: m.Loss, Penalty: m.Penalty, Credit: m.Credit, Allocation: []shareView{}, Version: rec.Version}
	for _, s := range m.Allocation {
		resp.Allocation = append(resp.Allocation, shareView{Share: s, Name: a.partyName(r, s.DepartmentID, s.UserID, s.SupplierID)})
	}
	return resp, nil
}

// partyName names a department, person or supplier; "" when unknown.
func (a *api) partyName(r *http.Request, dept, user, supplier *int64) string {
	ctx := r.Context()
	switch {
	case user != nil:
		if u, err := a.d.Org.GetUser(ctx, *user); err == nil {
			return u.Name
		}
	case supplier != nil:
		if s, err := a.d.Products.GetSupplier(ctx, *supplier); err == nil {
			return s.Name
		}
	case dept != nil:
		if d, err := a.d.Org.GetDepartment(ctx, *dept); err == nil {
			return d.Name
		}
	}
	return ""
}

func (a *api) writeMoney(w http.ResponseWriter, r *http.Request, status int, id int64) {
	resp, err := a.moneyView(r, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, resp)
}

func (a *api) getMoney(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

// lossRequest records the costs of a case; the rule costs them.
type lossRequest struct {
	fin.LossInput
	Version *int `json:"version"`
}

func (a *api) putLoss(w http.ResponseWriter, r *http.Request) {
	var in lossRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.SetLoss(r.Context(), id, *in.Version, in.LossInput, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

// penaltyRequest is the reward/penalty notice of a case.
type penaltyRequest struct {
	Version  *int                   `json:"version"`
	Currency string                 `json:"currency"`
	Lines    []fin.PenaltyLineInput `json:"lines"`
}

func (a *api) putPenalty(w http.ResponseWriter, r *http.Request) {
	var in penaltyRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.SetPenalty(r.Context(), id, *in.Version, in.Currency, in.Lines, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

// versionRequest names the case version a person saw.
type versionRequest struct {
	Version *int `json:"version"`
}

func (a *api) approvePenalty(w http.ResponseWriter, r *http.Request) {
	var in versionRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.ApprovePenalty(r.Context(), id, *in.Version, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

// penalties answers the monthly reward/penalty list (month=YYYY-MM, last
// month by default) as JSON or, with format, as a file.
func (a *api) penalties(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	format := q.oneOf("format", web.StatisticsFormats)
	month := q.str("month")
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	m, err := a.d.Money.Month(r.Context(), month)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if format != "" {
		web.WritePenalties(w, r, a.d, m, format, web.Lang(r))
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

// creditRequest is the credit note 销货折让证明单 of a case.
type creditRequest struct {
	fin.CreditInput
	Version *int `json:"version"`
}

func (a *api) putCredit(w http.ResponseWriter, r *http.Request) {
	var in creditRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.SaveCredit(r.Context(), id, *in.Version, in.CreditInput, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

func (a *api) issueCredit(w http.ResponseWriter, r *http.Request) {
	var in versionRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.IssueCredit(r.Context(), id, *in.Version, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

// signCreditRequest files the customer's signed copy (an attachment of
// the complaint).
type signCreditRequest struct {
	AttachmentID *int64 `json:"attachment_id"`
	Signer       string `json:"signer"`
}

func (a *api) signCredit(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in signCreditRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.SignCredit(r.Context(), id, "upload", in.Signer, in.AttachmentID, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeMoney(w, r, http.StatusOK, id)
}

type flaggedList struct {
	Items []fin.FlaggedReceivable `json:"items"`
}

// flaggedReceivables lists the receivables under standing credit notes:
// the collection-bonus report leaves them out.
func (a *api) flaggedReceivables(w http.ResponseWriter, r *http.Request) {
	items, err := a.d.Money.Flagged(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, flaggedList{Items: items})
}
