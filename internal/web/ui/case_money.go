package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	fin "kesu/internal/money"
)

// caseLoss records the costs of a case; the costing rule prices them
// (FIN-2).
func (h *handler) caseLoss(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	in := fin.LossInput{Parts: d.str("parts"), Freight: d.str("freight"), Compensation: d.str("compensation")}
	var v apperr.Validation
	count := func(name string) int64 {
		s := d.str(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			v.Add(name, "invalid_value", "")
		}
		return n
	}
	in.LabourMinutes, in.ReturnedUnits = count("labour_minutes"), count("returned_units")
	if err := v.Err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if _, err := h.d.Cases.SetLoss(r.Context(), id, formVersion(r), in, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// casePenalty records the reward/penalty notice from the form's rows
// (party "d:", "u:" or "s:" with an id, kind, amount, reason); blank rows
// are skipped.
func (h *handler) casePenalty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	var lines []fin.PenaltyLineInput
	var v apperr.Validation
	for i := 0; i < 50; i++ {
		n := strconv.Itoa(i)
		party, amount := d.str("party_"+n), d.str("amount_"+n)
		if party == "" && amount == "" {
			continue
		}
		l := fin.PenaltyLineInput{Kind: d.str("kind_" + n), Amount: amount, Reason: d.str("reason_" + n)}
		kind, raw, _ := strings.Cut(party, ":")
		pid, perr := strconv.ParseInt(raw, 10, 64)
		switch {
		case perr != nil:
		case kind == "d":
			l.DepartmentID = &pid
		case kind == "u":
			l.UserID = &pid
		case kind == "s":
			l.SupplierID = &pid
		}
		lines = append(lines, l)
	}
	if err := v.Err(); err != nil {
		h.refused(w, r, id, err)
		return
	}
	if _, err := h.d.Cases.SetPenalty(r.Context(), id, formVersion(r), "", lines, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// casePenaltyApprove is the GM's approval of the notice as shown.
func (h *handler) casePenaltyApprove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Cases.ApprovePenalty(r.Context(), id, formVersion(r), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// caseCredit writes the credit note from the form: a reason and rows of
// receivable number and amount (blank rows skipped).
func (h *handler) caseCredit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	in := fin.CreditInput{Reason: d.str("reason")}
	for i := 0; i < fin.MaxReceivables; i++ {
		n := strconv.Itoa(i)
		ref, amount := d.str("ref_"+n), d.str("ramount_"+n)
		if ref == "" && amount == "" {
			continue
		}
		in.Receivables = append(in.Receivables, fin.ReceivableInput{Ref: ref, Amount: amount})
	}
	if _, err := h.d.Cases.SaveCredit(r.Context(), id, formVersion(r), in, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// caseCreditIssue issues the approved credit note to the customer.
func (h *handler) caseCreditIssue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Cases.IssueCredit(r.Context(), id, formVersion(r), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// caseCreditSign files the customer's signed copy of the credit note.
func (h *handler) caseCreditSign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	if _, err := h.d.Cases.SignCredit(r.Context(), id, "upload", d.str("signer"), d.int("attachment_id"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "money")
}

// caseReturn writes and approves the return slip 成品退货单 (RET-1).
func (h *handler) caseReturn(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	qty, _ := strconv.ParseInt(d.str("approved_qty"), 10, 64)
	in := fin.ReturnInput{Reason: d.str("reason"), Handling: d.str("handling"), ApprovedQty: qty}
	if _, err := h.d.Cases.SaveReturn(r.Context(), id, formVersion(r), in, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "returns")
}

// caseReturnReceive records the quantity the warehouse received and
// signed for.
func (h *handler) caseReturnReceive(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	qty, perr := strconv.ParseInt(d.str("received_qty"), 10, 64)
	if perr != nil {
		qty = -1 // refused with a field error
	}
	if _, err := h.d.Cases.ReceiveReturn(r.Context(), id, qty, d.str("signer"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "returns")
}

// caseReturnStep records the next step of defective goods.
func (h *handler) caseReturnStep(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	if _, err := h.d.Cases.ReturnStep(r.Context(), id, d.str("step"), d.str("note"), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "returns")
}
