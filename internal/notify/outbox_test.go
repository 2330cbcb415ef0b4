package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/org"
	"kesu/internal/sla"
)

func outbox(t *testing.T) *notify.Outbox {
	ps, err := sla.DefaultPolicies()
	if err != nil {
		t.Fatal(err)
	}
	return &notify.Outbox{Email: true, SMS: true, Webhooks: []string{"https://a.example/hook", "https://b.example/hook"}, Policies: ps,
		Loc: sla.Shanghai(), BaseURL: "https://kesu.example/", Company: "华东净水"}
}

func breachNotice(user int64) sla.Notice {
	cid := int64(42)
	return sla.Notice{UserID: user, Kind: sla.TimerBreach, ComplaintID: &cid, Title: "t", Key: "sla.breach:9:1:" + string(rune('0'+user)),
		Data: map[string]string{"number": "KS-20260310-0001", "policy": "sla_1", "due": "2026-03-11T02:00:00Z"}}
}

func payload(t *testing.T, j *jobs.Job) notify.Message {
	var m notify.Message
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A time-limit notice becomes one email and one SMS per recipient, in the
// recipient's language, keyed by the notice.
func TestOutboxNotices(t *testing.T) {
	o := outbox(t)
	users := map[int64]org.User{
		1: {ID: 1, Name: "王工", Email: "wang@example.com", Phone: "13812348000", Lang: "zh"},
		2: {ID: 2, Name: "Anna", Email: "anna@example.com", Lang: "en"},
		3: {ID: 3, Name: "停用", Email: "old@example.com", Disabled: true},
		4: {ID: 4, Name: "无邮箱"},
	}
	ns := []sla.Notice{breachNotice(1), breachNotice(2), breachNotice(3), breachNotice(4),
		{UserID: 1, Kind: "incident.batch", Title: "批次异常", Key: "incident:1:1"}}
	js, err := o.Notices(ns, users)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, j := range js {
		kinds[j.Kind]++
	}
	if len(js) != 3 || kinds[notify.JobEmail] != 2 || kinds[notify.JobSMS] != 1 {
		t.Fatalf("jobs %v", kinds)
	}
	zh, en, text := payload(t, js[0]), payload(t, js[2]), payload(t, js[1])
	if zh.Subject != "【已逾期】KS-20260310-0001 首次联系投诉人" {
		t.Errorf("zh subject %q", zh.Subject)
	}
	for _, s := range []string{"王工，您好", "2026-03-11 10:00", "https://kesu.example/complaints/42"} {
		if !strings.Contains(zh.Text, s) || !strings.Contains(zh.HTML, s) {
			t.Errorf("zh email lacks %q:\n%s\n%s", s, zh.Text, zh.HTML)
		}
	}
	if en.Subject != "[Overdue] KS-20260310-0001 First contact with the complainant" || !strings.Contains(en.Text, "Dear Anna") || !strings.Contains(en.HTML, `lang="en"`) {
		t.Errorf("en email %q\n%s", en.Subject, en.Text)
	}
	if text.Channel != notify.SMS || text.To[0] != "13812348000" || !strings.Contains(text.Text, "KS-20260310-0001") {
		t.Errorf("sms %+v", text)
	}
	if js[0].Key != "email:"+ns[0].Key || js[1].Key != "sms:"+ns[0].Key {
		t.Errorf("keys %q %q", js[0].Key, js[1].Key)
	}
}

// A plan waiting for a signature reaches the approver by email and SMS,
// with the amount and the role they sign as, in their language.
func TestOutboxCaseNotices(t *testing.T) {
	o := outbox(t)
	cid := int64(42)
	users := map[int64]org.User{1: {ID: 1, Name: "郭经理", Email: "guo@example.com", Phone: "13812348000", Lang: "zh"},
		2: {ID: 2, Name: "Anna", Email: "anna@example.com", Lang: "en"}}
	var ns []sla.Notice
	for u := range int64(2) {
		ns = append(ns, sla.Notice{UserID: u + 1, Kind: "case.awaiting_approval", ComplaintID: &cid, Title: "t", Key: "k" + string(rune('1'+u)),
			Data: map[string]string{"number": "KS-20260310-0001", "amount": "CNY 15000.00", "role": "deputy_gm"}})
	}
	js, err := o.Notices(ns, users)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 3 {
		t.Fatalf("%d jobs, want email and SMS for one, email for the other", len(js))
	}
	zh, sms, en := payload(t, js[0]), payload(t, js[1]), payload(t, js[2])
	if zh.Subject != "【待审批】KS-20260310-0001 CNY 15000.00" || !strings.Contains(zh.Text, "以副总经理身份审批") {
		t.Errorf("zh %q\n%s", zh.Subject, zh.Text)
	}
	if !strings.Contains(sms.Text, "等待您审批") {
		t.Errorf("sms %q", sms.Text)
	}
	if !strings.Contains(en.Text, "waits for your signature as Deputy GM") {
		t.Errorf("en %s", en.Text)
	}
}

// A fired timer is one event per webhook URL with a stable id.
func TestOutboxFired(t *testing.T) {
	o := outbox(t)
	h := int64(1)
	due := time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC)
	f := sla.Fired{Timer: sla.Timer{Kind: sla.TimerBreach, ClockID: 9, Due: due}, Clock: sla.Clock{ID: 9, ComplaintID: 42, Policy: "sla_1", DueAt: due},
		Number: "KS-20260310-0001", HolderID: &h}
	js := o.Fired([]sla.Fired{f}, []sla.Notice{breachNotice(1), breachNotice(2)})
	if len(js) != 2 || js[0].Key == js[1].Key {
		t.Fatalf("jobs %+v", js)
	}
	m := payload(t, js[0])
	if m.Channel != notify.Webhook || m.To[0] != "https://a.example/hook" || m.Event.Type != notify.EventBreach {
		t.Fatalf("message %+v", m)
	}
	var d notify.TimerData
	if err := json.Unmarshal(m.Event.Data, &d); err != nil || d.Number != "KS-20260310-0001" || len(d.Notified) != 2 || d.PolicyZH == "" {
		t.Fatalf("data %+v %v", d, err)
	}
	if (&notify.Outbox{}).Fired([]sla.Fired{f}, nil) != nil {
		t.Error("events without webhooks")
	}
	// The first clock of another complaint due at the same moment is
	// another event: clocks are numbered within their complaint.
	g := f
	g.Clock.ComplaintID = 43
	if other := o.Fired([]sla.Fired{g}, nil); other[0].Key == js[0].Key {
		t.Errorf("two complaints' breaches share the key %s", js[0].Key)
	}
}
