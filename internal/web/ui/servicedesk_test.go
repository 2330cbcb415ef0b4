package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/org"
)

// TestDeskKnowledgeBasePages: a manager writes standard answers, one of
// them internal; the complaint page offers only the public one, inserts
// it as a counted reply, and refuses a public reply quoting the internal
// one.
func TestDeskKnowledgeBasePages(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs(org.RoleGM)
	save := func(title, body string, internal bool) string {
		t.Helper()
		f := url.Values{"csrf_token": {csrf}, "category": {"漏水"}, "title": {title}, "body": {body}}
		if internal {
			f.Set("internal", "on")
		}
		resp, b := e.post("/kb/new", f)
		expect(t, resp, b, http.StatusSeeOther)
		return strings.TrimPrefix(strings.Split(resp.Header.Get("Location"), "?")[0], "/kb/")
	}
	pub := save("接头漏水", "请关闭进水阀后重新插紧快接头。", false)
	sec := save("接头耐压内控值", "快接头出厂耐压内控值为 1.2 兆帕，不得外传。", true)
	resp, body := e.post("/kb/new", url.Values{"csrf_token": {csrf}, "category": {"漏水"}, "body": {"x"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "标题")

	resp, body = e.get("/kb?q=" + url.QueryEscape("接头"))
	expect(t, resp, body, http.StatusOK, "接头漏水", "接头耐压内控值", "内部资料")
	resp, body = e.get("/kb/" + sec)
	expect(t, resp, body, http.StatusOK, `id="kb-internal"`, "1.2 兆帕")

	c := &complaint.Complaint{Channel: "phone", Subject: "净水器接头漏水", Description: "厨房接头滴水", Complainant: complaint.Complainant{Name: "钱女士"}}
	if _, err := e.app.Deps.Complaints.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	cpath := "/complaints/" + itoa(c.ID)
	resp, body = e.get(cpath + "?kb=" + url.QueryEscape("接头"))
	expect(t, resp, body, http.StatusOK, `id="kb-insert-`+pub+`"`)
	refuse(t, body, "1.2 兆帕", `id="kb-insert-`+sec+`"`)

	resp, body = e.post(cpath+"/kb/"+pub, url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get(resp.Header.Get("Location"))
	expect(t, resp, body, http.StatusOK, "请关闭进水阀后重新插紧快接头。</textarea>")
	resp, body = e.post(cpath+"/kb/"+sec, url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusForbidden, "不得发给客户")
	resp, body = e.get("/kb/" + pub)
	expect(t, resp, body, http.StatusOK, `<dd id="kb-uses">1</dd>`)

	// The reply path: a public reply quoting the internal entry is refused
	// and not recorded; the same text as an internal note is fine.
	quote := "您好，快接头出厂耐压内控值为 1.2 兆帕。"
	resp, body = e.post(cpath+"/notes", url.Values{"csrf_token": {csrf}, "body": {quote}, "public": {"on"}})
	expect(t, resp, body, http.StatusForbidden, "接头耐压内控值")
	evs, err := e.app.Deps.ComplaintStore.Timeline(context.Background(), c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Body, "1.2 兆帕") {
			t.Fatalf("the refused reply is on the public timeline: %+v", ev)
		}
	}
	resp, body = e.post(cpath+"/notes", url.Values{"csrf_token": {csrf}, "body": {quote}})
	expect(t, resp, body, http.StatusSeeOther)
}

// TestDeskPages: the desk page with a shift, a roster line and its duty
// manager on the board, a handover; a price question routed to sales and
// converted; in Chinese and in English.
func TestDeskPages(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs(org.RoleGM)
	ctx := context.Background()
	gm, err := e.app.Deps.Org.GetUserByUsername(ctx, "w_"+org.RoleGM)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := e.app.DB.Cases().DepartmentByCode(ctx, "cs")
	if err != nil {
		t.Fatal(err)
	}
	now := e.app.Deps.Desk.Clock().In(e.app.Deps.Desk.Location())
	month, day := now.Format("2006-01"), now.Format("2006-01-02")
	back := url.Values{"csrf_token": {csrf}, "month": {month}, "department_id": {itoa(cs)}}
	with := func(kv ...string) url.Values {
		f := url.Values{}
		for k, v := range back {
			f[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Add(kv[i], kv[i+1])
		}
		return f
	}
	resp, body := e.post("/desk/manage/shift", with("code", "allday", "name", "全天班", "start", "00:00", "minutes", "1440"))
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.post("/desk/manage/shift", with("code", "bad", "name", "坏班", "start", "25:00", "minutes", "480"))
	expect(t, resp, body, http.StatusUnprocessableEntity, "开始时间")
	resp, body = e.post("/desk/manage/roster", with("day", day, "shift", "allday", "user_id", itoa(gm.ID), "duty_manager", "1"))
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get("/desk?month=" + month + "&department_id=" + itoa(cs))
	expect(t, resp, body, http.StatusOK, `<dd id="duty-manager"><strong>测试gm</strong>`, "交接班日志", "换班登记")

	resp, body = e.post("/desk/work/handover", with("equipment", "2 号座席电话故障", "issues", "钱女士投诉待回访"))
	expect(t, resp, body, http.StatusSeeOther)
	hs, err := e.app.Deps.Desk.Handovers(ctx, cs, 5)
	if err != nil || len(hs) != 1 {
		t.Fatalf("handovers %+v %v", hs, err)
	}
	resp, body = e.post("/desk/work/ack", with("handover_id", itoa(hs[0].ID)))
	expect(t, resp, body, http.StatusConflict, "交接班日志须由接班人确认")

	resp, body = e.post("/contacts/new", url.Values{"csrf_token": {csrf}, "kind": {desk.ContactPrice}, "channel": {"phone"}, "name": {"孙经理"},
		"subject": {"RO-600 批发价"}, "question": {"批量采购的价格是多少？"}})
	expect(t, resp, body, http.StatusSeeOther)
	cpath := resp.Header.Get("Location")
	resp, body = e.get(cpath)
	expect(t, resp, body, http.StatusOK, `<dd id="contact-department">营销部</dd>`, "批量采购的价格是多少？")
	resp, body = e.post(cpath+"/convert", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get(resp.Header.Get("Location"))
	expect(t, resp, body, http.StatusOK, "RO-600 批发价")
	resp, body = e.get("/contacts")
	expect(t, resp, body, http.StatusOK, `<dd id="stat-converted">1</dd>`, "已转投诉")

	resp, body = e.get("/lang?to=en&next=/desk")
	e.get("/desk")
	for _, p := range []string{"/desk?month=" + month + "&department_id=" + itoa(cs), "/kb", "/contacts", cpath} {
		resp, body = e.get(p)
		expect(t, resp, body, http.StatusOK)
		if !strings.Contains(html.UnescapeString(body), "Duty manager") && strings.HasPrefix(p, "/desk") {
			t.Errorf("%s is not in English", p)
		}
	}
	resp, body = e.get("/contacts")
	expect(t, resp, body, http.StatusOK, "Price or market question", "converted to a complaint")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
