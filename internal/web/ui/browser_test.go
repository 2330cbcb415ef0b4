package ui_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kesu/internal/audit"
	"kesu/internal/complaint"
)

// chromium finds the browser for the browser test: $KESU_CHROMIUM, then
// Debian's chromium. Missing, the test fails on CI and is skipped elsewhere.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("KESU_CHROMIUM"), "/usr/bin/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found (install Debian's chromium package or set KESU_CHROMIUM)")
	}
	t.Skip("chromium not found; set KESU_CHROMIUM to run the browser test")
	return ""
}

// TestBrowserFlow drives headless Chromium through the staff and public
// pages: sign in, register a complaint, find it by a Chinese substring,
// file a public complaint and track it with its number and code. Set
// KESU_SCREENSHOT=file.png to keep a picture of the list page.
func TestBrowserFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := newEnv(t)
	if _, err := e.app.Deps.Complaints.Create(context.Background(), &complaint.Complaint{Channel: "visit",
		Subject: "安装师傅迟到", Description: "约定上午安装，下午才到", Complainant: complaint.Complainant{Name: "孙八"}},
		complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}

	ctx := startBrowser(t, bin, 90*time.Second)
	base := e.srv.URL
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	do("sign in",
		chromedp.Navigate(base+"/complaints"), // redirects to the sign-in page
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), adminPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
	)

	do("register a complaint",
		chromedp.Navigate(base+"/complaints/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="channel"]`), "phone"),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.name"]`), "周九"),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.phone"]`), "021-5555 0101"),
		chromedp.SetValue(chromedp.CSS(`input[name="subject"]`), "净水器滤芯异响"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="description"]`), "开机后滤芯处持续发出异响"),
		chromedp.SetValue(chromedp.CSS(`select[name="category"]`), "quality.function"),
		chromedp.SetValue(chromedp.CSS(`select[name="severity"]`), "major"),
		chromedp.Click(chromedp.CSS(`input[name="requests"][value="repair"]`)),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if s := text(`p.flash`); !strings.Contains(s, "投诉已登记") {
		t.Fatalf("after registering: %q", s)
	}

	do("search the list",
		chromedp.Navigate(base+"/complaints"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="q"]`), "滤芯异"),
		chromedp.Click(chromedp.CSS(`.search button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q"][value="滤芯异"]`)),
	)
	rows := text(`table.list tbody`)
	if !strings.Contains(rows, "净水器滤芯异响") || strings.Contains(rows, "安装师傅迟到") {
		t.Fatalf("search result rows: %q", rows)
	}
	do("list", chromedp.Navigate(base+"/complaints"), chromedp.WaitVisible(chromedp.CSS(`table.list`)))
	if path := os.Getenv("KESU_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	do("file a public complaint",
		chromedp.Navigate(base+"/complaint/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="subject"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.name"]`), "吴十"),
		chromedp.SetValue(chromedp.CSS(`input[name="complainant.email"]`), "wu@example.com"),
		chromedp.SetValue(chromedp.CSS(`input[name="product_name"]`), "RO净水器"),
		chromedp.SetValue(chromedp.CSS(`input[name="subject"]`), "出水量变小"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="description"]`), "使用两个月后出水量明显变小"),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.ID("code")),
	)
	number, code := text(`#number`), text(`#code`)
	if number == "" || len(code) < 6 {
		t.Fatalf("receipt: number %q code %q", number, code)
	}

	do("track it",
		chromedp.Navigate(base+"/track"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="n"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="n"]`), number),
		chromedp.SetValue(chromedp.CSS(`input[name="c"]`), code),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
	if s := text(`#status`); s != "已登记" {
		t.Fatalf("tracked status %q", s)
	}
	if s := text(`#timeline`); !strings.Contains(s, "登记投诉") {
		t.Fatalf("tracked timeline %q", s)
	}
}

// startBrowser starts headless Chromium with the flags this closed network
// needs and a fresh profile, and returns a context bounded by timeout that
// drives it; the browser stops when the test ends.
func startBrowser(t *testing.T, bin string, timeout time.Duration) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// The first run starts the browser and must not carry a timeout.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return ctx
}
