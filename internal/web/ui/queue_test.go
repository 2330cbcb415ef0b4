package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/queue"
)

// queueDept returns the department with code, created when missing.
func queueDept(t *testing.T, e *env, code, name string) *org.Department {
	t.Helper()
	ctx := context.Background()
	ds, err := e.app.Deps.Org.ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == code {
			return &d
		}
	}
	d := &org.Department{Code: code, Name: name}
	if err := e.app.Deps.Org.CreateDepartment(ctx, d, audit.System); err != nil {
		t.Fatal(err)
	}
	return d
}

// queueUser makes a user of role in department dept (nil: none).
func queueUser(t *testing.T, e *env, name, role string, dept *int64) queue.Actor {
	t.Helper()
	u := &org.User{Username: name, Name: name, Role: role, Lang: "zh", DepartmentID: dept}
	if err := e.app.Deps.Org.CreateUser(context.Background(), u, auth.HashPassword(staffPassword), audit.System); err != nil {
		t.Fatal(err)
	}
	return queue.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username}}
}

// queueStaff signs in a new user of role in department dept (nil: none);
// it returns their client and CSRF token.
func queueStaff(t *testing.T, e *env, name, role string, dept *int64) (*env, string) {
	t.Helper()
	queueUser(t, e, name, role, dept)
	s := &env{t: t, app: e.app, srv: e.srv, http: e.client()}
	return s, s.login(name, staffPassword)
}

