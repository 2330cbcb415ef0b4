package api

import (
	"net/http"

	"kesu/internal/letter"
	"kesu/internal/web"
)

// memoRequest is an objection or request to the next approval level (签呈).
type memoRequest struct {
	Body string `json:"body"`
}

// fileMemo files a memo on a case (WF-5); it stays on the internal timeline.
func (a *api) fileMemo(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in memoRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.Memo(r.Context(), id, in.Body, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusCreated, id)
}

// surveyLinkResponse carries a single-use satisfaction survey link.
type surveyLinkResponse struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// createSurveyLink makes a single-use public survey link for a case in
// follow-up (WF-7); the complainant's answer counts as a follow-up visit.
func (a *api) createSurveyLink(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	tok, err := a.d.Cases.SurveyLink(r.Context(), id, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, surveyLinkResponse{URL: letter.SurveyURL(a.d.BaseURL, tok), Token: tok})
}
