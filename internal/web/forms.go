package web

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/letter"
	"kesu/internal/money"
	"kesu/internal/printform"
	"kesu/internal/privacy"
)

// FormDoc builds a printable form of complaint c for the request's user:
// personal data masked unless personal is set. The print is audit-logged.
func FormDoc(ctx context.Context, r *http.Request, d *Deps, c *complaint.Complaint, form string, personal bool) (printform.Doc, error) {
	if !personal {
		m := privacy.Complaint(*c)
		c = &m
	}
	e := &audit.Entry{Actor: Actor(r), Action: "form.print", Object: "complaint:" + strconv.FormatInt(c.ID, 10),
		Detail: []byte(`{"form":"` + form + `"}`)}
	switch form {
	case printform.FormLetter:
		l, err := letter.Render(letter.New(c, d.Company, d.BaseURL, d.Complaints.Loc), "zh")
		if err != nil {
			return printform.Doc{}, err
		}
		if err := d.Audit.Append(ctx, e); err != nil {
			return printform.Doc{}, err
		}
		return printform.Letter(l, c.Number, d.Company), nil
	case printform.FormHandling, printform.Form8D, printform.FormCredit, printform.FormReturn, printform.FormPenalty:
	default:
		return printform.Doc{}, apperr.New(apperr.NotFound, "no form %q", form)
	}
	lang := "zh"
	if form == printform.FormPenalty {
		lang = Lang(r) // the notice prints in Chinese or English
	}
	fc, err := caseForm(ctx, d, c, lang)
	if err != nil {
		return printform.Doc{}, err
	}
	if form == printform.FormPenalty {
		pc, err := penaltyForm(ctx, d, fc, casework.Actor{User: PrincipalOf(r).User, Audit: Actor(r)})
		if err != nil {
			return printform.Doc{}, err
		}
		if err := d.Audit.Append(ctx, e); err != nil {
			return printform.Doc{}, err
		}
		return printform.PenaltyNotice(pc, lang), nil
	}
	if err := d.Audit.Append(ctx, e); err != nil {
		return printform.Doc{}, err
	}
	if form == printform.Form8D {
		return printform.Report8D(fc), nil
	}
	if form == printform.FormCredit {
		// Only an approved credit note is printed for the customer and
		// accounting (FIN-1).
		n, err := d.Cases.Credit(ctx, c.ID, casework.Actor{User: PrincipalOf(r).User, Audit: Actor(r)})
		if err != nil {
			return printform.Doc{}, err
		}
		if n == nil || !n.Approved {
			return printform.Doc{}, &apperr.Error{Code: apperr.Conflict, Message: "the credit note is not approved",
				Fields: []apperr.FieldError{{Field: "credit_note", Rule: casework.RuleCreditNotApproved}}}
		}
		return printform.CreditNote(fc, n), nil
	}
	if form == printform.FormReturn {
		n, err := d.Cases.Return(ctx, c.ID, casework.Actor{User: PrincipalOf(r).User, Audit: Actor(r)})
		if err != nil {
			return printform.Doc{}, err
		}
		if n == nil {
			return printform.Doc{}, apperr.New(apperr.NotFound, "complaint %s has no return slip", c.Number)
		}
		return printform.ReturnSlip(fc, n), nil
	}
	return printform.HandlingForm(fc), nil
}

