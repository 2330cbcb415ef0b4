package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A complaint received days ago: its 24-hour acknowledgement clock is
// overdue, the case page lists it with its due time and the list keeps it
// under "overdue" (issue 6).
func TestCaseClocks(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	received := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -5)
	form := url.Values{
		"csrf_token": {csrf}, "channel": {"phone"}, "received_at": {received.Format("2006-01-02T15:04")},
		"complainant.name": {"李四"}, "complainant.phone": {"138 0000 1111"}, "subject": {"净水器漏水"},
		"description": {"净水器滤芯漏水严重"}, "severity": {"major"}, "category": {"quality.leak"},
	}
	resp, body := e.post("/complaints/new", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if _, err := e.app.Worker.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	loc := resp.Header.Get("Location")
	resp, body = e.get(loc)
	expect(t, resp, body, 200, `id="clocks"`, "时限", "受理并发出回执", `class="clock overdue"`, "已超时")
	if !regexp.MustCompile(`<time>\d{4}-\d\d-\d\d \d\d:\d\d</time>`).MatchString(body) {
		t.Error("no due time on the case page")
	}
	resp, body = e.get("/complaints?due=overdue")
	expect(t, resp, body, 200, "净水器漏水", `value="overdue" selected`)
	resp, body = e.get("/complaints?due=due_soon&sort=due_asc")
	expect(t, resp, body, 200, `value="due_asc" checked`)
}

// The case page shows a working-time limit's time left in working days
// and hours, and extends a limit only with the customer's consent.
func TestCaseClockExtension(t *testing.T) {
	e := newEnv(t)
	csrf := e.loginAs("gm")
	form := url.Values{
		"csrf_token": {csrf}, "channel": {"phone"}, "complainant.name": {"李四"}, "complainant.phone": {"138 0000 1111"},
		"subject": {"净水器漏水"}, "description": {"净水器滤芯漏水严重"}, "severity": {"major"}, "category": {"quality.leak"},
	}
	resp, body := e.post("/complaints/new", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	loc := strings.Split(resp.Header.Get("Location"), "?")[0]
	resp, body = e.get(loc)
	expect(t, resp, body, 200, "个工作日", `action="`+loc+`/clocks/sla_9/extension"`, "同意人")
	// Without who agreed and how: refused, the due time stays.
	ext := url.Values{"csrf_token": {csrf}, "policy": {"sla_9"}, "due_at": {"2099-12-31T18:00"}, "consent.at": {"2020-01-01T09:00"}}
	resp, body = e.post(loc+"/clocks/sla_9/extension", ext)
	expect(t, resp, body, http.StatusUnprocessableEntity, "同意人", "必填")
	ext.Set("consent.by", "李四")
	ext.Set("consent.how", "phone")
	ext.Set("reason", "等待配件")
	resp, body = e.post(loc+"/clocks/sla_9/extension", ext)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", resp.StatusCode, body)
	}
	resp, body = e.get(loc)
	expect(t, resp, body, 200, "经客户同意由", "至 2099-12-31 18:00（李四）")
}
