package ui_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"kesu/internal/queue"
)

var (
	kioskQR  = regexp.MustCompile(`<img class="ticket-qr" id="ticket-qr" src="(data:image/png;base64,[^"]+)"`)
	kioskURL = regexp.MustCompile(`<p class="ticket-url" id="ticket-url">([^<]+)</p>`)
)

// readQR decodes a QR code with a reader other than the library that
// drew it.
func readQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR code does not read: %v", err)
	}
	return res.GetText()
}

// kioskTicket checks the screen a kiosk shows after a ticket of branch b
// is taken and returns the holder's page (path and query) that the
// printed ticket leads to. The screen carries the ticket's token only in
// the QR code and the printed address: no link, no form, no complaint.
func kioskTicket(t *testing.T, e *env, b *queue.Branch, body string) string {
	t.Helper()
	qm, um := kioskQR.FindStringSubmatch(body), kioskURL.FindStringSubmatch(body)
	if qm == nil || um == nil {
		t.Fatalf("kiosk screen without QR code or printed address:\n%s", body)
	}
	printed := html.UnescapeString(um[1])
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(html.UnescapeString(qm[1]), "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := readQR(t, img); got != printed {
		t.Errorf("QR code reads %q, the printed address is %q", got, printed)
	}
	u, err := url.Parse(printed)
	if err != nil || u.Scheme+"://"+u.Host != e.srv.URL {
		t.Fatalf("printed address %q is not at the public base %s", printed, e.srv.URL)
	}
	m := ticketLink.FindStringSubmatch(u.RequestURI())
	if m == nil || u.Query().Has("print") {
		t.Fatalf("printed address %q is not a ticket page", printed)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	tk, err := e.app.Queue.Store.Ticket(context.Background(), id)
	if err != nil || tk.Token != m[2] || tk.BranchID != b.ID || tk.Channel != "kiosk" {
		t.Fatalf("printed address %q is not the kiosk ticket's (%v)", printed, err)
	}
	rest := strings.Replace(strings.Replace(body, qm[0], "", 1), um[0], "", 1)
	if strings.Contains(rest, tk.Token) {
		t.Errorf("kiosk screen shows the token outside the QR code and the printed address:\n%s", rest)
	}
	refuse(t, rest, "<form", "complaint-form", "/complaint", "/queue/tickets/", `data-print`)
	// The QR code and the address are on the paper only.
	paper := strings.Index(body, `class="print-only"`)
	if paper < 0 || strings.Index(body, qm[0]) < paper || strings.Index(body, um[0]) < paper {
		t.Error("QR code or address outside the printed-only part")
	}
	return u.RequestURI()
}

// A ticket taken at the kiosk shows a screen to take it and go back; the
// holder's page with the complaint form is reached from the printed QR
// code. Online, the page with the form stays as it was.
func TestQueueKioskTicket(t *testing.T) {
	e := newEnv(t)
	b, a, c, _ := queueSetup(t, e)
	bp := fmt.Sprintf("/queue/branches/%d", b.ID)
	kiosk := bp + "/kiosk"

	// The kiosk's forms carry its language and return time, kept within
	// 2–60 seconds.
	resp, body := e.get(kiosk + "?lang=en&return=5")
	expect(t, resp, body, http.StatusOK, `action="`+bp+`/tickets?lang=en"`, `<input type="hidden" name="return" value="5">`)
	_, body = e.get(kiosk + "?return=999")
	expect(t, resp, body, http.StatusOK, `name="return" value="60"`)
	_, body = e.get(kiosk + "?return=0")
	expect(t, resp, body, http.StatusOK, `name="return" value="2"`)
	_, body = e.get(kiosk)
	refuse(t, body, `name="return"`)

	resp, body = e.post(bp+"/tickets?lang=en", url.Values{"channel": {"kiosk"}, "type_id": {fmt.Sprint(c.ID)}, "return": {"5"}})
	back := html.EscapeString(kiosk + "?lang=en&return=5")
	expect(t, resp, body, http.StatusOK, "Please take your ticket", "B001", "Complex", "People ahead of you: 0",
		"Large withdrawal booking form", "Scan with your phone", ">Done</a>", "goes back to the services in 5 seconds",
		`data-return-to="`+back+`" data-return-after="5"`, `href="`+back+`" data-return-now`,
		`<noscript><meta http-equiv="refresh" content="5;url=`+back+`"></noscript>`)
	if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("kiosk screen Referrer-Policy %q, want no-referrer", rp)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("kiosk screen Cache-Control %q, want no-store", cc)
	}
	holder := kioskTicket(t, e, b, body)
	// The holder's own page, from the QR code, has the complaint form.
	resp, body = e.get(holder)
	expect(t, resp, body, http.StatusOK, "B001", `id="complaint-form"`)

	// Without a return time the screen goes back after 12 seconds, to the
	// kiosk in its language; Chinese.
	resp, body = e.post(bp+"/tickets?lang=zh", url.Values{"channel": {"kiosk"}, "type_id": {fmt.Sprint(a.ID)}})
	back = html.EscapeString(kiosk + "?lang=zh")
	expect(t, resp, body, http.StatusOK, "请取走您的号票", "A001", "简单业务", ">完成</a>", "本页 12 秒后自动返回取号页面",
		"用手机扫码查看排队进度", `data-return-to="`+back+`" data-return-after="12"`)
	kioskTicket(t, e, b, body)

	// A refused kiosk ticket shows the kiosk again with the reason.
	resp, body = e.post(bp+"/tickets?lang=zh", url.Values{"channel": {"kiosk"}, "type_id": {"99999"}, "return": {"5"}})
	expect(t, resp, body, http.StatusUnprocessableEntity, `class="kiosk-button"`, `name="return" value="5"`, `class="alert"`)

	// Online: the customer's own page, with the complaint form.
	resp, _ = e.post(bp+"/tickets", url.Values{"channel": {"online"}, "type_id": {fmt.Sprint(a.ID)}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || ticketLink.FindString(loc) != loc || strings.Contains(loc, "print=") {
		t.Fatalf("online ticket: %d %q", resp.StatusCode, loc)
	}
	resp, body = e.get(loc)
	expect(t, resp, body, http.StatusOK, "A002", `id="complaint-form"`, "data-print")
}

// The kiosk's screen in headless Chromium: it fits a 1920×1080 display and
// a tablet, shows no QR code on screen but prints one that reads as the
// holder's page, and the service buttons come back by themselves after the
// kiosk's return time, or at once on "done", without a way back to it.
func TestQueueKioskBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	e := newEnv(t)
	b, _, _, _ := queueSetup(t, e)
	bctx := startBrowser(t, bin, 90*time.Second)
	kiosk := fmt.Sprintf("%s/queue/branches/%d/kiosk", e.srv.URL, b.ID)
	take := func(u string) {
		t.Helper()
		if err := chromedp.Do(bctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`.kiosk-button`)),
			chromedp.Click(chromedp.CSS(`.kiosk-button`)), chromedp.WaitVisible(chromedp.CSS(`#kiosk-taken`))); err != nil {
			t.Fatalf("take a ticket at %s: %v", u, err)
		}
	}
	// waitFor waits until expr holds; the page navigates meanwhile,
	// which ends a script polling in it, so it asks again.
	waitFor := func(expr string, within time.Duration) bool {
		for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
				return true
			}
		}
		return false
	}
	const buttons = `document.readyState === "complete" && document.querySelector(".kiosk-button") !== null && document.getElementById("kiosk-taken") === null`
	backAt := func(want string, within time.Duration) {
		t.Helper()
		if !waitFor(buttons+` && location.href === `+fmt.Sprintf("%q", want), within) {
			href, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href`))
			t.Fatalf("kiosk buttons not back at %s within %v (at %s)", want, within, href)
		}
	}

	for _, vp := range [][2]int64{{1920, 1080}, {768, 1024}, {1024, 768}} {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(vp[0], vp[1])); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		take(kiosk + "?lang=en&return=2")
		fits, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => {
			const inView = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight; };
			return document.documentElement.scrollWidth <= innerWidth && inView(document.getElementById("ticket-number")) &&
				inView(document.getElementById("kiosk-done")) && document.getElementById("kiosk-done").getBoundingClientRect().height >= 60 &&
				!document.getElementById("ticket-qr").checkVisibility() && !document.getElementById("ticket-url").checkVisibility();
		})()`))
		if err != nil || !fits {
			t.Errorf("kiosk screen at %dx%d: does not fit, or shows the QR code or address (err %v)", vp[0], vp[1], err)
		}
		backAt(kiosk+"?lang=en&return=2", 8*time.Second)
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("kiosk screen went back after %v, before its 2 s", d)
		}
	}

	// Going back leads to the kiosk before the ticket, not to the screen:
	// it replaced itself.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[any](`history.back()`)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(buttons+` && performance.getEntriesByType("navigation")[0].type === "back_forward"`, 5*time.Second) {
		t.Error("back after the return does not show the kiosk's buttons")
	}

	// The printed ticket: the QR code, as the browser prints it, reads as
	// the holder's page with its token.
	take(kiosk + "?lang=zh&return=60")
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	if err := chromedp.Do(bctx, media("print"), chromedp.WaitVisible(chromedp.ID(`ticket-qr`))); err != nil {
		t.Fatalf("printed ticket: %v", err)
	}
	shot, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.ID(`ticket-qr`)))
	if err != nil {
		t.Fatal(err)
	}
	printed, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID(`ticket-url`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, media("")); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	got := readQR(t, img)
	m := ticketLink.FindStringSubmatch(got)
	if got != printed || m == nil || !strings.HasPrefix(got, e.srv.URL+"/queue/tickets/") {
		t.Fatalf("printed QR code reads %q, printed address %q", got, printed)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	if tk, err := e.app.Queue.Store.Ticket(context.Background(), id); err != nil || tk.Token != m[2] {
		t.Fatalf("printed QR code %q is not the ticket's page (%v)", got, err)
	}
	// "Done" goes back at once.
	start := time.Now()
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID(`kiosk-done`))); err != nil {
		t.Fatal(err)
	}
	backAt(kiosk+"?lang=zh&return=60", 3*time.Second)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("done took %v", d)
	}
}
