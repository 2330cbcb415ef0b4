package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
)

// A complaint received days ago has overdue clocks: the list keeps it
// under due=overdue and the clocks endpoint shows them with due times.
func TestClocksAndDueFilter(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		mk := func(received string) string {
			c := e.post(org.RoleAgent, "/api/v1/complaints", map[string]any{
				"channel": "phone", "received_at": received, "subject": "净水器漏水", "description": "底部漏水。",
				"category": "quality.leak", "severity": "major",
				"complainant": map[string]any{"name": "李四", "phone": "13812348000"},
			}).want(http.StatusCreated).M()
			return c["number"].(string)
		}
		old, fresh := mk("2026-03-02T09:00:00+08:00"), mk("2026-03-10T09:30:00+08:00")
		if _, err := e.app.Worker.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		var clocks struct {
			Items []struct {
				Policy, State, Urgency string
				LabelZH                string `json:"label_zh"`
				DueAt                  string `json:"due_at"`
				Remaining              int64
			}
		}
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(old)+"/clocks").want(http.StatusOK).JSON(&clocks)
		found := false
		for _, c := range clocks.Items {
			t.Logf("%+v", c)
			if c.Policy == "sla_2" {
				found = true
				if c.DueAt == "" || c.LabelZH == "" || c.Urgency != "overdue" || c.Remaining >= 0 {
					t.Errorf("sla_2 clock %+v, want overdue with a due time", c)
				}
			}
		}
		if !found {
			t.Fatalf("no sla_2 clock in %+v", clocks.Items)
		}
		var page struct{ Items []struct{ Number string } }
		e.get(org.RoleAgent, "/api/v1/complaints?due=overdue").want(http.StatusOK).JSON(&page)
		if len(page.Items) != 1 || page.Items[0].Number != old {
			t.Errorf("due=overdue: %+v, want only %s", page.Items, old)
		}
		e.get(org.RoleAgent, "/api/v1/complaints?sort=due_asc&limit=1").want(http.StatusOK).JSON(&page)
		if len(page.Items) != 1 || page.Items[0].Number != old {
			t.Errorf("sort=due_asc: %+v, want %s first", page.Items, old)
		}
		_ = fresh
		e.get(org.RoleAgent, "/api/v1/complaints?due=late").want(http.StatusUnprocessableEntity)
	})
}

// clock is a clock as the API answers it.
type clockJSON struct {
	Policy, State, Urgency string
	DueAt                  string  `json:"due_at"`
	Working                bool    `json:"working"`
	HoursPerDay            float64 `json:"hours_per_day"`
	Remaining              int64
	Left                   struct {
		Days, Hours, Minutes int
		Late                 bool
	}
	Extension *struct {
		From, To string
		Consent  struct{ By, At, How string }
	}
}

// clocksOf reads a case's clocks by policy.
func (k *kase) clocksOf() map[string]clockJSON {
	k.e.t.Helper()
	var l struct{ Items []clockJSON }
	k.e.get(org.RoleAgent, k.path("/clocks")).want(http.StatusOK).JSON(&l)
	out := map[string]clockJSON{}
	for _, c := range l.Items {
		out[c.Policy] = c
	}
	return out
}

// wantStates checks the states of policies.
func (k *kase) wantStates(step string, want map[string]string) {
	k.e.t.Helper()
	got := k.clocksOf()
	for p, st := range want {
		if got[p].State != st {
			k.e.t.Errorf("after %s: %s is %q, want %q", step, p, got[p].State, st)
		}
	}
}

