package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kesu/internal/org"
)

// queueBranch sets up a branch of customer service (the agent's
// department) through the API: types A (simple) and B (complex), counter
// 1 for A, counter 2 for B.
func queueBranch(t *testing.T, e *env, policy string) (branch, typeA, typeB, c1, c2 int64) {
	t.Helper()
	id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }
	branch = id(e.post(org.RoleAdmin, "/api/v1/queue/branches", map[string]any{"code": "sh-" + policy, "name": "上海分行营业部",
		"name_en": "Shanghai Main", "policy": policy, "opens": "09:00", "closes": "17:00",
		"department_id": *e.users[org.RoleAgent].DepartmentID}).want(http.StatusCreated).M())
	p := fmt.Sprintf("/api/v1/queue/branches/%d", branch)
	typeA = id(e.post(org.RoleAdmin, p+"/types", map[string]any{"prefix": "A", "name": "简单业务", "name_en": "Simple",
		"documents": "身份证\n银行卡", "handle_minutes": 3}).want(http.StatusCreated).M())
	typeB = id(e.post(org.RoleAdmin, p+"/types", map[string]any{"prefix": "B", "name": "复杂业务", "name_en": "Complex",
		"documents": "身份证\n大额取款预约单", "handle_minutes": 10, "priority": 1}).want(http.StatusCreated).M())
	c1 = id(e.post(org.RoleAdmin, p+"/counters", map[string]any{"name": "1号窗口", "types": []int64{typeA}, "open": true}).want(http.StatusCreated).M())
	c2 = id(e.post(org.RoleAdmin, p+"/counters", map[string]any{"name": "2号窗口", "types": []int64{typeB}, "open": true}).want(http.StatusCreated).M())
	return
}

func TestQueueTicketsAndCounters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		branch, typeA, typeB, c1, c2 := queueBranch(t, e, "dedicated")
		// Counter staff do not set up branches.
		e.post(org.RoleAgent, "/api/v1/queue/branches", map[string]any{"code": "x", "name": "x"}).want(http.StatusForbidden)
		// The kiosk shows the documents each type needs, without sign-in.
		b := e.get("", fmt.Sprintf("/api/v1/queue/branches/%d", branch)).want(http.StatusOK).M()
		if docs := b["types"].([]any)[1].(map[string]any)["documents"]; !strings.Contains(docs.(string), "大额取款预约单") {
			t.Errorf("documents of B: %v", docs)
		}
		issue := func(typ int64, extra map[string]any) map[string]any {
			body := map[string]any{"branch_id": branch, "type_id": typ, "channel": "kiosk"}
			for k, v := range extra {
				body[k] = v
			}
			return e.post("", "/api/v1/queue/tickets", body).want(http.StatusCreated).M()
		}
		a1 := issue(typeA, nil)
		issue(typeB, nil)
		a2 := issue(typeA, map[string]any{"channel": "online", "phone": "13800000000", "remind_ahead": 5})
		if n := a2["ticket"].(map[string]any)["number"]; n != "A002" || a2["ahead"].(float64) != 1 || a2["estimated_wait_min"].(float64) != 3 {
			t.Errorf("second A ticket: %v ahead %v wait %v", n, a2["ahead"], a2["estimated_wait_min"])
		}
		// Bad input: field errors, nothing written.
		e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": branch, "type_id": typeA, "channel": "kiosk", "remind_ahead": 3}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "phone", "required")
		e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": branch, "type_id": 999, "channel": "kiosk"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "type_id", "not_found")
		st := e.get("", fmt.Sprintf("/api/v1/queue/branches/%d/status", branch)).want(http.StatusOK).M()
		if st["waiting"].(float64) != 3 {
			t.Fatalf("waiting %v, want 3", st["waiting"])
		}
		// The counters call by their profiles.
		callA := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil).want(http.StatusOK).M()
		if callA["number"] != "A001" {
			t.Errorf("counter 1 called %v", callA["number"])
		}
		callB := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c2), nil).want(http.StatusOK).M()
		if callB["number"] != "B001" {
			t.Errorf("counter 2 called %v", callB["number"])
		}
		e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c2), nil).want(http.StatusNotFound)
		act := func(c int64, tk map[string]any, action string, body any) *resp {
			return e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/%s", c, tk["id"], action), body)
		}
		act(c1, callA, "serve", nil).want(http.StatusOK)
		if done := act(c1, callA, "finish", nil).want(http.StatusOK).M(); done["status"] != "done" || done["finished_at"] == nil {
			t.Errorf("finished: %v", done)
		}
		act(c2, callB, "transfer", map[string]any{"to_type": 0}).wantErr(http.StatusUnprocessableEntity, "invalid", "to_type", "required")
		act(c1, callB, "serve", nil).want(http.StatusConflict) // not at counter 1
		moved := act(c2, callB, "transfer", map[string]any{"to_type": typeA}).want(http.StatusOK).M()
		if moved["status"] != "waiting" || int64(moved["type_id"].(float64)) != typeA {
			t.Errorf("transferred: %v", moved)
		}
		// The transferred ticket keeps its place: issued before A002.
		next := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil).want(http.StatusOK).M()
		if next["number"] != "B001" {
			t.Errorf("after the transfer counter 1 called %v, want B001", next["number"])
		}
		act(c1, next, "no_show", nil).want(http.StatusOK)
		// The holder's page; a wrong token finds nothing.
		tk := a2["ticket"].(map[string]any)
		v := e.get("", fmt.Sprintf("/api/v1/queue/tickets/%v?token=%v", tk["id"], a2["token"])).want(http.StatusOK).M()
		if v["ahead"].(float64) != 0 {
			t.Errorf("A002 ahead %v, want 0", v["ahead"])
		}
		e.get("", fmt.Sprintf("/api/v1/queue/tickets/%v?token=nope", tk["id"])).want(http.StatusNotFound)
		_ = a1
	})
}