// queueSetup makes a branch of the sh-branches department, open all day,
// with types A and B and a counter for each, through the store.
func queueSetup(t *testing.T, e *env) (*queue.Branch, *queue.ServiceType, *queue.ServiceType, *queue.Counter) {
	t.Helper()
	ctx := context.Background()
	s := e.app.Queue.Store
	dept := queueDept(t, e, "sh-branches", "上海网点")
	b := &queue.Branch{Code: "sh01", Name: "上海分行营业部", NameEN: "Shanghai Main Office", Policy: queue.Dedicated,
		Opens: "00:00", Closes: "23:59", EveryDay: true, DepartmentID: &dept.ID}
	if err := s.SaveBranch(ctx, b, audit.System, nil); err != nil {
		t.Fatal(err)
	}
	a := &queue.ServiceType{BranchID: b.ID, Prefix: "A", Name: "简单业务", NameEN: "Simple", Documents: "身份证\n银行卡", HandleMinutes: 3}
	c := &queue.ServiceType{BranchID: b.ID, Prefix: "B", Name: "复杂业务", NameEN: "Complex", Documents: "身份证\n大额取款预约单",
		DocumentsEN: "ID card\nLarge withdrawal booking form", HandleMinutes: 10, Priority: 1}
	for _, ty := range []*queue.ServiceType{a, c} {
		if err := s.SaveType(ctx, ty, audit.System, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctr := &queue.Counter{BranchID: b.ID, Name: "1号窗口", Types: []int64{a.ID, c.ID}, Open: true}
	if err := s.SaveCounter(ctx, ctr, audit.System, nil); err != nil {
		t.Fatal(err)
	}
	return b, a, c, ctr
}

var ticketLink = regexp.MustCompile(`/queue/tickets/(\d+)\?t=([0-9a-f]+)`)

func TestQueuePages(t *testing.T) {
	e := newEnv(t)
	b, a, c, ctr := queueSetup(t, e)
	bp := fmt.Sprintf("/queue/branches/%d", b.ID)
	resp, body := e.get("/queue")
	expect(t, resp, body, http.StatusOK, "上海分行营业部", "在线取号")
	resp, body = e.get(bp + "/kiosk")
	expect(t, resp, body, http.StatusOK, "大额取款预约单", `class="kiosk-button"`)
	resp, body = e.get(bp + "/kiosk?lang=en")
	expect(t, resp, body, http.StatusOK, "Large withdrawal booking form", "Complex")
	resp, body = e.get(bp + "/board")
	expect(t, resp, body, http.StatusOK, "正在叫号", `data-queue-board=`)

	// Two tickets from the kiosk: the second shows one person ahead. The
	// kiosk shows "take your ticket", not the holder's page (kioskTicket
	// checks that screen); the holder reaches it through the printed QR.
	e.post(bp+"/tickets?lang=zh", url.Values{"channel": {"kiosk"}, "type_id": {fmt.Sprint(c.ID)}})
	resp, body = e.post(bp+"/tickets?lang=zh", url.Values{"channel": {"kiosk"}, "type_id": {fmt.Sprint(c.ID)}})
	expect(t, resp, body, http.StatusOK, "请取走您的号票", "B002", "您前面还有 1 人")
	loc := kioskTicket(t, e, b, body)
	resp, body = e.get(loc)
	expect(t, resp, body, http.StatusOK, "B002", "复杂业务", "您前面还有 1 人", "预计等候约 10 分钟", "大额取款预约单", `id="complaint-form"`)
	if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("ticket page Referrer-Policy %q, want no-referrer", rp)
	}
	// Online: a reminder needs a phone number; the field says so and
	// nothing is issued.
	resp, body = e.post(bp+"/tickets", url.Values{"channel": {"online"}, "type_id": {fmt.Sprint(a.ID)}, "remind_ahead": {"3"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "手机号")
	if w, _ := e.app.Queue.Store.Waiting(context.Background(), b.ID, e.app.Queue.Day(time.Now())); len(w) != 2 {
		t.Errorf("%d waiting after a refused ticket, want 2", len(w))
	}

	// A counter agent calls and serves.
	e2, csrf := queueStaff(t, e, "teller", org.RoleAgent, b.DepartmentID)
	cp := fmt.Sprintf("/queue/counters/%d", ctr.ID)
	resp, body = e2.get(cp)
	expect(t, resp, body, http.StatusOK, "叫下一位")
	resp, _ = e2.post(cp+"/call", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("call: %d", resp.StatusCode)
	}
	resp, body = e2.get(cp)
	expect(t, resp, body, http.StatusOK, `id="current">B001`, "开始办理", "过号")
	// An agent does not administer branches.
	resp, _ = e2.post("/admin/queue", url.Values{"csrf_token": {csrf}, "kind": {"branch"}, "code": {"x"}, "name": {"x"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent saving a branch: %d", resp.StatusCode)
	}

	// The waiting customer (B002) complains from the ticket page.
	m := ticketLink.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("ticket link %q", loc)
	}
	resp, body = e.post("/queue/tickets/"+m[1]+"/complaint", url.Values{"t": {m[2]}, "complainant.name": {"钱女士"}, "description": {""}})
	expect(t, resp, body, http.StatusUnprocessableEntity)
	before := e.count()
	resp, _ = e.post("/queue/tickets/"+m[1]+"/complaint", url.Values{"t": {m[2]}, "complainant.name": {"钱女士"},
		"complainant.phone": {"13912345678"}, "description": {"等了很久还没叫到号"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/complaint/receipt?") {
		t.Fatalf("complaint: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.count() != before+1 {
		t.Fatalf("complaints %d, want %d", e.count(), before+1)
	}
	page, _ := e.app.Deps.ComplaintStore.List(context.Background(), complaint.Filter{Limit: 1})
	cpl := page.Items[0]
	if cpl.Profile != "bank" || cpl.Channel != "visit" || !strings.Contains(cpl.Description, "B002") ||
		!strings.Contains(cpl.Description, "上海分行营业部") || !strings.Contains(cpl.Description, "已等候") {
		t.Errorf("complaint from the ticket: profile %q channel %q\n%s", cpl.Profile, cpl.Channel, cpl.Description)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	tk, _ := e.app.Queue.Store.Ticket(context.Background(), id)
	if tk.ComplaintID == nil || *tk.ComplaintID != cpl.ID {
		t.Errorf("ticket not linked to the complaint: %v", tk.ComplaintID)
	}
	resp, body = e.post("/queue/tickets/"+m[1]+"/complaint", url.Values{"t": {m[2]}, "complainant.name": {"钱女士"},
		"complainant.phone": {"13912345678"}, "description": {"再投诉一次"}})
	expect(t, resp, body, http.StatusConflict)
	resp, body = e.get("/queue/tickets/" + m[1] + "?t=wrong")
	expect(t, resp, body, http.StatusNotFound)

	// The analytics page with the planner, for the manager of the branch's
	// department; not for the manager of another department.
	mgr, _ := queueStaff(t, e, "mgr.sh", org.RoleManager, b.DepartmentID)
	other := queueDept(t, e, "bj-branches", "北京网点")
	mgrBJ, _ := queueStaff(t, e, "mgr.bj", org.RoleManager, &other.ID)
	resp, body = mgrBJ.get(bp + "/analytics")
	expect(t, resp, body, http.StatusForbidden, "不在您的叫号权限范围内")
	resp, body = mgr.get(bp + "/analytics?arrivals=100&per=30m&handle=180s&ptarget=20s&plevel=0.8")
	expect(t, resp, body, http.StatusOK, "单位等待时间", "达到目标所需最少窗口：14", "88.8%")
	resp, body = mgr.get(bp + "/analytics?simulate=1&policy=dedicated&split_" + fmt.Sprint(a.ID) + "=1&split_" + fmt.Sprint(c.ID) + "=1")
	expect(t, resp, body, http.StatusOK, `id="sim"`, "统一排队")
	resp, body = e2.get(bp + "/analytics")
	expect(t, resp, body, http.StatusForbidden)
}

// The live page follows the line in headless Chromium: a call made on the
// server shows within a second, through server-sent events.
func TestQueueLiveBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := newEnv(t)
	b, a, _, ctr := queueSetup(t, e)
	teller := queueUser(t, e, "teller", org.RoleAgent, b.DepartmentID)
	ctx := context.Background()
	for range 3 {
		if _, err := e.app.Queue.Issue(ctx, queue.IssueRequest{BranchID: b.ID, TypeID: a.ID, Channel: "kiosk"}); err != nil {
			t.Fatal(err)
		}
	}
	bctx := startBrowser(t, bin, 60*time.Second)
	live := fmt.Sprintf("%s/queue/branches/%d", e.srv.URL, b.ID)
	if err := chromedp.Do(bctx, chromedp.Navigate(live), chromedp.WaitVisible(chromedp.CSS(`#live-state.on`))); err != nil {
		t.Fatalf("live page: %v", err)
	}
	waiting := func() string {
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#total-waiting`)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if w := waiting(); w != "3" {
		t.Fatalf("waiting %q, want 3", w)
	}
	for want := 2; want >= 1; want-- {
		start := time.Now()
		if _, err := e.app.Queue.CallNext(ctx, teller, ctr.ID); err != nil {
			t.Fatal(err)
		}
		expr := fmt.Sprintf(`document.getElementById("total-waiting").textContent === "%d" && document.querySelector('tr[data-type="%d"] [data-field="waiting"]').textContent === "%d"`, want, a.ID, want)
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(3*time.Second))); err != nil {
			t.Fatalf("the page did not show %d waiting: %v (shows %q)", want, err, waiting())
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("update took %v, want within 1 s", d)
		}
	}
	// The lobby board shows the number being called.
	board := fmt.Sprintf("%s/queue/branches/%d/board", e.srv.URL, b.ID)
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(board), chromedp.WaitVisible(chromedp.CSS(`#live-state.on`))); err != nil {
		t.Fatalf("board: %v", err)
	}
	if _, err := e.app.Queue.CallNext(ctx, teller, ctr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.querySelector("#calling li .num") !== null && document.querySelector("#calling li .num").textContent === "A003"`,
		chromedp.WithPollingTimeout(3*time.Second))); err != nil {
		s, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#calling`)))
		t.Fatalf("board did not show A003 being called: %v (%q)", err, s)
	}
	// The kiosk and the board fit a 1920×1080 display and a tablet held
	// either way: no sideways scrolling, every service button on screen.
	for _, vp := range [][2]int64{{1920, 1080}, {768, 1024}, {1024, 768}} {
		for _, page := range []string{"kiosk", "board"} {
			u := fmt.Sprintf("%s/queue/branches/%d/%s", e.srv.URL, b.ID, page)
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(vp[0], vp[1]), chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`#live-state, .kiosk`))); err != nil {
				t.Fatalf("%s at %v: %v", page, vp, err)
			}
			fits, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth &&
				[...document.querySelectorAll(".kiosk-button")].every(b => { const r = b.getBoundingClientRect(); return r.right <= window.innerWidth && r.width >= 200; })`))
			if err != nil || !fits {
				t.Errorf("%s does not fit %dx%d (err %v)", page, vp[0], vp[1], err)
			}
		}
	}
}

// An administrator changes a branch's policy and closes a counter from
// the administration page; a bad opening time is refused on the form.
func TestQueueAdminPage(t *testing.T) {
	e := newEnv(t)
	b, a, _, ctr := queueSetup(t, e)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/admin/queue")
	expect(t, resp, body, http.StatusOK, "上海分行营业部", "修改网点", "1号窗口")
	resp, body = e.post("/admin/queue", url.Values{"csrf_token": {csrf}, "kind": {"branch"}, "id": {fmt.Sprint(b.ID)}, "code": {"sh01"},
		"name": {"上海分行营业部"}, "policy": {"pooled"}, "opens": {"9 点"}, "closes": {"17:00"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "营业开始")
	resp, _ = e.post("/admin/queue", url.Values{"csrf_token": {csrf}, "kind": {"branch"}, "id": {fmt.Sprint(b.ID)}, "code": {"sh01"},
		"name": {"上海分行营业部"}, "policy": {"pooled"}, "opens": {"08:30"}, "closes": {"17:00"}, "every_day": {"on"},
		"department_id": {fmt.Sprint(*b.DepartmentID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save branch: %d", resp.StatusCode)
	}
	resp, _ = e.post("/admin/queue", url.Values{"csrf_token": {csrf}, "kind": {"counter"}, "branch_id": {fmt.Sprint(b.ID)},
		"id": {fmt.Sprint(ctr.ID)}, "name": {"1号窗口"}, "types": {fmt.Sprint(a.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save counter: %d", resp.StatusCode)
	}
	got, _ := e.app.Queue.Store.Branch(context.Background(), b.ID)
	cs, _ := e.app.Queue.Store.Counters(context.Background(), b.ID)
	if got.Policy != queue.Pooled || got.Opens != "08:30" || cs[0].Open || len(cs[0].Types) != 1 {
		t.Errorf("branch %+v counter %+v", got, cs[0])
	}
	// Counter staff of the branch's department get the list without the
	// forms; a role without a queue permission gets nothing.
	agent, agentCSRF := queueStaff(t, e, "teller.sh", org.RoleAgent, b.DepartmentID)
	resp, body = agent.get("/queue/counters")
	expect(t, resp, body, http.StatusOK, fmt.Sprintf(`href="/queue/counters/%d"`, ctr.ID))
	refuse(t, body, "修改网点", `action="/admin/queue"`)
	resp, body = agent.get("/admin/queue")
	expect(t, resp, body, http.StatusForbidden)
	wh := &env{t: t, app: e.app, srv: e.srv, http: e.client()}
	wh.loginAs(org.RoleWarehouse)
	resp, body = wh.get("/queue/counters")
	expect(t, resp, body, http.StatusForbidden)

	// Staff of another department neither see the branch nor work its
	// counter, by the page or by a forged form; its manager cannot change
	// it, move it into their own department, or add to it.
	other := queueDept(t, e, "bj-branches", "北京网点")
	clerkBJ, clerkCSRF := queueStaff(t, e, "teller.bj", org.RoleAgent, &other.ID)
	resp, body = clerkBJ.get("/queue/counters")
	expect(t, resp, body, http.StatusOK)
	refuse(t, body, "上海分行营业部", fmt.Sprintf(`/queue/counters/%d"`, ctr.ID))
	resp, body = clerkBJ.get(fmt.Sprintf("/queue/counters/%d", ctr.ID))
	expect(t, resp, body, http.StatusForbidden, "不在您的叫号权限范围内")
	resp, _ = clerkBJ.post(fmt.Sprintf("/queue/counters/%d/call", ctr.ID), url.Values{"csrf_token": {clerkCSRF}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a clerk of another department called at the counter: %d", resp.StatusCode)
	}
	mgrBJ, mgrCSRF := queueStaff(t, e, "mgr.bj", org.RoleManager, &other.ID)
	resp, body = mgrBJ.get("/admin/queue")
	expect(t, resp, body, http.StatusOK, "添加网点")
	refuse(t, body, "上海分行营业部")
	for _, form := range []url.Values{
		{"kind": {"branch"}, "id": {fmt.Sprint(b.ID)}, "code": {"sh01"}, "name": {"改名"}, "policy": {"pooled"}, "opens": {"08:30"},
			"closes": {"17:00"}, "department_id": {fmt.Sprint(other.ID)}},
		{"kind": {"counter"}, "branch_id": {fmt.Sprint(b.ID)}, "id": {fmt.Sprint(ctr.ID)}, "name": {"1号窗口"}, "open": {"on"},
			"types": {fmt.Sprint(a.ID)}},
		{"kind": {"type"}, "branch_id": {fmt.Sprint(b.ID)}, "prefix": {"Z"}, "name": {"插队业务"}, "handle_minutes": {"1"}},
		{"kind": {"branch"}, "code": {"bj09"}, "name": {"北京新网点"}, "policy": {"pooled"}, "opens": {"08:30"}, "closes": {"17:00"},
			"department_id": {fmt.Sprint(*b.DepartmentID)}},
	} {
		form.Set("csrf_token", mgrCSRF)
		resp, body = mgrBJ.post("/admin/queue", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("manager of another department: %s saved with %d", form, resp.StatusCode)
		}
	}
	// A branch of their own department they may add; without a
	// department it is refused on the form.
	resp, body = mgrBJ.post("/admin/queue", url.Values{"csrf_token": {mgrCSRF}, "kind": {"branch"}, "code": {"bj01"}, "name": {"北京分行营业部"},
		"policy": {"pooled"}, "opens": {"08:30"}, "closes": {"17:00"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, "部门")
	resp, body = mgrBJ.post("/admin/queue", url.Values{"csrf_token": {mgrCSRF}, "kind": {"branch"}, "code": {"bj01"}, "name": {"北京分行营业部"},
		"policy": {"pooled"}, "opens": {"08:30"}, "closes": {"17:00"}, "department_id": {fmt.Sprint(other.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("manager adding a branch of their department: %d\n%s", resp.StatusCode, body)
	}
	got, _ = e.app.Queue.Store.Branch(context.Background(), b.ID)
	cs, _ = e.app.Queue.Store.Counters(context.Background(), b.ID)
	ts, _ := e.app.Queue.Store.Types(context.Background(), b.ID)
	if got.Name != "上海分行营业部" || *got.DepartmentID != *b.DepartmentID || cs[0].Open || len(ts) != 2 {
		t.Errorf("a refused change was written: branch %+v counter %+v types %d", got, cs[0], len(ts))
	}

	// A closed counter calls nobody.
	resp, _ = agent.post(fmt.Sprintf("/queue/counters/%d/call", ctr.ID), url.Values{"csrf_token": {agentCSRF}})
	if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") != fmt.Sprintf("/queue/counters/%d?m=empty", ctr.ID) {
		t.Errorf("a closed counter called a ticket: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
