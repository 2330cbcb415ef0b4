package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

// TestSurveyLink: the complainant rates the handling through a single-use
// link; the answer counts as a follow-up visit; the link cannot be reused.
func TestSurveyLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.app
	u := &org.User{Username: "kefu", Name: "客服小李", Role: org.RoleAgent}
	if err := a.DB.Registers().CreateUser(ctx, u, auth.HashPassword("password-1"), audit.System); err != nil {
		t.Fatal(err)
	}
	actor := casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username}}
	c := &complaint.Complaint{Channel: "visit", Subject: "服务态度差", Description: "前台接待不耐烦", Category: "service.attitude",
		Complainant: complaint.Complainant{Name: "赵先生", Phone: "13900001111"}}
	if _, err := a.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: actor.Audit}); err != nil {
		t.Fatal(err)
	}
	apology := "apology"
	r, err := a.Cases.Decide(ctx, c.ID, 0, casework.Decision{Resolution: &apology}, actor)
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []string{"resolve_on_spot", "start_follow_up"} {
		if r, err = a.Cases.Do(ctx, c.ID, r.Version, act, workflow.Input{"body": "已当面致歉"}, actor); err != nil {
			t.Fatalf("%s: %v", act, err)
		}
	}
	tok, err := a.Cases.SurveyLink(ctx, c.ID, actor)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.get("/survey?t=" + url.QueryEscape(tok))
	expect(t, resp, body, http.StatusOK, c.Number, "非常满意")
	resp, body = e.get("/survey?t=wrong-token")
	expect(t, resp, body, http.StatusNotFound, "回访链接无效")
	resp, body = e.post("/survey", url.Values{"t": {tok}, "satisfaction": {"9"}})
	expect(t, resp, body, http.StatusUnprocessableEntity)
	resp, body = e.post("/survey", url.Values{"t": {tok}, "satisfaction": {"5"}, "comment": {"处理及时，谢谢"}})
	expect(t, resp, body, http.StatusOK, "已收到您的评价")
	resp, body = e.post("/survey", url.Values{"t": {tok}, "satisfaction": {"1"}})
	expect(t, resp, body, http.StatusConflict, "该回访已提交")
	r, _ = a.Cases.Load(ctx, c.ID)
	if r.FollowUpsDone != 1 || r.LastSatisfaction != 5 {
		t.Fatalf("the survey should count as one satisfied visit: %+v", r)
	}
}