// caseForm gathers what the case forms print, with names and labels in
// lang.
func caseForm(ctx context.Context, d *Deps, c *complaint.Complaint, lang string) (printform.Case, error) {
	fc := printform.Case{Complaint: c, Company: d.Company, Loc: d.Complaints.Loc, Printed: d.Now()}
	cats, err := d.ComplaintStore.Categories(ctx)
	if err != nil {
		return fc, err
	}
	byCode := map[string]complaint.Category{}
	for _, k := range cats {
		byCode[k.Code] = k
	}
	if k, ok := byCode[c.Category]; ok {
		fc.Category = k.Label(lang)
		if p, ok := byCode[k.Parent]; ok {
			fc.Category = p.Label(lang) + " / " + k.Label(lang)
		}
	}
	users, err := d.Org.ListUsers(ctx)
	if err != nil {
		return fc, err
	}
	userName := map[int64]string{}
	for _, u := range users {
		userName[u.ID] = u.Name
	}
	depts, err := d.Org.ListDepartments(ctx)
	if err != nil {
		return fc, err
	}
	deptName := map[int64]string{}
	for _, x := range depts {
		deptName[x.ID] = x.Name
	}
	fc.Name = func(id *int64) string {
		if id == nil {
			return ""
		}
		return userName[*id]
	}
	if c.DepartmentID != nil {
		fc.Department = deptName[*c.DepartmentID]
	}
	fc.Holder = fc.Name(c.HolderID)
	fc.Status = complaint.Statuses.Label(c.Status, lang)
	if d.Cases == nil {
		return fc, nil
	}
	rec, err := d.Cases.Load(ctx, c.ID)
	if err != nil {
		return fc, err
	}
	fc.Record = rec
	if st, ok := d.Cases.Definition(rec).State(rec.Status); ok {
		fc.Status = st.Label(lang)
	}
	if fc.Approvals, err = d.Cases.Store.Approvals(ctx, c.ID); err != nil {
		return fc, err
	}
	if fc.CAPA, err = d.Cases.Store.CAPA(ctx, c.ID); err != nil {
		return fc, err
	}
	if fc.FollowUps, err = d.Cases.Store.FollowUps(ctx, c.ID); err != nil {
		return fc, err
	}
	sups, err := d.Products.ListSuppliers(ctx)
	if err != nil {
		return fc, err
	}
	supName := map[int64]string{}
	for _, s := range sups {
		supName[s.ID] = s.Name
	}
	fc.Owner = func(a casework.CAPAAction) string {
		var parts []string
		if a.OwnerUserID != nil {
			parts = append(parts, userName[*a.OwnerUserID])
		}
		if a.OwnerDepartmentID != nil {
			parts = append(parts, deptName[*a.OwnerDepartmentID])
		}
		if a.SupplierID != nil {
			parts = append(parts, supName[*a.SupplierID])
		}
		return strings.Join(parts, " / ")
	}
	return fc, nil
}

// RulePenaltyNotApproved refuses printing a notice the GM has not approved.
const RulePenaltyNotApproved = "penalty_not_approved"

// penaltyForm gathers the reward/penalty notice of a case with its loss
// and the allocation by name. Only an approved notice is printed for HR
// and finance, as only an approved credit note is (FIN-2): a notice
// waiting for the GM, or changed since the approval, is a conflict.
func penaltyForm(ctx context.Context, d *Deps, fc printform.Case, actor casework.Actor) (printform.PenaltyCase, error) {
	pc := printform.PenaltyCase{Case: fc}
	m, err := d.Cases.MoneyOf(ctx, fc.Complaint.ID, actor)
	if err != nil {
		return pc, err
	}
	if m.Penalty == nil {
		return pc, apperr.New(apperr.NotFound, "complaint %s has no reward/penalty notice", fc.Complaint.Number)
	}
	if m.Penalty.Status != money.StatusApproved {
		return pc, &apperr.Error{Code: apperr.Conflict, Message: "the reward/penalty notice is not approved by the general manager",
			Fields: []apperr.FieldError{{Field: "penalty", Rule: RulePenaltyNotApproved}}}
	}
	pc.Loss, pc.Notice, pc.Approver = m.Loss, m.Penalty, fc.Name(m.Penalty.ApprovedBy)
	depts, err := d.Org.ListDepartments(ctx)
	if err != nil {
		return pc, err
	}
	sups, err := d.Products.ListSuppliers(ctx)
	if err != nil {
		return pc, err
	}
	for _, sh := range m.Allocation {
		a := printform.Allocation{Share: sh.Share, Amount: sh.Amount}
		switch {
		case sh.UserID != nil:
			a.Party = fc.Name(sh.UserID)
		case sh.SupplierID != nil:
			for _, x := range sups {
				if x.ID == *sh.SupplierID {
					a.Party = x.Name
				}
			}
		case sh.DepartmentID != nil:
			for _, x := range depts {
				if x.ID == *sh.DepartmentID {
					a.Party = x.Name
				}
			}
		}
		pc.Allocation = append(pc.Allocation, a)
	}
	return pc, nil
}

// ServeFormPDF writes doc as a PDF shown in the browser (inline), named
// after the form and the complaint.
func ServeFormPDF(w http.ResponseWriter, r *http.Request, doc printform.Doc, form string) {
	var buf bytes.Buffer
	if err := printform.WritePDF(&buf, doc); err != nil {
		WriteError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": doc.Number + "-" + form + ".pdf"}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
