package ui_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// TestBrowserDesk drives the handler's desk in headless Chromium, in
// Chinese and English, at 1366 and 390 px: no page is wider than the
// window (long serial numbers wrap), no message shows a placeholder or a
// key, the next step is named, a refused decision keeps what was typed
// and an amount written "¥1,500" is taken, the list pages back and forth,
// the duplicate panel gives its reasons, the administrator's menu fits
// one row at 1366 px, and an unknown address gets the styled 404 page.
func TestBrowserDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := newCaseEnv(t)
	ctx0 := context.Background()
	serial := "SN" + strings.Repeat("7302519846", 6)
	mk := func(subject, lot string) int64 {
		c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: "序列号 " + serial + " 的整机底座漏水",
			Category: "quality.leak", Severity: "major", BatchNo: lot, PartNo: serial,
			Complainant: complaint.Complainant{Name: "王女士", Phone: "13800138000", Company: "杭州经销商"}}
		if _, err := e.app.Deps.Complaints.Create(ctx0, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	for i := range 22 {
		mk("普通问题"+strconv.Itoa(i), "")
	}
	mk("净水器底座渗水"+serial, serial)
	id := mk("净水器底座漏水", serial)
	e.do(id, "qa", "accept", nil)
	e.do(id, "qa", "start_investigation", nil)

	ctx := startBrowser(t, bin, 120*time.Second)
	base := e.srv.URL
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	mark := chromedp.SetAttributeValue(chromedp.CSS(`body`), "data-stale", "1")
	fresh := chromedp.WaitVisible(chromedp.CSS(`body:not([data-stale]) main`))
	signIn := func(user, pw string) {
		t.Helper()
		do("sign in as "+user, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
			chromedp.SetValue(chromedp.CSS(`input[name="username"]`), user), chromedp.SetValue(chromedp.CSS(`input[name="password"]`), pw),
			mark, chromedp.Click(chromedp.CSS(`button.primary`)), fresh)
	}
	language := func(lang string) {
		t.Helper()
		do("switch to "+lang, chromedp.Navigate(base+"/lang?to="+lang+"&next=/work"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	}
	// fits checks the page at path is no wider than the window and shows
	// no unfilled placeholder or message key.
	fits := func(path string, width int) {
		t.Helper()
		do("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if w := eval(`document.documentElement.scrollWidth`); w > width {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(e => e.getBoundingClientRect().right > `+strconv.Itoa(width)+`).slice(0, 8).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().width))`))
			t.Logf("%s at %d px: wider than the window: %v", path, width, wide)
		}
		if w := eval(`document.documentElement.scrollWidth`); w > width {
			t.Errorf("%s at %d px is %d px wide", path, width, w)
		}
		body := text(`body`)
		for _, bad := range []string{"{0}", "{1}", "{2}", "desk.", "ui.", "rule."} {
			if strings.Contains(body, bad) {
				t.Errorf("%s shows %q", path, bad)
			}
		}
	}
	pages := []string{"/work", "/complaints", "/complaints/" + strconv.FormatInt(id, 10), "/inbox", "/incidents", "/capa/standard-updates", "/no-such-page"}

	signIn("qa", staffPassword)
	for _, lang := range []string{"zh", "en"} {
		language(lang)
		for _, width := range []int{1366, 390} {
			do("window "+strconv.Itoa(width), chromedp.EmulateViewport(int64(width), 900))
			for _, p := range pages {
				fits(p, width)
			}
		}
	}
	do("window 1366", chromedp.EmulateViewport(1366, 900))

	// The next step, in Chinese.
	language("zh")
	casePage := base + "/complaints/" + strconv.FormatInt(id, 10)
	do("case page", chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#next-step`)))
	if s := text(`#next-step`); !strings.Contains(s, "提交责任判定") || !strings.Contains(s, "由品质") || !strings.Contains(s, "投诉是否成立：必填") {
		t.Errorf("next step: %q", s)
	}
	if s := text(`#case-department`); s != "品质部" {
		t.Errorf("owning department %q", s)
	}

	// A refused decision keeps what was typed; ¥1,500 is taken.
	decide := func(amount string) {
		t.Helper()
		do("decide "+amount, chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#decisions summary`)),
			chromedp.Click(chromedp.CSS(`#decisions summary`)), chromedp.WaitVisible(chromedp.CSS(`#decision-form button`)),
			chromedp.SetValue(chromedp.CSS(`#d-established`), "yes"), chromedp.SetValue(chromedp.CSS(`#d-validity`), "valid"),
			chromedp.SetValue(chromedp.CSS(`#d-root_cause`), "密封圈批次硬度不足"), chromedp.SetValue(chromedp.CSS(`#d-amount`), amount),
			mark, chromedp.Click(chromedp.CSS(`#decision-form button`)), fresh)
	}
	decide("15,00")
	for sel, want := range map[string]string{`#d-root_cause`: "密封圈批次硬度不足", `#d-amount`: "15,00", `#d-validity`: "valid", `#d-established`: "yes"} {
		if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || v != want {
			t.Errorf("after the refusal %s holds %q, want %q", sel, v, want)
		}
	}
	if s := text(`#decision-form`); !strings.Contains(s, "须为金额，如 1200、1,200.50 或 ¥1,200") {
		t.Errorf("the amount error does not say the format: %q", s)
	}
	decide("¥1,500")
	if s := text(`#case-amount`); !strings.HasPrefix(s, "1500.00") {
		t.Errorf("amount after ¥1,500: %q", s)
	}

	// The list: total, next and previous page.
	do("list", chromedp.Navigate(base+"/complaints"), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if s := text(`#total`); s != "共 24 件" {
		t.Errorf("total %q", s)
	}
	do("next page", mark, chromedp.Click(chromedp.CSS(`a[rel="next"]`)), fresh, chromedp.WaitVisible(chromedp.CSS(`a[rel="prev"]`)))
	if s := text(`#page-no`); s != "第 2 页" {
		t.Errorf("page %q", s)
	}
	do("previous page", mark, chromedp.Click(chromedp.CSS(`a[rel="prev"]`)), fresh)
	if s := text(`#page-no`); s != "第 1 页" {
		t.Errorf("back to page %q", s)
	}

	// The duplicate panel says why, in English too.
	language("en")
	do("case page in English", chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#duplicates`)))
	if s := text(`#duplicates`); !strings.Contains(s, "same lot") {
		t.Errorf("duplicate reasons: %q", s)
	}
	if s := text(`#next-step`); !strings.Contains(s, "Next step") || strings.ContainsAny(s, "，。：（）") {
		t.Errorf("next step in English: %q", s)
	}

	// The administrator's menu is one row at 1366 px and opens its groups.
	signIn("admin", adminPassword)
	for _, lang := range []string{"zh", "en"} {
		language(lang)
		do("list", chromedp.Navigate(base+"/complaints"), chromedp.WaitVisible(chromedp.CSS(`#menu-admin summary`)))
		if h := eval(`document.querySelector("header.top").offsetHeight`); h > 60 {
			t.Errorf("%s: the administrator's header is %d px high: the menu wraps at 1366 px", lang, h)
		}
		if w := eval(`document.documentElement.scrollWidth`); w > 1366 {
			t.Errorf("%s: the administrator's page is %d px wide", lang, w)
		}
		do("open the admin menu", chromedp.Click(chromedp.CSS(`#menu-admin summary`)), chromedp.WaitVisible(chromedp.CSS(`#menu-admin a[href="/admin/workflow"]`)))
		do("audit via the menu", mark, chromedp.Click(chromedp.CSS(`#menu-admin a[href="/audit"]`)), fresh)
		fits("/audit", 1366)
	}
	do("window 390", chromedp.EmulateViewport(390, 900))
	for _, p := range []string{"/audit", "/users", "/admin/sla-policies", "/admin/calendar", "/customers", "/dashboard"} {
		fits(p, 390)
	}

	// The styled 404 page and the icon.
	do("unknown page", chromedp.Navigate(base+"/complaints-old/42"), chromedp.WaitVisible(chromedp.CSS(`#not-found`)))
	if s := text(`#not-found h1`); s != "Page not found" {
		t.Errorf("404 heading %q", s)
	}
	resp, err := http.Get(base + "/favicon.ico")
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon: %v %v", err, resp)
	}
}
