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
	case printform.FormHandling, printform.Form8D, printform.FormCredit, printform.FormReturn:
	default:
		return printform.Doc{}, apperr.New(apperr.NotFound, "no form %q", form)
	}
	fc, err := caseForm(ctx, d, c)
	if err != nil {
		return printform.Doc{}, err
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
// Chinese.
func caseForm(ctx context.Context, d *Deps, c *complaint.Complaint) (printform.Case, error) {
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
		fc.Category = k.ZH
		if p, ok := byCode[k.Parent]; ok {
			fc.Category = p.ZH + " / " + k.ZH
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
	fc.Status = complaint.Statuses.Label(c.Status, "zh")
	if d.Cases == nil {
		return fc, nil
	}
	rec, err := d.Cases.Load(ctx, c.ID)
	if err != nil {
		return fc, err
	}
	fc.Record = rec
	if st, ok := d.Cases.Definition(rec).State(rec.Status); ok {
		fc.Status = st.Label("zh")
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