// The live stream sends the branch's figures at once and again within a
// second of a call.
func TestQueueLiveEvents(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		branch, typeA, _, c1, _ := queueBranch(t, e, "pooled")
		for range 3 {
			e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": branch, "type_id": typeA, "channel": "kiosk"}).want(http.StatusCreated)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/queue/branches/%d/events", e.srv.URL, branch), nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("content type %q", ct)
		}
		events := make(chan map[string]any, 10)
		go func() {
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var m map[string]any
					json.Unmarshal([]byte(d), &m)
					events <- m
				}
			}
		}()
		first := <-events
		if first["waiting"].(float64) != 3 {
			t.Fatalf("first event waiting %v", first["waiting"])
		}
		start := time.Now()
		e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil).want(http.StatusOK)
		select {
		case ev := <-events:
			if ev["waiting"].(float64) != 2 || len(ev["calling"].([]any)) != 1 {
				t.Errorf("after the call: %v", ev)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("update took %v", d)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no event after the call")
		}
	})
}

func TestQueuePlanAnalyticsSimulate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := e.get(org.RoleManager, "/api/v1/queue/plan?arrivals=100&per=30m&handle=180s&target=20s&level=0.8").want(http.StatusOK).M()
		if p["recommended"].(float64) != 14 || p["load"].(float64) != 10 {
			t.Errorf("plan %v", p)
		}
		e.get(org.RoleHandler, "/api/v1/queue/plan?arrivals=100&per=30m&handle=180s&target=20s").want(http.StatusForbidden)
		e.get(org.RoleManager, "/api/v1/queue/plan?arrivals=100&per=30m&handle=soon&target=20s").
			wantErr(http.StatusUnprocessableEntity, "invalid", "handle", "invalid_duration")

		branch, typeA, typeB, c1, c2 := queueBranch(t, e, "dedicated")
		for i := range 6 {
			typ := typeA
			if i%2 == 1 {
				typ = typeB
			}
			e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": branch, "type_id": typ, "channel": "kiosk"}).want(http.StatusCreated)
		}
		for _, c := range []int64{c1, c2, c1} {
			tk := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c), nil).want(http.StatusOK).M()
			e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/serve", c, tk["id"]), nil).want(http.StatusOK)
			e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/finish", c, tk["id"]), nil).want(http.StatusOK)
		}
		tk := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c2), nil).want(http.StatusOK).M()
		e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/no_show", c2, tk["id"]), nil).want(http.StatusOK)
		// The manager of quality reads no analytics of a branch of customer
		// service; the general manager reads every branch's.
		e.get(org.RoleManager, fmt.Sprintf("/api/v1/queue/branches/%d/analytics?from=2026-03-10&to=2026-03-10", branch)).
			wantErr(http.StatusForbidden, "forbidden", "branch_id", "branch_out_of_scope")
		e.get(org.RoleManager, fmt.Sprintf("/api/v1/queue/branches/%d/simulation?day=2026-03-10&policy=pooled&counters=2", branch)).
			wantErr(http.StatusForbidden, "forbidden", "branch_id", "branch_out_of_scope")
		an := e.get(org.RoleGM, fmt.Sprintf("/api/v1/queue/branches/%d/analytics?from=2026-03-10&to=2026-03-10&target=10m", branch)).
			want(http.StatusOK).M()
		total := an["total"].(map[string]any)
		if total["served"].(float64) != 3 || total["no_shows"].(float64) != 1 || an["days"].(float64) != 1 {
			t.Errorf("analytics total %v days %v", total, an["days"])
		}
		if len(an["hours"].([]any)) == 0 {
			t.Error("no hourly split")
		}
		sim := e.get(org.RoleGM, fmt.Sprintf("/api/v1/queue/branches/%d/simulation?day=2026-03-10&policy=dedicated&split=%d:1,%d:1&target=10m",
			branch, typeA, typeB)).want(http.StatusOK).M()
		prop, pooled := sim["proposed"].(map[string]any), sim["pooled"].(map[string]any)
		if prop["arrivals"].(float64) != 6 || prop["counters"].(float64) != 2 || pooled["policy"] != "pooled" {
			t.Errorf("simulation %v / %v", prop, pooled)
		}
		e.get(org.RoleGM, fmt.Sprintf("/api/v1/queue/branches/%d/simulation?day=2026-03-10&policy=x&counters=2", branch)).
			wantErr(http.StatusUnprocessableEntity, "invalid", "policy", "one_of")
		e.get(org.RoleGM, fmt.Sprintf("/api/v1/queue/branches/%d/simulation?day=2026-03-10&policy=pooled&split=A", branch)).
			wantErr(http.StatusUnprocessableEntity, "invalid", "split", "invalid_value")
	})
}

