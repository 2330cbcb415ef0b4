package ui

import (
	"net/http"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/printform"
	"kesu/internal/web"
)

// formPrint shows a printable form of a complaint: "handling" as a
// print-ready A4 page (one sheet per numbered copy), and any form with
// ".pdf" as a PDF (handling.pdf, letter.pdf, 8d.pdf); the credit note,
// the return slip and the reward/penalty notice (in the reader's
// language) as a page and a PDF.
func (h *handler) formPrint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form, pdf := strings.CutSuffix(r.PathValue("form"), ".pdf")
	if !pdf && form != printform.FormHandling && form != printform.FormCredit && form != printform.FormReturn && form != printform.FormPenalty {
		h.fail(w, r, apperr.New(apperr.NotFound, "no printable form %q", form))
		return
	}
	c, err := h.readable(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	doc, err := web.FormDoc(r.Context(), r, h.d, c, form, seesPersonal(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if pdf {
		web.ServeFormPDF(w, r, doc, form)
		return
	}
	p := h.newPage(r, "ui.form.handling")
	p.Title = doc.Title + " " + doc.Number
	pdfURL := "/complaints/" + r.PathValue("id") + "/forms/" + form + ".pdf"
	if form == printform.FormPenalty {
		pdfURL += "?lang=" + p.L // the notice prints in the reader's language
	}
	p.D = struct {
		Doc printform.Doc
		PDF string
	}{doc, pdfURL}
	h.render(w, http.StatusOK, "print", "printform", p)
}
