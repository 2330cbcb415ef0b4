package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/workflow"
)

const staffPassword = "staff-secret-1"

// caseEnv is a kesu with a QA department of two engineers, an agent, a
// manager, a deputy GM and finance, so quality complaints route to QA.
type caseEnv struct {
	*env
	users map[string]*org.User
}

func newCaseEnv(t *testing.T) *caseEnv {
	t.Helper()
	e := &caseEnv{env: newEnv(t), users: map[string]*org.User{}}
	ctx := context.Background()
	st := e.app.Deps.Org
	depts, err := st.ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qa := &org.Department{Code: "qa", Name: "品质部"}
	for _, d := range depts {
		if d.Code == "qa" {
			qa = &d
		}
	}
	if qa.ID == 0 {
		if err := st.CreateDepartment(ctx, qa, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ name, display, role string }{
		{"qa", "品质王工", org.RoleQAEngineer}, {"qa2", "品质李工", org.RoleQAEngineer}, {"agent", "客服小张", org.RoleAgent},
		{"mgr", "赵经理", org.RoleManager}, {"dgm", "钱副总", org.RoleDeputyGM}, {"fin", "财务孙", org.RoleFinance},
	} {
		usr := &org.User{Username: u.name, Name: u.display, Role: u.role, Lang: "zh"}
		if u.role == org.RoleQAEngineer || u.role == org.RoleManager {
			usr.DepartmentID = &qa.ID // the QA manager runs the QA department's cases
		}
		if err := st.CreateUser(ctx, usr, auth.HashPassword(staffPassword), audit.System); err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = usr
	}
	return e
}

// complaint registers a quality complaint; routing gives it to QA.
func (e *caseEnv) complaint(subject string) int64 {
	e.t.Helper()
	c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: "底部漏水", Category: "quality.leak",
		Severity: "major", Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

func (e *caseEnv) actor(name string) casework.Actor {
	u := e.users[name]
	return casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username}}
}