// Queue permissions reach the branches of the user's department and
// those below it: a manager sets up the branches of their department
// only, and may neither take a branch from another department nor give
// one to it; a clerk works the counters of their department's branches
// only; a branch without a department is the company-wide roles' alone.
// A refused write writes nothing.
func TestQueueBranchScope(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cs, qa := *e.users[org.RoleAgent].DepartmentID, *e.users[org.RoleManager].DepartmentID
		csBranch, typeA, _, c1, _ := queueBranch(t, e, "pooled")
		p := fmt.Sprintf("/api/v1/queue/branches/%d", csBranch)
		put := func(role, path string, body any) *resp {
			return e.send(req{role: role, method: "PUT", path: path, body: body})
		}
		outOfScope := func(r *resp) { r.wantErr(http.StatusForbidden, "forbidden", "branch_id", "branch_out_of_scope") }

		// The manager (quality) may not touch the customer-service branch.
		outOfScope(put(org.RoleManager, p, map[string]any{"code": "sh-pooled", "name": "改名", "policy": "pooled",
			"opens": "09:00", "closes": "17:00", "department_id": qa}))
		outOfScope(e.post(org.RoleManager, p+"/types", map[string]any{"prefix": "Z", "name": "插队", "handle_minutes": 1}))
		outOfScope(put(org.RoleManager, fmt.Sprintf("%s/counters/%d", p, c1), map[string]any{"name": "1号窗口", "types": []int64{typeA}, "open": false}))
		outOfScope(e.post(org.RoleManager, p+"/counters", map[string]any{"name": "9号窗口", "types": []int64{typeA}, "open": true}))
		outOfScope(e.post(org.RoleManager, "/api/v1/queue/branches", map[string]any{"code": "cs-2", "name": "客服网点",
			"policy": "pooled", "opens": "09:00", "closes": "17:00", "department_id": cs}))
		outOfScope(e.post(org.RoleManager, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil))
		// A branch needs a department the manager reaches, and one that exists.
		e.post(org.RoleManager, "/api/v1/queue/branches", map[string]any{"code": "qa-1", "name": "质量网点", "policy": "pooled",
			"opens": "09:00", "closes": "17:00"}).wantErr(http.StatusUnprocessableEntity, "invalid", "department_id", "required")
		e.post(org.RoleAdmin, "/api/v1/queue/branches", map[string]any{"code": "qa-1", "name": "质量网点", "policy": "pooled",
			"opens": "09:00", "closes": "17:00", "department_id": 999999}).wantErr(http.StatusUnprocessableEntity, "invalid", "department_id", "not_found")
		qaBranch := int64(e.post(org.RoleManager, "/api/v1/queue/branches", map[string]any{"code": "qa-1", "name": "质量网点",
			"policy": "pooled", "opens": "09:00", "closes": "17:00", "department_id": qa}).want(http.StatusCreated).M()["id"].(float64))
		qp := fmt.Sprintf("/api/v1/queue/branches/%d", qaBranch)
		qaType := int64(e.post(org.RoleManager, qp+"/types", map[string]any{"prefix": "A", "name": "简单业务", "handle_minutes": 3}).
			want(http.StatusCreated).M()["id"].(float64))
		qaCounter := int64(e.post(org.RoleManager, qp+"/counters", map[string]any{"name": "1号窗口", "types": []int64{qaType}, "open": true}).
			want(http.StatusCreated).M()["id"].(float64))
		// ...nor hand their branch to another department.
		outOfScope(put(org.RoleManager, qp, map[string]any{"code": "qa-1", "name": "质量网点", "policy": "pooled",
			"opens": "09:00", "closes": "17:00", "department_id": cs}))

		// The clerk of customer service works their branch, not quality's.
		e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": qaBranch, "type_id": qaType, "channel": "kiosk"}).want(http.StatusCreated)
		outOfScope(e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", qaCounter), nil))
		tk := e.post(org.RoleManager, fmt.Sprintf("/api/v1/queue/counters/%d/call", qaCounter), nil).want(http.StatusOK).M()
		outOfScope(e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/serve", qaCounter, tk["id"]), nil))
		e.post(org.RoleHandler, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil).want(http.StatusForbidden)

		// Nothing refused was written.
		b, _ := e.app.Queue.Store.Branch(ctx, csBranch)
		types, _ := e.app.Queue.Store.Types(ctx, csBranch)
		counters, _ := e.app.Queue.Store.Counters(ctx, csBranch)
		qb, _ := e.app.Queue.Store.Branch(ctx, qaBranch)
		served, _ := e.app.Queue.Store.Ticket(ctx, int64(tk["id"].(float64)))
		if b.Name != "上海分行营业部" || *b.DepartmentID != cs || len(types) != 2 || len(counters) != 2 || !counters[0].Open ||
			*qb.DepartmentID != qa || served.Status != "called" {
			t.Errorf("a refused change was written: branch %+v, %d types, counters %+v, quality branch %+v, ticket %s",
				b, len(types), counters, qb, served.Status)
		}

		// Moved to customer service by the administrator, the branch leaves
		// the quality manager's reach at once and comes into the clerk's.
		put(org.RoleAdmin, qp, map[string]any{"code": "qa-1", "name": "质量网点", "policy": "pooled",
			"opens": "09:00", "closes": "17:00", "department_id": cs}).want(http.StatusOK)
		outOfScope(e.post(org.RoleManager, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/serve", qaCounter, tk["id"]), nil))
		e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/serve", qaCounter, tk["id"]), nil).want(http.StatusOK)
		// Without a department, only the company-wide roles reach it.
		put(org.RoleAdmin, qp, map[string]any{"code": "qa-1", "name": "质量网点", "policy": "pooled",
			"opens": "09:00", "closes": "17:00"}).want(http.StatusOK)
		outOfScope(e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/finish", qaCounter, tk["id"]), nil))
		e.get(org.RoleAuditor, qp+"/analytics").want(http.StatusOK)
	})
}

// Ids of another branch are refused wherever they come: a type or a
// counter of another branch under one's own branch in the path, another
// branch's types as a counter's profile, a ticket's type or a transfer's
// new type, and another branch's ticket acted on through one's own
// counter. Nothing refused is written.
func TestQueueIDsOfAnotherBranch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		qa := *e.users[org.RoleManager].DepartmentID
		csBranch, typeA, typeB, c1, _ := queueBranch(t, e, "dedicated")
		id := func(r *resp) int64 { return int64(r.want(http.StatusCreated).M()["id"].(float64)) }
		put := func(role, path string, body any) *resp {
			return e.send(req{role: role, method: "PUT", path: path, body: body})
		}
		qaBranch := id(e.post(org.RoleManager, "/api/v1/queue/branches", map[string]any{"code": "qa-1", "name": "质量网点",
			"policy": "dedicated", "opens": "09:00", "closes": "17:00", "department_id": qa}))
		qp := fmt.Sprintf("/api/v1/queue/branches/%d", qaBranch)
		qaType := id(e.post(org.RoleManager, qp+"/types", map[string]any{"prefix": "A", "name": "简单业务", "handle_minutes": 3}))
		qaCounter := id(e.post(org.RoleManager, qp+"/counters", map[string]any{"name": "1号窗口", "types": []int64{qaType}, "open": true}))

		// The manager of quality reaches the customer-service branch's type
		// and counter through no path of their own branch.
		put(org.RoleManager, fmt.Sprintf("%s/types/%d", qp, typeA), map[string]any{"prefix": "A", "name": "改名", "handle_minutes": 1}).
			want(http.StatusNotFound)
		put(org.RoleManager, fmt.Sprintf("%s/counters/%d", qp, c1), map[string]any{"name": "1号窗口", "types": []int64{qaType}, "open": false}).
			want(http.StatusNotFound)
		e.post(org.RoleManager, qp+"/counters", map[string]any{"name": "2号窗口", "types": []int64{typeA}, "open": true}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "types", "not_found")
		put(org.RoleManager, fmt.Sprintf("%s/counters/%d", qp, qaCounter), map[string]any{"name": "1号窗口", "types": []int64{typeB}, "open": true}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "types", "not_found")
		e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": qaBranch, "type_id": typeA, "channel": "kiosk"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "type_id", "not_found")

		issue := func(branch, typ int64) {
			e.post("", "/api/v1/queue/tickets", map[string]any{"branch_id": branch, "type_id": typ, "channel": "kiosk"}).want(http.StatusCreated)
		}
		issue(csBranch, typeA)
		issue(qaBranch, qaType)
		csTk := e.post(org.RoleAgent, fmt.Sprintf("/api/v1/queue/counters/%d/call", c1), nil).want(http.StatusOK).M()
		qaTk := e.post(org.RoleManager, fmt.Sprintf("/api/v1/queue/counters/%d/call", qaCounter), nil).want(http.StatusOK).M()
		act := func(role string, counter int64, tk map[string]any, action string, body any) *resp {
			return e.post(role, fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%v/%s", counter, tk["id"], action), body)
		}
		// The clerk transfers to no type of another branch, nor acts on its
		// ticket through their own counter; no more does its manager.
		act(org.RoleAgent, c1, csTk, "transfer", map[string]any{"to_type": qaType}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "to_type", "invalid_value")
		act(org.RoleAgent, c1, qaTk, "serve", nil).want(http.StatusConflict)
		act(org.RoleManager, qaCounter, csTk, "finish", nil).want(http.StatusConflict)

		ta, _ := e.app.Queue.Store.Types(ctx, csBranch)
		cs, _ := e.app.Queue.Store.Counters(ctx, csBranch)
		qcs, _ := e.app.Queue.Store.Counters(ctx, qaBranch)
		got1, _ := e.app.Queue.Store.Ticket(ctx, int64(csTk["id"].(float64)))
		got2, _ := e.app.Queue.Store.Ticket(ctx, int64(qaTk["id"].(float64)))
		if ta[0].Name != "简单业务" || !cs[0].Open || len(qcs) != 1 || qcs[0].Types[0] != qaType ||
			got1.Status != "called" || got1.TypeID != typeA || got2.Status != "called" {
			t.Errorf("a refused change was written: types %+v, counters %+v / %+v, tickets %s %d / %s", ta, cs, qcs, got1.Status, got1.TypeID, got2.Status)
		}
	})
}

// A department moved under another through this server changes who
// reaches its branches on the very next request: the queue does not keep
// the old department tree.
func TestQueueDepartmentMoveReachesAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cs, qa := *e.users[org.RoleAgent].DepartmentID, *e.users[org.RoleManager].DepartmentID
		branch, _, _, _, _ := queueBranch(t, e, "pooled")
		analytics := fmt.Sprintf("/api/v1/queue/branches/%d/analytics", branch)
		dept := fmt.Sprintf("/api/v1/departments/%d", cs)
		// The quality manager does not reach customer service's branch
		// (and the queue now holds the department tree).
		e.get(org.RoleManager, analytics).wantErr(http.StatusForbidden, "forbidden", "branch_id", "branch_out_of_scope")

		v := e.get(org.RoleAdmin, dept).want(http.StatusOK).M()["version"]
		v = e.patch(org.RoleAdmin, dept, map[string]any{"version": v, "parent_id": qa}).want(http.StatusOK).M()["version"]
		e.get(org.RoleManager, analytics).want(http.StatusOK)

		e.patch(org.RoleAdmin, dept, map[string]any{"version": v, "parent_id": nil}).want(http.StatusOK)
		e.get(org.RoleManager, analytics).wantErr(http.StatusForbidden, "forbidden", "branch_id", "branch_out_of_scope")
	})
}
