package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kesu/internal/audit"
	"kesu/internal/org"
)

// num64 reads a numeric field of a JSON object.
func num64(m map[string]any, key string) int64 { return int64(m[key].(float64)) }

// TestDeskRosterAndSwapsAPI: shift patterns, the roster, the on-duty
// board, a swap through its three steps, and refusals naming their rule
// in Chinese and English.
func TestDeskRosterAndSwapsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cs, err := e.app.DB.Cases().DepartmentByCode(ctx, "cs")
		if err != nil {
			t.Fatal(err)
		}
		shift := map[string]any{"code": "early", "name": "早班", "start": "08:00", "minutes": 480}
		e.post(org.RoleAgent, "/api/v1/desk/shifts", shift).wantErr(http.StatusForbidden, "forbidden", "", "")
		e.post(org.RoleManager, "/api/v1/desk/shifts", shift).want(http.StatusCreated)
		e.post(org.RoleManager, "/api/v1/desk/shifts", map[string]any{"code": "x", "name": "x", "start": "8 点", "minutes": 10}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "start", "invalid_time")

		agent, handler, gm := e.users[org.RoleAgent].ID, e.users[org.RoleHandler].ID, e.users[org.RoleGM].ID
		line := func(day string, user int64, dm bool) map[string]any {
			return map[string]any{"day": day, "shift": "early", "user_id": user, "duty_manager": dm}
		}
		slots := e.post(org.RoleManager, "/api/v1/desk/roster", map[string]any{"department_id": cs, "entries": []any{
			line("2026-03-10", gm, true), line("2026-03-10", agent, false), line("2026-03-16", agent, false), line("2026-03-18", handler, false),
			line("2026-03-17", agent, false), line("2026-04-05", agent, false), line("2026-03-25", handler, false)}}).want(http.StatusCreated).M()["items"].([]any)
		slot := func(i int) int64 { return num64(slots[i].(map[string]any), "id") }

		board := e.get(org.RoleAuditor, fmt.Sprintf("/api/v1/desk/board?department_id=%d", cs)).want(http.StatusOK).M()
		dms := board["duty_managers"].([]any)
		if len(board["on_duty"].([]any)) != 2 || len(dms) != 1 || num64(dms[0].(map[string]any), "user_id") != gm {
			t.Fatalf("board %v", board)
		}
		month := e.get(org.RoleAgent, fmt.Sprintf("/api/v1/desk/roster?month=2026-03&department_id=%d", cs)).want(http.StatusOK).M()
		if n := len(month["items"].([]any)); n != 6 {
			t.Fatalf("March roster %d slots", n)
		}

		sw := e.post(org.RoleAgent, "/api/v1/desk/swaps", map[string]any{"slot_id": slot(2), "payback_slot_id": slot(3), "partner_id": handler,
			"reason": "孩子家长会"}).want(http.StatusCreated).M()
		path := fmt.Sprintf("/api/v1/desk/swaps/%d", num64(sw, "id"))
		e.post(org.RoleManager, path+"/decision", map[string]any{"approve": true}).wantErr(http.StatusConflict, "conflict", "status", "swap_not_agreed")
		e.post(org.RoleAgent, path+"/agree", nil).wantErr(http.StatusConflict, "conflict", "user", "swap_not_partner")
		e.post(org.RoleHandler, path+"/agree", nil).want(http.StatusOK)
		e.post(org.RoleHandler, path+"/decision", map[string]any{"approve": true}).wantErr(http.StatusForbidden, "forbidden", "", "")
		if got := e.post(org.RoleManager, path+"/decision", map[string]any{"approve": true, "note": "同意"}).want(http.StatusOK).M(); got["status"] != "approved" {
			t.Fatalf("decision %v", got)
		}

		// 不允许连续换班: the agent swapped on the 16th, not again on the 17th.
		b := e.post(org.RoleAgent, "/api/v1/desk/swaps", map[string]any{"slot_id": slot(4), "payback_slot_id": slot(6), "partner_id": handler, "reason": "看病"}).
			wantErr(http.StatusConflict, "conflict", "requester_id", "swap_consecutive")
		if !strings.Contains(b.Error.Fields[0].Message, "不允许连续换班") {
			t.Errorf("message %q", b.Error.Fields[0].Message)
		}
		en := e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/desk/swaps", headers: map[string]string{"Accept-Language": "en"},
			body: map[string]any{"slot_id": slot(4), "payback_slot_id": slot(6), "partner_id": handler, "reason": "看病"}}).
			wantErr(http.StatusConflict, "conflict", "requester_id", "swap_consecutive")
		if !strings.Contains(en.Error.Fields[0].Message, "no back-to-back swaps") {
			t.Errorf("English message %q", en.Error.Fields[0].Message)
		}
		// 节假日当班人员不允许换班: 5 April is 清明节.
		b = e.post(org.RoleAgent, "/api/v1/desk/swaps", map[string]any{"slot_id": slot(5), "payback_slot_id": slot(6), "partner_id": handler, "reason": "扫墓"}).
			wantErr(http.StatusConflict, "conflict", "slot_id", "swap_holiday")
		if !strings.Contains(b.Error.Fields[0].Message, "清明节") {
			t.Errorf("message %q", b.Error.Fields[0].Message)
		}
		e.post(org.RoleAgent, "/api/v1/desk/swaps", map[string]any{"slot_id": slot(2), "payback_slot_id": slot(6), "partner_id": handler}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "reason", "required")
		list := e.get(org.RoleAuditor, "/api/v1/desk/swaps?month=2026-03").want(http.StatusOK).M()["items"].([]any)
		if len(list) != 1 {
			t.Fatalf("%d swaps recorded, want the approved one only", len(list))
		}
		// The roster shows the swap and its pay-back.
		month = e.get(org.RoleAgent, fmt.Sprintf("/api/v1/desk/roster?month=2026-03&department_id=%d", cs)).want(http.StatusOK).M()
		for _, it := range month["items"].([]any) {
			s := it.(map[string]any)
			switch num64(s, "id") {
			case slot(2):
				if num64(s, "user_id") != handler || s["swap_id"] == nil {
					t.Errorf("the swapped shift %v", s)
				}
			case slot(3):
				if num64(s, "user_id") != agent || s["swap_id"] == nil {
					t.Errorf("the pay-back shift %v", s)
				}
			}
		}
	})
}

