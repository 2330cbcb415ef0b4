package ui

import (
	"net/http"
	"net/url"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/web"
)

// honeypot is a form field hidden from people by CSS; bots fill it in.
const honeypot = "website"

func (h *handler) publicForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.public_new")
	h.renderPublicForm(w, p, http.StatusOK)
}

func (h *handler) renderPublicForm(w http.ResponseWriter, p *page, status int) {
	p.D = struct{ MaxFiles int }{MaxFiles}
	h.render(w, status, "public", "public_new", p)
}

// publicSubmit files a complaint from the public form: cross-origin check,
// rate limit per address, honeypot, validation; then the receipt page by
// POST-redirect-GET.
func (h *handler) publicSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.CrossOrigin.Check(r); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Forbidden, err, "cross-origin form post"))
		return
	}
	if !h.public.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "public form rate limit"))
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	if r.PostForm.Get(honeypot) != "" {
		h.fail(w, r, &apperr.Error{Code: web.BadRequest, Message: "honeypot filled"})
		return
	}
	p := h.newPage(r, "ui.public_new")
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	c := &complaint.Complaint{
		Channel: "web", Subject: d.str("subject"), Description: d.f.Get("description"), Requests: d.f["requests"],
		Complainant: complaint.Complainant{Name: d.str("complainant.name"), Phone: d.str("complainant.phone"),
			Email: d.str("complainant.email"), Company: d.str("complainant.company")},
		ProductName: d.str("product_name"), BatchNo: d.str("batch_no"),
	}
	// We must be able to answer: a phone number or an email address.
	if c.Complainant.Phone == "" && c.Complainant.Email == "" {
		d.v.Add("complainant.phone", "required", "")
	}
	if c.Complainant.Name == "" {
		d.v.Add("complainant.name", "required", "")
	}
	if err := d.err(); err != nil {
		formErrors(p, err)
		complaint.Normalize(c)
		if verr := complaint.Validate(c, h.d.Now()); verr != nil {
			formErrors(p, verr)
		}
		h.renderPublicForm(w, p, http.StatusUnprocessableEntity)
		return
	}
	ups, err := h.saveUploads(r, "file")
	if err != nil {
		if formErrors(p, err) {
			h.renderPublicForm(w, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	actor := web.Actor(r)
	if _, err := h.d.Complaints.Create(r.Context(), c, complaint.CreateOptions{Actor: actor}); err != nil {
		if formErrors(p, err) {
			h.renderPublicForm(w, p, http.StatusUnprocessableEntity)
			return
		}
		h.fail(w, r, err)
		return
	}
	if err := h.attach(r.Context(), c.ID, ups, true, casework.PublicActor(c.ID, actor)); err != nil {
		h.fail(w, r, err)
		return
	}
	if h.d.Registered != nil {
		h.d.Registered(r.Context(), c)
	}
	http.Redirect(w, r, "/complaint/receipt?"+url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode(), http.StatusSeeOther)
}