// Each clock is met by its own event only (issue 11 §6): accepting is not
// contacting the complainant, a decision is not a reply; a customer-caused
// case needs no CAPA, so those limits end not applicable; after closing
// nothing runs, and the statistics count not applicable apart from met.
func TestClocksMetOnlyByTheirOwnEvent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		k.wantStates("registration", map[string]string{"sla_1": "running", "sla_2": "running", "sla_3": "running", "sla_4": "running",
			"sla_5": "running", "sla_9": "running", "sla_12": "running"})
		k.act("qa1", "accept", "accepted", nil)
		k.wantStates("accept", map[string]string{"sla_2": "met", "sla_1": "running"})
		k.act("qa1", "start_investigation", "investigating", nil)
		k.wantStates("start_investigation", map[string]string{"sla_11": "running"})
		k.e.post("qa1", k.path("/investigations"), map[string]any{"kind": "contact", "body": "电话联系投诉人，约定上门检测。"}).want(http.StatusCreated)
		k.get("qa1")
		k.wantStates("contact", map[string]string{"sla_1": "met", "sla_12": "running"})
		k.decide("qa1", map[string]any{"established": false, "validity": "invalid", "responsibility": "customer", "resolution": "explanation"})
		k.wantStates("decision", map[string]string{"sla_3": "running"})
		k.act("qa1", "determine_responsibility", "responsibility_determined", nil)
		k.act("qa1", "reply_explanation", "follow_up", map[string]any{"body": "经检测，漏水系安装时未按说明书紧固接头所致。"})
		k.wantStates("reply_explanation", map[string]string{"sla_3": "met", "sla_12": "met", "sla_11": "met",
			"sla_4": "not_applicable", "sla_5": "not_applicable", "sla_9": "running"})
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 4})
		k.act(org.RoleAgent, "follow_up_satisfied", "follow_up", map[string]any{"satisfaction": 5})
		k.act("qa1", "close", "closed", nil)
		for p, c := range k.clocksOf() {
			if c.State == "running" || c.State == "paused" {
				t.Errorf("%s still %s on the closed case", p, c.State)
			}
		}
		k.wantStates("close", map[string]string{"sla_9": "met", "sla_4": "not_applicable"})
		var st struct {
			Limits []struct {
				Policy                 string
				Met, Breached, Running int
				NotApplicable          int     `json:"not_applicable"`
				OnTime                 float64 `json:"on_time"`
			}
		}
		e.get(org.RoleManager, "/api/v1/reports/statistics?month=2026-03").want(http.StatusOK).JSON(&st)
		for _, l := range st.Limits {
			if l.Policy == "sla_4" && (l.NotApplicable != 1 || l.Met != 0 || l.OnTime != 0) {
				t.Errorf("sla_4 in the statistics: %+v", l)
			}
			if l.Policy == "sla_1" && (l.Met != 1 || l.OnTime != 1) {
				t.Errorf("sla_1 in the statistics: %+v", l)
			}
		}
	})
}

// A withdrawn case leaves no clock running; an approver's rejection meets
// nothing.
func TestNoClockRunsOnAnEndedCase(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("service.response", "minor")
		k.act("smgr", "withdraw", "withdrawn", map[string]any{"reason": "客户撤诉"})
		for p, c := range k.clocksOf() {
			if c.State != "not_applicable" {
				t.Errorf("%s is %s after the withdrawal", p, c.State)
			}
		}
		var page struct{ Items []struct{ Number string } }
		e.get(org.RoleAgent, "/api/v1/complaints?due=due_soon").want(http.StatusOK).JSON(&page)
		if len(page.Items) != 0 {
			t.Errorf("withdrawn case listed as due soon: %+v", page.Items)
		}
	})
}

// A safety hazard reported on a Saturday evening is due that day, and the
// time left of a working-time limit reads in working days and hours.
func TestSafetyDueTheSameDayAndTimeLeftInUnit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := minimal("燃气泄漏")
		body["safety"], body["category"], body["received_at"] = true, "quality.leak", "2026-03-07T21:00:00+08:00"
		k := &kase{e: e, num: e.create(body)["number"].(string)}
		cs := k.clocksOf()
		if c := cs["sla_7"]; c.DueAt != "2026-03-07T15:59:59Z" || c.Urgency != "overdue" {
			t.Errorf("safety clock %+v, want due on Saturday 23:59:59", c)
		}
		// Received Saturday evening: 10 working days count from Monday
		// 08:30; now is Tuesday 10:00, so 8 working days and some hours
		// remain — not "9天" of 24 hours.
		c := cs["sla_5"]
		if !c.Working || c.HoursPerDay != 7.5 || c.Left.Late || c.Left.Days != 8 || c.Left.Hours > 7 {
			t.Errorf("corrective clock %+v, want 8 working days and hours left", c)
		}
		if c := cs["sla_9"]; c.Working || c.Left.Days != 12 || c.Left.Late {
			t.Errorf("closure clock %+v, want 12 calendar days left", c)
		}
	})
}