// TestDeskKnowledgeBaseAPI: versions, canned replies counted, and the
// internal-entry guard where messages to the complainant are built — a
// workflow reply and a public note.
func TestDeskKnowledgeBaseAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		secret := e.post(org.RoleManager, "/api/v1/kb", map[string]any{"category": "技术资料", "title": "滤芯寿命内控",
			"body": "内控：RO 膜在进水 TDS 300 时寿命按 18 个月设计。该数据仅限内部使用。", "internal": true}).want(http.StatusCreated).M()
		public := e.post(org.RoleManager, "/api/v1/kb", map[string]any{"category": "服务态度", "title": "服务态度致歉",
			"body": "非常抱歉给您带来不好的体验，我们已对相关人员进行批评教育。"}).want(http.StatusCreated).M()
		e.post(org.RoleAgent, "/api/v1/kb", map[string]any{"category": "x", "title": "x", "body": "x"}).wantErr(http.StatusForbidden, "forbidden", "", "")

		found := e.get(org.RoleAgent, "/api/v1/kb?q=%E5%AF%BF%E5%91%BD").want(http.StatusOK).M()["items"].([]any) // 寿命
		if len(found) != 1 {
			t.Fatalf("search 寿命: %v", found)
		}
		if n := len(e.get(org.RoleAgent, "/api/v1/kb?q=%E5%AF%BF%E5%91%BD&public=true").want(http.StatusOK).M()["items"].([]any)); n != 0 {
			t.Fatalf("an internal entry among canned replies")
		}
		pub := fmt.Sprintf("/api/v1/kb/%d", num64(public, "id"))
		e.send(req{role: org.RoleManager, method: "PUT", path: pub, body: map[string]any{"category": "服务态度", "title": "服务态度致歉",
			"body": "非常抱歉给您带来不好的体验。", "version": 1, "note": "精简"}}).want(http.StatusOK)
		e.send(req{role: org.RoleManager, method: "PUT", path: pub, body: map[string]any{"category": "服务态度", "title": "旧稿",
			"body": "旧稿", "version": 1}}).wantErr(http.StatusConflict, "conflict", "version", "stale")
		if vs := e.get(org.RoleAgent, pub+"/versions").want(http.StatusOK).M()["items"].([]any); len(vs) != 2 {
			t.Fatalf("versions %v", vs)
		}

		k := e.newCase("service.attitude", "minor")
		used := e.post(org.RoleAgent, pub+"/use", map[string]any{"complaint_number": k.num}).want(http.StatusOK).M()
		if used["uses"].(float64) != 1 {
			t.Fatalf("use not counted: %v", used)
		}
		e.post(org.RoleAgent, fmt.Sprintf("/api/v1/kb/%d/use", num64(secret, "id")), map[string]any{"complaint_number": k.num}).
			wantErr(http.StatusForbidden, "forbidden", "body", "kb_internal")

		// The reply path: quoting the internal entry is refused before
		// anything is recorded or sent.
		k.decide(org.RoleAgent, map[string]any{"resolution": "apology"})
		k.refuse(org.RoleAgent, "resolve_on_spot", map[string]any{"body": "您好，RO 膜在进水 TDS 300 时寿命按 18 个月设计，请放心。"},
			http.StatusForbidden, "body", "kb_internal")
		e.post(org.RoleAgent, k.path("/notes"), map[string]any{"body": "该数据仅限内部使用", "public": true}).
			wantErr(http.StatusForbidden, "forbidden", "body", "kb_internal")
		e.post(org.RoleAgent, k.path("/notes"), map[string]any{"body": "该数据仅限内部使用", "public": false}).want(http.StatusCreated)
		k.get(org.RoleAgent)
		k.act(org.RoleAgent, "resolve_on_spot", "resolved_on_spot", map[string]any{"body": used["body"]})
		tl := e.get(org.RoleAgent, k.path("/timeline")).want(http.StatusOK)
		if strings.Contains(string(tl.Body), "18 个月") {
			t.Fatalf("the refused reply is on the timeline: %s", tl.Body)
		}
	})
}