func (e *caseEnv) record(id int64) *casework.Record {
	e.t.Helper()
	r, err := e.app.Deps.Cases.Load(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// do takes an action through the service, for steps a test is not about.
func (e *caseEnv) do(id int64, who, action string, in workflow.Input) {
	e.t.Helper()
	r := e.record(id)
	if _, err := e.app.Deps.Cases.Do(context.Background(), id, r.Version, action, in, e.actor(who)); err != nil {
		e.t.Fatalf("%s by %s: %v", action, who, err)
	}
}

func (e *caseEnv) as(name string) string {
	e.t.Helper()
	e.http = e.client()
	return e.login(name, staffPassword)
}

func (e *caseEnv) act(id int64, csrf, action string, version int, form url.Values) (*http.Response, string) {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", csrf)
	form.Set("version", strconv.Itoa(version))
	return e.post("/complaints/"+strconv.FormatInt(id, 10)+"/actions/"+action, form)
}

func page(id int64) string { return "/complaints/" + strconv.FormatInt(id, 10) }

// TestCasePanel: the panel shows step, holder and backup, offers each user
// the actions their role may take, and says what is missing for the rest.
func TestCasePanel(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("净水器底部漏水")

	e.as("qa")
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="case-state">已登记<`, "品质王工", "品质李工", `id="act-accept"`, "受理", `id="act-wait_on_customer"`)
	refuse(t, body, `id="act-resolve_on_spot"`, `id="assign-form"`) // QA may not resolve on the spot nor assign

	e.as("fin")
	_, body = e.get(page(id))
	refuse(t, body, `id="act-accept"`, `id="decision-form"`)

	e.as("mgr")
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="assign-form"`, `id="parties-form"`, `id="act-accept"`)

	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	e.as("qa")
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="case-state">调查中<`, "推进所需条件", "提交责任判定", "投诉是否成立：必填", `id="decision-form"`, `id="capa-form"`)
	refuse(t, body, `id="act-determine_responsibility"`)

	csrf := e.csrf(page(id))
	r := e.record(id)
	resp, body = e.post(page(id)+"/decision", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(r.Version)},
		"established": {"yes"}, "validity": {"valid"}, "responsibility": {"internal"}, "currency": {"CNY"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("decision: %d\n%s", resp.StatusCode, body)
	}
	_, body = e.get(page(id))
	expect(t, resp, body, http.StatusSeeOther, `id="act-determine_responsibility"`, "<dt>投诉是否成立</dt><dd>是</dd>", "有效投诉", "公司内部")

	resp, body = e.get("/work")
	expect(t, resp, body, http.StatusOK, "我的待办", "净水器底部漏水", "调查中")
	refuse(t, body, `class="tag backup"`)
	e.as("qa2")
	resp, body = e.get("/work")
	expect(t, resp, body, http.StatusOK, "净水器底部漏水", `class="tag backup"`)
	e.as("agent")
	resp, body = e.get("/work")
	expect(t, resp, body, http.StatusOK, "没有待办的投诉")
}

// TestCaseRefusals: a refused action shows the engine's reason and writes
// nothing; a form shown with an old version reports the conflict; the
// person complained about is refused.
func TestCaseRefusals(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("滤芯漏水")
	before := e.record(id)

	csrf := e.as("fin")
	resp, body := e.act(id, csrf, "accept", before.Version, nil)
	expect(t, resp, body, http.StatusForbidden, "没有执行此操作的权限", "该投诉不在您的处理范围内", `id="case-state">已登记<`)

	csrf = e.as("qa")
	resp, body = e.act(id, csrf, "start_investigation", before.Version, nil)
	expect(t, resp, body, http.StatusConflict, "当前状态下不能执行此操作")
	resp, body = e.act(id, csrf, "wait_on_customer", before.Version, url.Values{"reason": {"等客户寄回样品"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "提醒日期：必填")
	if after := e.record(id); after.Version != before.Version || after.Status != before.Status {
		t.Fatalf("refused actions changed the case: %+v", after)
	}

	resp, body = e.act(id, csrf, "accept", before.Version, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.act(id, csrf, "start_investigation", before.Version, nil) // the page before accepting
	expect(t, resp, body, http.StatusConflict, "记录已被他人修改", "已被他人修改，请刷新后重试", `id="case-state">已受理<`)
	if r := e.record(id); r.Status != "accepted" {
		t.Fatalf("stale form moved the case to %s", r.Status)
	}

	csrf = e.as("mgr")
	r := e.record(id)
	resp, body = e.post(page(id)+"/parties", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(r.Version)},
		"user_ids": {strconv.FormatInt(e.users["qa"].ID, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("parties: %d\n%s", resp.StatusCode, body)
	}
	r = e.record(id)
	resp, body = e.post(page(id)+"/assign", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(r.Version)},
		"holder_id": {strconv.FormatInt(e.users["qa"].ID, 10)}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "被投诉的当事人不能处理或审批本投诉")

	csrf = e.as("qa")
	resp, body = e.act(id, csrf, "start_investigation", r.Version, nil)
	expect(t, resp, body, http.StatusForbidden, "被投诉的当事人不能处理或审批本投诉")
	if after := e.record(id); after.Version != r.Version {
		t.Fatal("a refused party wrote to the case")
	}

	csrf = e.as("agent") // agents may not assign
	resp, body = e.post(page(id)+"/assign", url.Values{"csrf_token": {csrf}, "version": {strconv.Itoa(r.Version)},
		"holder_id": {strconv.FormatInt(e.users["qa2"].ID, 10)}})
	expect(t, resp, body, http.StatusForbidden)
}

// walk takes a quality case from registration to closure through the
// service, as TestQualityComplaintToClosure in casework does.
func (e *caseEnv) walk(id int64) {
	e.t.Helper()
	ctx := context.Background()
	svc := e.app.Deps.Cases
	qa := e.actor("qa")
	ptr := func(s string) *string { return &s }
	yes := true
	decide := func(d casework.Decision) {
		e.t.Helper()
		if _, err := svc.Decide(ctx, id, e.record(id).Version, d, qa); err != nil {
			e.t.Fatal(err)
		}
	}
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	if _, err := svc.Investigate(ctx, id, "returned_goods_test", "退回样品：密封圈硬度 62 HA，低于规格 70 HA", qa); err != nil {
		e.t.Fatal(err)
	}
	decide(casework.Decision{Established: &yes, Validity: ptr("valid"), Responsibility: ptr("internal")})
	e.do(id, "qa", "determine_responsibility", nil)
	e.do(id, "qa", "propose_measures", nil)
	for kind, text := range map[string]string{"containment": "隔离库存密封圈批次", "corrective": "更换密封圈供应批次并加严进料检验"} {
		if err := svc.AddCAPA(ctx, &casework.CAPAAction{ComplaintID: id, Kind: kind, Description: text, OwnerUserID: &e.users["qa"].ID}, qa); err != nil {
			e.t.Fatal(err)
		}
	}
	decide(casework.Decision{RootCause: ptr("密封圈批次硬度不足"), Resolution: ptr("replace"), Amount: ptr("1500"), Currency: ptr("CNY")})
	e.do(id, "qa", "submit_for_approval", nil)
	e.do(id, "mgr", "approve", nil)
	e.do(id, "qa", "reply", workflow.Input{"body": "经检测为密封圈批次问题，我司将为您免费更换整机。"})
	e.do(id, "agent", "customer_agrees", nil)
	list, _ := svc.Store.CAPA(ctx, id)
	for _, a := range list {
		if _, err := svc.CompleteCAPA(ctx, id, a.ID, a.Version, "已更换批次，附检验报告", qa); err != nil {
			e.t.Fatal(err)
		}
	}
	decide(casework.Decision{ResolutionExecuted: &yes})
	e.do(id, "qa", "execute", nil)
	list, _ = svc.Store.CAPA(ctx, id)
	for _, a := range list {
		if _, err := svc.VerifyCAPA(ctx, id, a.ID, a.Version, true, "连续三批合格", a.Kind == "corrective", qa); err != nil {
			e.t.Fatal(err)
		}
	}
	e.do(id, "qa", "verify_effective", nil)
	e.do(id, "agent", "follow_up_satisfied", workflow.Input{"satisfaction": "5", "method": "phone"})
	e.do(id, "agent", "follow_up_satisfied", workflow.Input{"satisfaction": "4", "method": "visit"})
	e.do(id, "mgr", "close", nil)
}

// TestReport8D: the 8D page assembles team, problem, containment, root
// cause, actions, verification, standardisation and closure; the quality
// manager's list shows the action flagged to update the standard.
func TestReport8D(t *testing.T) {
	e := newCaseEnv(t)
	id := e.complaint("整机漏水")
	e.walk(id)

	e.as("mgr")
	resp, body := e.get(page(id) + "/8d")
	expect(t, resp, body, http.StatusOK, "8D报告", "D1 小组成员", "品质王工", "赵经理", "D2 问题描述", "整机漏水",
		"D3 临时围堵措施", "隔离库存密封圈批次", "D4 根本原因", "密封圈批次硬度不足", "D5 选定的纠正措施", "更换密封圈供应批次",
		"D6 实施与效果验证", "已更换批次，附检验报告", "有效", "D7 预防再发与标准化", "D8 结案", "已结案", "上门", "1500.00 CNY")
	if !strings.Contains(body, `class="print"`) {
		t.Error("the 8D report should use the print layout")
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="case-state">已结案<`, "核准", "赵经理")
	refuse(t, body, `id="decision-form"`, `id="capa-form"`)

	resp, body = e.get("/capa/standard-updates")
	expect(t, resp, body, http.StatusOK, "纳入标准的措施", "更换密封圈供应批次并加严进料检验")
	refuse(t, body, "隔离库存密封圈批次")
}