// An extension needs the customer's recorded consent: without who, when
// and how it is refused field by field and nothing moves; with it the due
// time moves, the timeline says who extended it from when to when with
// whose consent, and the statistics count the extended complaint.
func TestExtensionWithConsent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		k := e.newCase("quality.leak", "major")
		before := k.clocksOf()["sla_9"].DueAt
		body := map[string]any{"due_at": "2026-03-31T18:00:00+08:00", "consent": map[string]any{"by": "张三"}, "reason": "等待配件到货"}
		b := e.post("qa1", k.path("/clocks/sla_9/extension"), body).wantErr(http.StatusUnprocessableEntity, "invalid", "consent.at", "required")
		if len(b.Error.Fields) != 2 {
			t.Errorf("fields %+v, want consent.at and consent.how", b.Error.Fields)
		}
		if got := k.clocksOf()["sla_9"].DueAt; got != before {
			t.Fatalf("refused extension moved the due time to %s", got)
		}
		body["consent"] = map[string]any{"by": "张三", "at": "2026-03-10T09:30:00+08:00", "how": "phone"}
		e.post("qa1", k.path("/clocks/sla_9/extension"), map[string]any{"due_at": "2026-03-01T00:00:00+08:00", "consent": body["consent"]}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "due_at", "not_after")
		e.post("qa1", k.path("/clocks/sla_99/extension"), body).wantErr(http.StatusNotFound, "not_found", "", "")
		var l struct{ Items []clockJSON }
		e.post("qa1", k.path("/clocks/sla_9/extension"), body).want(http.StatusOK).JSON(&l)
		c := k.clocksOf()["sla_9"]
		if c.DueAt != "2026-03-31T10:00:00Z" || c.Extension == nil || c.Extension.Consent.By != "张三" || c.Extension.From != before {
			t.Fatalf("extended clock %+v", c)
		}
		var tl struct {
			Items []struct {
				Kind, Actor string
				Data        map[string]any
			}
		}
		e.get(org.RoleAgent, k.path("/timeline")).want(http.StatusOK).JSON(&tl)
		last := tl.Items[len(tl.Items)-1]
		if last.Kind != "sla_extended" || last.Data["policy"] != "sla_9" || last.Actor != e.users["qa1"].Username ||
			last.Data["consent"].(map[string]any)["by"] != "张三" {
			t.Errorf("timeline %+v", last)
		}
		var st struct{ Extended int }
		e.get(org.RoleManager, "/api/v1/reports/statistics?month=2026-03").want(http.StatusOK).JSON(&st)
		if st.Extended != 1 {
			t.Errorf("statistics count %d extended complaints", st.Extended)
		}
	})
}

// Time-limit policies are data: an administrator saves a new version
// (validated field by field, with a reason, based on the version read);
// new complaints take it, a running clock keeps its own.
func TestPoliciesVersioned(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		old := &kase{e: e, num: e.create(minimal("旧版时限"))["number"].(string)}
		var cur struct {
			Version  int
			Policies []map[string]any
			Versions []struct{ Version int }
		}
		e.get(org.RoleAgent, "/api/v1/sla/policies").want(http.StatusOK).JSON(&cur)
		if cur.Version != 1 || len(cur.Policies) < 14 || len(cur.Versions) != 1 {
			t.Fatalf("shipped policies: version %d, %d policies", cur.Version, len(cur.Policies))
		}
		for _, p := range cur.Policies {
			if p["code"] == "sla_9" {
				p["amount"] = 10
			}
		}
		body := map[string]any{"version": 1, "note": "结案时限缩短为10天", "policies": cur.Policies}
		e.send(req{role: org.RoleManager, method: "PUT", path: "/api/v1/sla/policies", body: body}).wantErr(http.StatusForbidden, "forbidden", "", "")
		bad := append([]map[string]any{}, cur.Policies...)
		bad[0] = map[string]any{"code": "sla_1", "zh": "首次联系", "start": []string{"created"}, "stop": []string{"record:contact"},
			"amount": -3, "unit": "fortnights", "when": map[string]any{}}
		e.send(req{role: org.RoleAdmin, method: "PUT", path: "/api/v1/sla/policies", body: map[string]any{"version": 1, "note": "x", "policies": bad}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "policies[0].amount", "negative")
		var saved struct{ Version int }
		e.send(req{role: org.RoleAdmin, method: "PUT", path: "/api/v1/sla/policies", body: body}).want(http.StatusOK).JSON(&saved)
		if saved.Version != 2 {
			t.Fatalf("saved version %d", saved.Version)
		}
		e.send(req{role: org.RoleAdmin, method: "PUT", path: "/api/v1/sla/policies", body: body}).wantErr(http.StatusConflict, "conflict", "version", "stale")
		fresh := &kase{e: e, num: e.create(minimal("新版时限"))["number"].(string)}
		due := func(k *kase) string { return k.clocksOf()["sla_9"].DueAt }
		if d := due(fresh); !strings.HasPrefix(d, "2026-03-20") {
			t.Errorf("new complaint's closure due %s, want 10 days", d)
		}
		if d := due(old); !strings.HasPrefix(d, "2026-03-25") {
			t.Errorf("running clock's closure due %s, want the 15 days it started with", d)
		}
	})
}
