package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/web"
)

// surveyPage shows the satisfaction survey of a single-use link (WF-7).
func (h *handler) surveyPage(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.survey")
	tok := r.URL.Query().Get("t")
	if !h.track.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "survey rate limit"))
		return
	}
	sv, err := h.d.Cases.SurveyByToken(r.Context(), tok)
	if apperr.Is(err, apperr.NotFound) || len(tok) > 100 {
		p.Error = web.T(p.L, "ui.survey_unknown")
		h.render(w, http.StatusNotFound, "public", "survey", p)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.F.Set("t", tok)
	p.D = sv
	h.render(w, http.StatusOK, "public", "survey", p)
}

// surveyAnswer records the complainant's score and comment once.
func (h *handler) surveyAnswer(w http.ResponseWriter, r *http.Request) {
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
	p := h.newPage(r, "ui.survey")
	p.F = r.PostForm
	tok := r.PostForm.Get("t")
	sv, err := h.d.Cases.SurveyByToken(r.Context(), tok)
	if apperr.Is(err, apperr.NotFound) {
		p.Error = web.T(p.L, "ui.survey_unknown")
		h.render(w, http.StatusNotFound, "public", "survey", p)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = sv
	score, _ := strconv.Atoi(r.PostForm.Get("satisfaction"))
	comment := strings.TrimSpace(r.PostForm.Get("comment"))
	var v apperr.Validation
	if score < 1 || score > 5 {
		v.Add("satisfaction", "required", "")
	}
	v.Text("comment", comment, 2000)
	if err := v.Err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "public", "survey", p)
		return
	}
	if err := h.d.Cases.AnswerSurvey(r.Context(), tok, score, comment, web.ClientIP(r)); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			sv.Answered = true
			h.render(w, http.StatusConflict, "public", "survey", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	p.Flash = web.T(p.L, "ui.survey_thanks")
	sv.Answered = true
	h.render(w, http.StatusOK, "public", "survey", p)
}
