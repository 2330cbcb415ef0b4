package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kesu/internal/smtptest"
)

// TestPublicComplaintIsAcknowledgedByEmail files a complaint through the
// public form of a running kesu configured with SMTP and waits for the
// acknowledgement letter to arrive at the in-process mail server.
func TestPublicComplaintIsAcknowledgedByEmail(t *testing.T) {
	mail := smtptest.Start(t)
	base, _ := startServe(t, t.TempDir(), "--smtp-host", mail.Host, "--smtp-port", strconv.Itoa(mail.Port),
		"--smtp-from", "kefu@example.com", "--smtp-tls", "none", "--company", "华东净水科技有限公司")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{
		"subject":           {"净水器漏水"},
		"description":       {"安装三天后底部漏水，地板被泡。"},
		"complainant.name":  {"王女士"},
		"complainant.email": {"wang@example.com"},
		"requests":          {"repair"},
	}
	resp, err := client.PostForm(base+"/complaint/new", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("public form: status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	number := loc.Query().Get("n")
	if !regexp.MustCompile(`^KS-\d{8}-0001$`).MatchString(number) {
		t.Fatalf("receipt redirect %q has no complaint number", resp.Header.Get("Location"))
	}
	msgs := mail.Wait(t, 1, 20*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "wang@example.com" {
		t.Fatalf("letter sent to %v", m.To)
	}
	if !strings.Contains(m.Subject, number) || !strings.Contains(m.Subject, "受理") {
		t.Fatalf("subject %q should name the complaint and the acknowledgement", m.Subject)
	}
	if !strings.Contains(m.Text, number) || !strings.Contains(m.Text, loc.Query().Get("c")) || !strings.Contains(m.Text, "华东净水科技有限公司") {
		t.Fatalf("letter text lacks number, tracking code or company:\n%s", m.Text)
	}
}