// TestDeskContactsAndHandoversAPI: a price question routed to sales and
// answered from the knowledge base, an enquiry converted to a complaint,
// contact statistics; a handover acknowledged by the next shift.
func TestDeskContactsAndHandoversAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		sales, _ := e.app.DB.Cases().DepartmentByCode(ctx, "sales")
		cs, _ := e.app.DB.Cases().DepartmentByCode(ctx, "cs")
		ans := e.post(org.RoleManager, "/api/v1/kb", map[string]any{"category": "价格", "title": "报价转销售",
			"body": "价格请联系销售部 0571-8888-0000。"}).want(http.StatusCreated).M()
		c := e.post(org.RoleAgent, "/api/v1/contacts", map[string]any{"kind": "price", "channel": "phone", "name": "郑先生",
			"subject": "团购价格", "question": "五十台的价格？"}).want(http.StatusCreated).M()
		if num64(c, "department_id") != sales || len(c["history"].([]any)) != 2 {
			t.Fatalf("a price question %v", c)
		}
		e.post(org.RoleAgent, "/api/v1/contacts", map[string]any{"kind": "price", "channel": "pigeon", "name": "x", "subject": "x", "question": "x"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "channel", "invalid_value")
		got := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/contacts/%d/answer", num64(c, "id")), map[string]any{"entry_id": num64(ans, "id")}).want(http.StatusOK).M()
		if got["status"] != "answered" || got["answer"] != "价格请联系销售部 0571-8888-0000。" {
			t.Fatalf("answered %v", got)
		}
		enq := e.post(org.RoleAgent, "/api/v1/contacts", map[string]any{"kind": "enquiry", "channel": "phone", "name": "冯女士", "phone": "13900001111",
			"subject": "净水器异响", "question": "夜里有嗡嗡声，正常吗？"}).want(http.StatusCreated).M()
		if num64(enq, "department_id") != cs {
			t.Fatalf("an enquiry routed to %v", enq["department_id"])
		}
		conv := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/contacts/%d/convert", num64(enq, "id")), nil).want(http.StatusOK).M()
		num, _ := conv["complaint_number"].(string)
		if conv["status"] != "converted" || num == "" {
			t.Fatalf("converted %v", conv)
		}
		cm := e.get(org.RoleAgent, "/api/v1/complaints/"+num).want(http.StatusOK).M()
		if cm["subject"] != "净水器异响" || !strings.Contains(cm["description"].(string), "夜里有嗡嗡声") {
			t.Fatalf("the complaint %v", cm)
		}
		e.post(org.RoleHandler, fmt.Sprintf("/api/v1/contacts/%d/convert", num64(c, "id")), nil).wantErr(http.StatusForbidden, "forbidden", "", "")
		st := e.get(org.RoleManager, "/api/v1/reports/contacts?month=2026-03").want(http.StatusOK).M()
		if st["total"].(float64) != 2 || st["converted"].(float64) != 1 {
			t.Fatalf("stats %v", st)
		}

		h := e.post(org.RoleAgent, "/api/v1/desk/handovers", map[string]any{"department_id": cs, "equipment": "录音系统正常",
			"issues": "冯女士异响投诉待上门", "complaint_numbers": []string{num}}).want(http.StatusCreated).M()
		if nums := h["complaint_numbers"].([]any); len(nums) != 1 || nums[0] != num {
			t.Fatalf("handover %v", h)
		}
		hp := fmt.Sprintf("/api/v1/desk/handovers/%d/ack", num64(h, "id"))
		e.post(org.RoleAgent, hp, nil).wantErr(http.StatusConflict, "conflict", "user", "handover_own")
		if a := e.post(org.RoleHandler, hp, nil).want(http.StatusOK).M(); num64(a, "ack_by") != e.users[org.RoleHandler].ID {
			t.Fatalf("acknowledged %v", a)
		}
		e.post(org.RoleHandler, hp, nil).wantErr(http.StatusConflict, "conflict", "status", "handover_acknowledged")
	})
}

