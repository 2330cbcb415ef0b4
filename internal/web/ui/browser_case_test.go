package ui_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCaseToClosure walks one quality complaint from registration
// to closure in headless Chromium, every step through the pages: the agent
// registers it (routed to QA), QA accepts, investigates, decides, adds
// CAPA and proposes a ¥1,500 replacement, the manager approves, QA replies,
// the agent records the customer's agreement, QA completes and verifies
// the CAPA, the agent records two follow-ups and the manager closes.
func TestBrowserCaseToClosure(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := newCaseEnv(t)
	ctx := startBrowser(t, bin, 180*time.Second)
	base := e.srv.URL
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	signIn := func(user string) {
		t.Helper()
		do("sign in as "+user,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SetValue(chromedp.CSS(`input[name="username"]`), user),
			chromedp.SetValue(chromedp.CSS(`input[name="password"]`), staffPassword),
			chromedp.Click(chromedp.CSS(`button.primary`)),
			chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		)
	}
	// mark and fresh make a submit wait for the page it leads to, not
	// find the element on the page it left.
	mark := chromedp.SetAttributeValue(chromedp.CSS(`body`), "data-stale", "1")
	fresh := chromedp.WaitVisible(chromedp.CSS(`body:not([data-stale]) #case-state`))
	var casePage string
	state := func(want string) {
		t.Helper()
		if got := text(`#case-state`); got != want {
			t.Fatalf("state %q, want %q; problems: %q", got, want, text(`main`))
		}
	}
	// act takes an action by its button, after filling its inputs
	// (selector, value pairs).
	act := func(user, action string, fill ...string) {
		t.Helper()
		form := `#act-` + action
		do("open the case for "+action, chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#case-state`)))
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+form+`").length`)); err != nil || n == 0 {
			t.Fatalf("%s: no %s button at %q; page says %q", user, action, text(`#case-state`), text(`#case`))
		}
		steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(form + ` button`))}
		for i := 0; i+1 < len(fill); i += 2 {
			steps = append(steps, chromedp.SetValue(chromedp.CSS(form+` [name="`+fill[i]+`"]`), fill[i+1]))
		}
		steps = append(steps, mark, chromedp.Click(chromedp.CSS(form+` button`)), fresh)
		do(user+" "+action, steps...)
	}
	decide := func(fill ...string) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#decisions summary`)),
			chromedp.Click(chromedp.CSS(`#decisions summary`)), chromedp.WaitVisible(chromedp.CSS(`#decision-form button`))}
		for i := 0; i+1 < len(fill); i += 2 {
			if fill[i+1] == "click" {
				steps = append(steps, chromedp.Click(chromedp.CSS(fill[i])))
				continue
			}
			steps = append(steps, chromedp.SetValue(chromedp.CSS(fill[i]), fill[i+1]))
		}
		steps = append(steps, mark, chromedp.Click(chromedp.CSS(`#decision-form button`)), fresh)
		do("decide", steps...)
	}

	signIn("agent")
	do("register a quality complaint",
		chromedp.Navigate(base+"/complaints/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="channel"]`), "phone"),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.name"]`), "周九"),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.phone"]`), "021-5555 0101"),
		chromedp.SetValue(chromedp.CSS(`input[name="subject"]`), "净水器底座漏水"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="description"]`), "安装一周后底座持续渗水"),
		chromedp.SetValue(chromedp.CSS(`select[name="category"]`), "quality.leak"),
		chromedp.SetValue(chromedp.CSS(`select[name="severity"]`), "major"),
		chromedp.Click(chromedp.CSS(`input[name="requests"][value="repair"]`)),
		mark, chromedp.Click(chromedp.CSS(`button.primary`)), fresh,
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	casePage, _, _ = strings.Cut(loc, "?")
	casePage, _, _ = strings.Cut(casePage, "#")
	state("已登记")
	if h := text(`#case-holder`); h != "品质王工" {
		t.Fatalf("holder %q: a quality complaint should go to QA", h)
	}

	signIn("qa")
	act("qa", "accept")
	state("已受理")
	act("qa", "start_investigation")
	if s := text(`#case-blocked`); !strings.Contains(s, "投诉是否成立：必填") {
		t.Fatalf("what is required: %q", s)
	}
	do("record an investigation",
		chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#investigation-form button`)),
		chromedp.SetValue(chromedp.CSS(`#i-kind`), "returned_goods_test"),
		chromedp.SetValue(chromedp.CSS(`#i-body`), "退回样品：密封圈硬度 62 HA，低于规格 70 HA"),
		mark, chromedp.Click(chromedp.CSS(`#investigation-form button`)), fresh)
	decide(`#d-established`, "yes", `#d-validity`, "valid", `#d-responsibility`, "internal")
	act("qa", "determine_responsibility")
	act("qa", "propose_measures")
	state("原因分析/拟定措施")
	qa := strconv.FormatInt(e.users["qa"].ID, 10)
	for kind, desc := range map[string]string{"containment": "隔离库存密封圈批次", "corrective": "更换密封圈供应批次并加严进料检验"} {
		do("add CAPA "+kind,
			chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`details.capa-add summary`)),
			chromedp.Click(chromedp.CSS(`details.capa-add summary`)), chromedp.WaitVisible(chromedp.CSS(`#capa-form button`)),
			chromedp.SetValue(chromedp.CSS(`#c-kind`), kind),
			chromedp.SetValue(chromedp.CSS(`#c-owner_user_id`), qa),
			chromedp.SetValue(chromedp.CSS(`#c-description`), desc),
			mark, chromedp.Click(chromedp.CSS(`#capa-form button`)), fresh)
	}
	decide(`#d-root_cause`, "密封圈批次硬度不足", `#d-resolution`, "replace", `#d-amount`, "1500")
	act("qa", "submit_for_approval")
	state("审批")

	signIn("mgr")
	act("mgr", "approve", "comment", "同意更换")
	if s := text(`#approvals`); !strings.Contains(s, "赵经理") {
		t.Fatalf("approval chain: %q", s)
	}

	signIn("qa")
	act("qa", "reply", "body", "经检测为密封圈批次问题，我司将为您免费更换整机。")
	state("已答复客户")

	signIn("agent")
	act("agent", "customer_agrees")
	state("执行中")

	signIn("qa")
	for i := 0; i < 2; i++ {
		do("complete CAPA",
			chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`form.capa-done button`)),
			chromedp.SetValue(chromedp.CSS(`form.capa-done input[name="evidence"]`), "已更换批次，附检验报告"),
			mark, chromedp.Click(chromedp.CSS(`form.capa-done button`)), fresh)
	}
	decide(`#d-resolution_executed`, "click")
	act("qa", "execute")
	state("效果确认")
	for i := 0; i < 2; i++ {
		do("verify CAPA",
			chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`form.capa-verify button`)),
			chromedp.SetValue(chromedp.CSS(`form.capa-verify select[name="verification"]`), "effective"),
			chromedp.SetValue(chromedp.CSS(`form.capa-verify input[name="verify_note"]`), "连续三批合格"),
			mark, chromedp.Click(chromedp.CSS(`form.capa-verify button`)), fresh)
	}
	act("qa", "verify_effective")
	state("回访")

	signIn("agent")
	act("agent", "follow_up_satisfied", "satisfaction", "5", "method", "phone")
	act("agent", "follow_up_satisfied", "satisfaction", "4", "method", "visit")

	signIn("mgr")
	act("mgr", "close")
	state("已结案")
	do("8D report", chromedp.Navigate(casePage+"/8d"), chromedp.WaitVisible(chromedp.ID("d8")))
	if s := text(`#root-cause`); s != "密封圈批次硬度不足" {
		t.Fatalf("8D root cause %q", s)
	}
}
