package api

import (
	"net/http"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/web"
)

// getForm answers a printable form of a complaint as a PDF:
// handling.pdf (客户投诉处理单, one page set per numbered copy),
// letter.pdf (受理函) or 8d.pdf. Personal data is masked for roles
// without personal.read; every print is audit-logged.
func (a *api) getForm(w http.ResponseWriter, r *http.Request) {
	form, ok := strings.CutSuffix(r.PathValue("form"), ".pdf")
	if !ok {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "forms are served as .pdf"))
		return
	}
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	doc, err := web.FormDoc(r.Context(), r, a.d, c, form, can(r, auth.PersonalData))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.ServeFormPDF(w, r, doc, form)
}