// TestSignatureAndReworkOnThePage: a plan in approval names who signs next
// and is in their 我的待办 as "to sign"; after QA finds an action
// ineffective, the page offers its rework, which supersedes it.
func TestSignatureAndReworkOnThePage(t *testing.T) {
	e := newCaseEnv(t)
	ctx := context.Background()
	id := e.complaint("净水器漏水待审批")
	svc := e.app.Deps.Cases
	qa := e.actor("qa")
	ptr := func(s string) *string { return &s }
	yes := true
	decide := func(d casework.Decision) {
		t.Helper()
		if _, err := svc.Decide(ctx, id, e.record(id).Version, d, qa); err != nil {
			t.Fatal(err)
		}
	}
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)
	decide(casework.Decision{Established: &yes, Validity: ptr("valid"), Responsibility: ptr("internal")})
	e.do(id, "qa", "determine_responsibility", nil)
	e.do(id, "qa", "propose_measures", nil)
	if err := svc.AddCAPA(ctx, &casework.CAPAAction{ComplaintID: id, Kind: "corrective", Description: "更换密封圈批次",
		OwnerUserID: &e.users["qa"].ID}, qa); err != nil {
		t.Fatal(err)
	}
	decide(casework.Decision{RootCause: ptr("密封圈硬度不足"), Resolution: ptr("replace"), Amount: ptr("800"), Currency: ptr("CNY")})
	e.do(id, "qa", "submit_for_approval", nil)

	e.as("qa")
	resp, body := e.get(page(id))
	expect(t, resp, body, http.StatusOK, `id="next-approvers"`, "待签核人", "赵经理")
	e.as("mgr")
	resp, body = e.get("/work")
	expect(t, resp, body, http.StatusOK, "净水器漏水待审批", "待我签核")

	e.do(id, "mgr", "approve", nil)
	e.do(id, "qa", "reply", workflow.Input{"body": "为您更换整机。"})
	e.do(id, "agent", "customer_agrees", nil)
	list, _ := svc.Store.CAPA(ctx, id)
	if _, err := svc.CompleteCAPA(ctx, id, list[0].ID, list[0].Version, "已更换", qa); err != nil {
		t.Fatal(err)
	}
	decide(casework.Decision{ResolutionExecuted: &yes})
	e.do(id, "qa", "execute", nil)
	list, _ = svc.Store.CAPA(ctx, id)
	if _, err := svc.VerifyCAPA(ctx, id, list[0].ID, list[0].Version, false, "仍渗漏", false, qa); err != nil {
		t.Fatal(err)
	}
	e.do(id, "qa", "verify_ineffective", workflow.Input{"reason": "措施无效"})

	csrf := e.as("qa")
	resp, body = e.get(page(id))
	form := `id="rework-` + strconv.FormatInt(list[0].ID, 10) + `"`
	expect(t, resp, body, http.StatusOK, form)
	list, _ = svc.Store.CAPA(ctx, id)
	resp, body = e.post(page(id)+"/capa/"+strconv.FormatInt(list[0].ID, 10)+"/rework", url.Values{"csrf_token": {csrf},
		"version": {strconv.Itoa(list[0].Version)}, "description": {"更换密封圈批次"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "与原措施相同")
	resp, body = e.post(page(id)+"/capa/"+strconv.FormatInt(list[0].ID, 10)+"/rework", url.Values{"csrf_token": {csrf},
		"version": {strconv.Itoa(list[0].Version)}, "description": {"改用氟橡胶密封圈并加做气密检验"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rework: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.get(page(id))
	expect(t, resp, body, http.StatusOK, "已返工", "返工措施", "改用氟橡胶密封圈并加做气密检验")
	refuse(t, body, form)
}
