package ui

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	fin "kesu/internal/money"
	"kesu/internal/web"
)

// lookup finds a complaint by number and tracking code for the public
// pages. A wrong number and a wrong code give the same answer, and look-ups
// are rate limited per address.
func (h *handler) lookup(r *http.Request, number, code string) (*complaint.Complaint, error) {
	number, code = strings.TrimSpace(number), strings.ToUpper(strings.TrimSpace(code))
	if !h.track.Allow(web.ClientIP(r)) {
		return nil, apperr.New(apperr.TooMany, "tracking rate limit")
	}
	wrong := &apperr.Error{Code: apperr.NotFound, Message: "wrong number or code",
		Fields: []apperr.FieldError{{Field: "tracking_code", Rule: "wrong_code"}}}
	if number == "" || code == "" || len(number) > 64 || len(code) > 64 {
		return nil, wrong
	}
	c, err := h.d.ComplaintStore.GetByNumber(r.Context(), number)
	if apperr.Is(err, apperr.NotFound) {
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(c.TrackingCode)) != 1 {
		return nil, wrong
	}
	return c, nil
}

// trackPage asks for the number and code, and with both shows the status,
// the public timeline and the public files, with a form to reply.
func (h *handler) trackPage(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.track")
	q := r.URL.Query()
	p.F = url.Values{"n": {q.Get("n")}, "c": {q.Get("c")}}
	if q.Get("n") == "" && q.Get("c") == "" {
		h.render(w, http.StatusOK, "public", "track", p)
		return
	}
	c, err := h.lookup(r, q.Get("n"), q.Get("c"))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			p.Error = web.T(p.L, "rule.wrong_code")
			h.render(w, http.StatusNotFound, "public", "track", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.showTrack(w, r, c, p, http.StatusOK)
}

func (h *handler) showTrack(w http.ResponseWriter, r *http.Request, c *complaint.Complaint, p *page, status int) {
	evs, err := h.d.ComplaintStore.Timeline(r.Context(), c.ID, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	atts, err := h.d.ComplaintStore.Attachments(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var public []complaint.Attachment
	for _, a := range atts {
		if a.Public {
			public = append(public, a)
		}
	}
	var shown []complaint.Event
	for _, e := range evs {
		if e.Public { // the store filters already; never trust one place alone
			shown = append(shown, e)
		}
	}
	// An issued, approved credit note waits for the customer's signature
	// here; a signed one shows as signed.
	var credit *fin.CreditNote
	if h.d.Cases != nil {
		n, err := h.d.Cases.Credit(r.Context(), c.ID, casework.PublicActor(c.ID, web.Actor(r)))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if n != nil && n.Approved && (n.Status == fin.CreditIssued || n.Status == fin.CreditSigned) {
			credit = n
		}
	}
	p.D = struct {
		C           *complaint.Complaint
		Events      []eventView
		Attachments []complaint.Attachment
		MaxFiles    int
		Credit      *fin.CreditNote
	}{c, describeEvents(shown, p.L, true, nil, nil), public, MaxFiles, credit}
	h.render(w, status, "public", "track_show", p)
}

// trackReply adds the complainant's reply or files to the public timeline.
func (h *handler) trackReply(w http.ResponseWriter, r *http.Request) {
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
	n, code := r.PostForm.Get("n"), r.PostForm.Get("c")
	c, err := h.lookup(r, n, code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.track")
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	body := d.str("body")
	var v apperr.Validation
	v.Text("body", body, MaxNote)
	ups, uerr := h.saveUploads(r, "file")
	if body == "" && len(ups) == 0 && uerr == nil {
		v.Add("body", "required", "")
	}
	for _, err := range []error{v.Err(), uerr} {
		if err != nil && !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
	}
	if len(p.Errs) > 0 {
		h.showTrack(w, r, c, p, http.StatusUnprocessableEntity)
		return
	}
	// The tracking code authenticated the complainant of this complaint;
	// what they may add is the case service's to decide.
	actor := casework.PublicActor(c.ID, web.Actor(r))
	if body != "" {
		if err := h.d.Cases.CustomerReply(r.Context(), c.ID, body, actor); err != nil {
			if formErrors(p, err) || apperr.Is(err, apperr.Conflict) {
				if apperr.Is(err, apperr.Conflict) {
					p.Error = conflictText(err, p.L)
				}
				h.showTrack(w, r, c, p, web.Status(apperr.CodeOf(err)))
				return
			}
			h.fail(w, r, err)
			return
		}
	}
	if err := h.attach(r.Context(), c.ID, ups, true, actor); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/track?"+url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode()+"#timeline", http.StatusSeeOther)
}

// trackCredit is the complainant signing the issued credit note on the
// tracking page (FIN-1): their typed name stands for the signature.
func (h *handler) trackCredit(w http.ResponseWriter, r *http.Request) {
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
	c, err := h.lookup(r, r.PostForm.Get("n"), r.PostForm.Get("c"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.track")
	p.F = r.PostForm
	actor := casework.PublicActor(c.ID, web.Actor(r))
	if _, err := h.d.Cases.SignCredit(r.Context(), c.ID, "online", r.PostForm.Get("signer"), nil, actor); err != nil {
		if formErrors(p, err) || apperr.Is(err, apperr.Conflict) {
			if apperr.Is(err, apperr.Conflict) {
				p.Error = conflictText(err, p.L)
			}
			h.showTrack(w, r, c, p, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/track?"+url.Values{"n": {c.Number}, "c": {c.TrackingCode}}.Encode()+"#credit-note", http.StatusSeeOther)
}

// conflictText says why the case refused the complainant's input: its
// first rule in words (the field it names has no input on the tracking
// page), or the general refusal when there is none.
func conflictText(err error, lang string) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		f := ae.Fields[0]
		return web.RuleText(lang, f.Rule, f.Param)
	}
	return web.Localize(err, lang).Error.Message
}
