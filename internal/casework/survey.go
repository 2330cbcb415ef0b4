package casework

import (
	"context"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/workflow"
)

type surveyKey struct{}

// surveyOf returns the follow-up row a public survey answer fills.
func surveyOf(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(surveyKey{}).(int64)
	return id, ok
}

// SurveyLink creates a single-use link for the complainant to rate the
// handling (WF-7) and returns its token; the case must be in follow-up.
func (s *Service) SurveyLink(ctx context.Context, complaintID int64, actor Actor) (string, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return "", err
	}
	before := cloneRecord(r)
	if _, ok := s.Definition(r).Action("follow_up_satisfied"); !ok || !canStart(s.Definition(r), r.Status, "follow_up_satisfied") {
		return "", &apperr.Error{Code: apperr.Conflict, Message: "case is not in follow-up",
			Fields: []apperr.FieldError{{Field: "status", Rule: workflow.RuleWrongState}}}
	}
	tok := auth.RandomToken(24)
	w := Write{Action: "workflow.survey", SurveyTokenHash: auth.HashToken(tok),
		Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "survey_sent", Data: map[string]any{}}}
	if s.SurveyJob != nil {
		j, err := s.SurveyJob(ctx, r, tok)
		if err != nil {
			return "", err
		}
		if j != nil {
			w.Jobs = append(w.Jobs, j)
			w.Event.Data["sent_by"] = j.Kind
		}
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return "", err
	}
	return tok, nil
}

func canStart(d *workflow.Definition, status, action string) bool {
	a, ok := d.Action(action)
	if !ok {
		return false
	}
	for _, f := range a.From {
		if f == status || f == "@open" {
			return true
		}
	}
	return false
}

// Survey is what the public survey page shows.
type Survey struct {
	Number   string
	Answered bool
}

// Scores are the choices of the 5-point scale, best first.
func (Survey) Scores() []int { return []int{5, 4, 3, 2, 1} }

// SurveyByToken looks a survey up for the public page.
func (s *Service) SurveyByToken(ctx context.Context, token string) (*Survey, error) {
	cid, _, answered, err := s.Store.Survey(ctx, auth.HashToken(strings.TrimSpace(token)))
	if err != nil {
		return nil, err
	}
	r, err := s.Store.Load(ctx, cid)
	if err != nil {
		return nil, err
	}
	return &Survey{Number: r.Number, Answered: answered}, nil
}

// AnswerSurvey records the complainant's score and comment from a survey
// link as a follow-up visit: satisfied scores keep the case in follow-up,
// others reopen it, exactly as a visit by staff would. A link works once.
func (s *Service) AnswerSurvey(ctx context.Context, token string, score int, comment, ip string) error {
	cid, fid, answered, err := s.Store.Survey(ctx, auth.HashToken(strings.TrimSpace(token)))
	if err != nil {
		return err
	}
	if answered {
		return &apperr.Error{Code: apperr.Conflict, Message: "survey already answered",
			Fields: []apperr.FieldError{{Field: "token", Rule: "used"}}}
	}
	r, err := s.Store.Load(ctx, cid)
	if err != nil {
		return err
	}
	action := "follow_up_unsatisfied"
	if score >= s.Definition(r).FollowUps.SatisfiedMin {
		action = "follow_up_satisfied"
	}
	comment = strings.TrimSpace(comment)
	if action == "follow_up_unsatisfied" && comment == "" {
		comment = "（问卷未填写意见）"
	}
	// The complainant acts through the survey with the rights of customer
	// service on this complaint, never as a person complained about.
	who := PublicActor(cid, audit.Public(ip))
	ctx = context.WithValue(ctx, surveyKey{}, fid)
	_, err = s.Do(ctx, cid, 0, action, workflow.Input{"satisfaction": strconv.Itoa(score), "comment": comment, "method": "survey"}, who)
	return err
}

// Memo files an objection or request to the next approval level as a
// formal memo (签呈, WF-5) on the internal timeline.
func (s *Service) Memo(ctx context.Context, complaintID int64, body string, actor Actor) (*Record, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	var v apperr.Validation
	body = strings.TrimSpace(body)
	if v.Required("body", body) {
		v.Text("body", body, 5000)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	to := nextRole(s.Definition(r).Chain(s.View(r)), r.Approvers)
	if to == "" {
		to = workflow.RoleGM
	}
	w := Write{Action: "workflow.memo", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "memo", Body: body,
		Data: map[string]any{"to": to}}}
	return r, s.commit(ctx, before, r, &w, actor)
}