// TestRoutingPicksWhoIsOnShift: while the sales roster has someone on
// shift, new complaints routed to sales go to them; off the roster's
// hours, round robin over the whole team again.
func TestRoutingPicksWhoIsOnShift(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		ctx := context.Background()
		sales, _ := e.app.DB.Cases().DepartmentByCode(ctx, "sales")
		var onShift int64
		for _, name := range []string{"s1", "s2"} {
			u := &org.User{Username: "u_" + name, Name: "销售" + name, Role: org.RoleHandler, DepartmentID: &sales}
			if err := e.app.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
				t.Fatal(err)
			}
			onShift = u.ID
		}
		e.post(org.RoleManager, "/api/v1/desk/shifts", map[string]any{"code": "early", "name": "早班", "start": "08:00", "minutes": 480}).want(http.StatusCreated)
		e.post(org.RoleManager, "/api/v1/desk/roster", map[string]any{"department_id": sales, "entries": []any{
			map[string]any{"day": "2026-03-10", "shift": "early", "user_id": onShift}}}).want(http.StatusCreated)
		for i := range 3 {
			body := minimal(fmt.Sprintf("态度问题 %d", i))
			body["category"] = "service.attitude"
			c := e.create(body)
			k := &kase{e: e, num: c["number"].(string)}
			k.get(org.RoleGM)
			if holderID(k.c) != onShift {
				t.Fatalf("complaint %d held by %v, want the one on shift (%d)", i, k.c["holder"], onShift)
			}
		}
	})
}
