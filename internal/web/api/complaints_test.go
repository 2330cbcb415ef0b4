package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
)

func TestCreateAndGetComplaint(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": "C1", "name": "华东净水经销", "class": "dealer"}).
			want(http.StatusCreated).M()
		prod := e.post(org.RoleAgent, "/api/v1/products", map[string]any{"code": "P-RO100", "name": "净水器", "model": "RO-100"}).
			want(http.StatusCreated).M()
		body := map[string]any{
			"channel": "email", "received_at": "2026-03-09T08:30:00+08:00",
			"subject": "净水器漏水", "description": "安装三天后底部漏水。", "category": "quality.leak", "severity": "major",
			"safety": true, "requests": []string{"replacement", "apology"},
			"complainant": map[string]any{"name": "李四", "phone": "13812348000", "email": "zhang@example.com", "address": "上海市浦东新区世纪大道100号", "company": "某某公司"},
			"customer_id": cust["id"], "product_id": prod["id"], "batch_no": "B2026-01", "order_no": "SO-1", "part_no": "PN-9",
			"qty_shipped": 100, "qty_defective": 3, "ship_date": "2026-02-01", "ship_address": "上海仓",
			"usage_time": "3天", "found_place": "客户家中", "found_at": "2026-03-08T20:00:00+08:00",
		}
		r := e.post(org.RoleAgent, "/api/v1/complaints", body).want(http.StatusCreated)
		c := r.M()
		num, _ := c["number"].(string)
		if !strings.HasPrefix(num, "KS-20260310-") {
			t.Fatalf("number %q", num)
		}
		if code, _ := c["tracking_code"].(string); len(code) != 8 {
			t.Errorf("tracking_code %q", c["tracking_code"])
		}
		if got := r.Header.Get("Location"); got != "/api/v1/complaints/"+num {
			t.Errorf("Location %q", got)
		}
		g := e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(num)).want(http.StatusOK).M()
		if _, ok := g["tracking_code"]; ok {
			t.Error("tracking code shown outside the creation answer")
		}
		for k, want := range map[string]any{"subject": "净水器漏水", "channel": "email", "category": "quality.leak", "severity": "major",
			"ship_date": "2026-02-01", "customer_name": "华东净水经销", "customer_class": "dealer", "product_name": "净水器", "model": "RO-100",
			"batch_no": "B2026-01", "qty_defective": 3.0, "status": "registered", "version": 1.0, "safety": true,
			"received_at": "2026-03-09T00:30:00Z", "found_at": "2026-03-08T12:00:00Z"} {
			if fmt.Sprint(g[k]) != fmt.Sprint(want) {
				t.Errorf("%s = %v, want %v", k, g[k], want)
			}
		}
		cp := g["complainant"].(map[string]any)
		if cp["phone"] != "13812348000" || cp["email"] != "zhang@example.com" {
			t.Errorf("agent should see personal data: %v", cp)
		}
		if fmt.Sprint(g["requests"]) != "[replacement apology]" {
			t.Errorf("requests %v", g["requests"])
		}
		e.get(org.RoleAgent, "/api/v1/complaints/KS-19990101-9999").wantErr(http.StatusNotFound, "not_found", "", "")
		tl := e.get(org.RoleManager, "/api/v1/complaints/"+num+"/timeline").want(http.StatusOK).M()
		if items := tl["items"].([]any); len(items) != 1 || items[0].(map[string]any)["kind"] != "created" {
			t.Errorf("timeline %v", tl)
		}
		e.post(org.RoleManager, "/api/v1/complaints/"+num+"/notes", map[string]any{"body": "已联系客户", "public": false}).want(http.StatusCreated)
		e.post(org.RoleManager, "/api/v1/complaints/"+num+"/notes", map[string]any{"body": "<script>x</script>"}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "body", "markup_not_allowed")
	})
}

func TestListFiltersAndPagination(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"name": "终端客户王五", "class": "walk_in", "region": "foreign"}).
			want(http.StatusCreated).M()
		prod := e.post(org.RoleAgent, "/api/v1/products", map[string]any{"code": "P1", "name": "滤芯"}).want(http.StatusCreated).M()
		var depts struct{ Items []struct{ ID int64 } }
		e.get(org.RoleAgent, "/api/v1/departments").want(http.StatusOK).JSON(&depts)
		qa := depts.Items[0].ID

		a := minimal("A 电话投诉")
		b := minimal("B 邮件投诉")
		b["channel"], b["severity"], b["category"] = "email", "critical", "quality.leak"
		c := minimal("C 客户投诉")
		c["customer_id"], c["product_id"], c["batch_no"], c["department_id"] = cust["id"], prod["id"], "LOT-7", qa
		c["received_at"] = "2026-03-01T09:00:00+08:00"
		d := minimal("D 服务")
		d["category"] = "service.attitude"
		var nums []string
		for _, body := range []map[string]any{a, b, c, d} {
			nums = append(nums, e.create(body)["number"].(string))
		}
		list := func(query string) []string {
			t.Helper()
			var l struct {
				Items []struct{ Number, Subject string }
				Next  string
			}
			e.get(org.RoleAuditor, "/api/v1/complaints?"+query).want(http.StatusOK).JSON(&l)
			var out []string
			for _, it := range l.Items {
				out = append(out, it.Subject[:1])
			}
			return out
		}
		for q, want := range map[string]string{
			"":                                  "[D B A C]",
			"channel=email":                     "[B]",
			"channel=phone,email":               "[D B A C]",
			"severity=critical":                 "[B]",
			"status=registered":                 "[D B A C]",
			"category=quality":                  "[B]",
			"category=service.attitude":         "[D]",
			"customer_id=" + id(cust):           "[C]",
			"class=walk_in":                     "[C]",
			"region=foreign":                    "[C]",
			"product_id=" + id(prod):            "[C]",
			"batch=LOT-7":                       "[C]",
			fmt.Sprintf("department_id=%d", qa): "[C]",
			"from=2026-03-01&to=2026-03-01":     "[C]",
			"from=2026-03-02":                   "[D B A]",
			"to=2026-03-09":                     "[C]",
			"sort=number_asc":                   "[A B C D]",
			"sort=received_asc":                 "[C A B D]",
			"q=王五":                              "[C]",
			"q=" + url.QueryEscape(nums[1]):     "[B]",
			"unknown_param=1":                   "[D B A C]",
		} {
			if got := fmt.Sprint(list(q)); got != want {
				t.Errorf("%s: got %s, want %s", q, got, want)
			}
		}
		// Keyset pagination walks every complaint once.
		seen := map[string]bool{}
		after := ""
		for pages := 0; ; pages++ {
			var l struct {
				Items []struct{ Number string }
				Next  string
			}
			e.get(org.RoleAgent, "/api/v1/complaints?limit=3&sort=number_desc&after="+url.QueryEscape(after)).want(http.StatusOK).JSON(&l)
			for _, it := range l.Items {
				if seen[it.Number] {
					t.Fatalf("%s listed twice", it.Number)
				}
				seen[it.Number] = true
			}
			if l.Next == "" {
				break
			}
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			after = l.Next
		}
		if len(seen) != 4 {
			t.Errorf("pages covered %d complaints, want 4", len(seen))
		}
		for q, field := range map[string]string{
			"channel=pigeon": "channel", "status=nope": "status", "severity=x": "severity", "category=nope": "category",
			"class=vip": "class", "region=mars": "region", "customer_id=abc": "customer_id", "product_id=-1": "product_id",
			"department_id=0": "department_id", "from=2026-13-01": "from", "to=yesterday": "to", "sort=random": "sort",
			"limit=0": "limit", "limit=1000": "limit", "after=bm90LWpzb24": "after", "safety=maybe": "safety",
			"from=2026-03-05&to=2026-03-01": "to",
		} {
			e.get(org.RoleAgent, "/api/v1/complaints?"+q).wantErr(http.StatusUnprocessableEntity, "invalid", field, "")
		}
	})
}

func id(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }

func TestChineseSearch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		leak := minimal("净水器漏水")
		leak["description"] = "安装后底部渗水"
		e.create(leak)
		other := minimal("售后服务态度差")
		other["description"] = "客服不回电话,接头处漏水"
		e.create(other)
		e.create(minimal("发货错误"))
		for q, want := range map[string]int{"水器漏": 1, "漏水": 2, "净水器": 1, "回电话": 1, "态度差": 1, "不存在的词": 0, "张三": 3} {
			var l struct{ Items []any }
			e.get(org.RoleAgent, "/api/v1/complaints?q="+url.QueryEscape(q)).want(http.StatusOK).JSON(&l)
			if len(l.Items) != want {
				t.Errorf("q=%s: %d hits, want %d", q, len(l.Items), want)
			}
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := minimal("重复提交")
		hdr := map[string]string{"Idempotency-Key": "order-42-retry"}
		first := e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: body, headers: hdr}).want(http.StatusCreated).M()
		again := e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: body, headers: hdr}).want(http.StatusOK)
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not marked")
		}
		if m := again.M(); m["number"] != first["number"] || m["tracking_code"] != first["tracking_code"] {
			t.Errorf("replay answered %v, first was %v", m["number"], first["number"])
		}
		if n := e.complaintCount(); n != 1 {
			t.Fatalf("%d complaints after a retry, want 1", n)
		}
		var l struct{ Items []any }
		e.get(org.RoleAgent, "/api/v1/complaints").JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("list shows %d complaints", len(l.Items))
		}
		other := minimal("另一个投诉")
		e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: other, headers: hdr}).
			wantErr(http.StatusConflict, "conflict", "Idempotency-Key", "reused")
		e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: other,
			headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "Idempotency-Key", "too_long")
		// The key is per user: another user's key of the same text is new.
		e.send(req{role: org.RoleManager, method: "POST", path: "/api/v1/complaints", body: body, headers: hdr}).want(http.StatusCreated)
		if n := e.complaintCount(); n != 2 {
			t.Fatalf("%d complaints, want 2", n)
		}
	})
}

func TestBadInputWritesNothing(t *testing.T) {
	with := func(f func(m map[string]any)) map[string]any {
		m := minimal("坏输入")
		f(m)
		return m
	}
	cases := []struct {
		name   string
		body   any
		ctype  string
		status int
		code   string
		field  string
		rule   string
	}{
		{"missing subject", with(func(m map[string]any) { delete(m, "subject") }), "", 422, "invalid", "subject", "required"},
		{"missing channel", with(func(m map[string]any) { delete(m, "channel") }), "", 422, "invalid", "channel", "required"},
		{"blank description", with(func(m map[string]any) { m["description"] = "   " }), "", 422, "invalid", "description", "required"},
		{"oversized subject", with(func(m map[string]any) { m["subject"] = strings.Repeat("长", 201) }), "", 422, "invalid", "subject", "too_long"},
		{"unknown channel", with(func(m map[string]any) { m["channel"] = "carrier_pigeon" }), "", 422, "invalid", "channel", "invalid_value"},
		{"unknown severity", with(func(m map[string]any) { m["severity"] = "apocalyptic" }), "", 422, "invalid", "severity", "invalid_value"},
		{"unknown request", with(func(m map[string]any) { m["requests"] = []string{"refund", "free_car"} }), "", 422, "invalid", "requests", "invalid_value"},
		{"unknown category", with(func(m map[string]any) { m["category"] = "quality.nope" }), "", 422, "invalid", "category", "invalid_value"},
		{"negative quantity", with(func(m map[string]any) { m["qty_defective"] = -5 }), "", 422, "invalid", "qty_defective", "negative"},
		{"defective over shipped", with(func(m map[string]any) { m["qty_shipped"], m["qty_defective"] = 2, 5 }), "", 422, "invalid", "qty_defective", "more_than_shipped"},
		{"quantity as text", with(func(m map[string]any) { m["qty_shipped"] = "many" }), "", 422, "invalid", "qty_shipped", "wrong_type"},
		{"bad date", with(func(m map[string]any) { m["ship_date"] = "2026/02/30" }), "", 422, "invalid", "ship_date", "invalid_date"},
		{"bad time", with(func(m map[string]any) { m["received_at"] = "yesterday" }), "", 422, "invalid", "received_at", "invalid_time"},
		{"future time", with(func(m map[string]any) { m["received_at"] = "2030-01-01T00:00:00Z" }), "", 422, "invalid", "received_at", "in_future"},
		{"bad email", with(func(m map[string]any) { m["complainant"] = map[string]any{"name": "x", "email": "not-an-email"} }), "", 422, "invalid", "complainant.email", "invalid_email"},
		{"no complainant", with(func(m map[string]any) { delete(m, "complainant") }), "", 422, "invalid", "complainant.name", "required"},
		{"missing customer", with(func(m map[string]any) { m["customer_id"] = 99999 }), "", 422, "invalid", "customer_id", "not_found"},
		{"script tag", with(func(m map[string]any) { m["description"] = `好的<script>alert("x")</script>` }), "", 422, "invalid", "description", "markup_not_allowed"},
		{"img onerror", with(func(m map[string]any) { m["subject"] = `<img src=x onerror=alert(1)>` }), "", 422, "invalid", "subject", "markup_not_allowed"},
		{"javascript url", with(func(m map[string]any) { m["complainant"] = map[string]any{"name": "javascript:alert(1)"} }), "", 422, "invalid", "complainant.name", "markup_not_allowed"},
		{"control chars", with(func(m map[string]any) { m["subject"] = "a\x07b" }), "", 422, "invalid", "subject", "control_chars"},
		// A NUL byte is refused before the body is read, as in every part
		// of every request (see TestNULByteRefused).
		{"NUL byte", with(func(m map[string]any) { m["subject"] = "a\x00b" }), "", 400, "bad_request", "body", "nul_byte"},
		{"unknown field", with(func(m map[string]any) { m["status"] = "closed" }), "", 422, "invalid", "status", "unknown_field"},
		{"malformed JSON", `{"channel": "phone", "subject": `, "", 400, "bad_request", "", ""},
		{"trailing data", `{"channel":"phone"} {"x":1}`, "application/json", 400, "bad_request", "", ""},
		{"JSON array", `[1,2]`, "application/json", 400, "bad_request", "", ""},
		{"wrong content type", `channel=phone&subject=x`, "text/plain", 415, "unsupported_media_type", "", ""},
		{"form content type", `channel=phone`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "", ""},
		{"no content type", `{}`, "-", 415, "unsupported_media_type", "", ""},
		{"oversized body", `{"subject":"` + strings.Repeat("x", 1<<20) + `"}`, "application/json", 413, "too_large", "", ""},
	}
	each(t, func(t *testing.T, e *env) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				ctype := tc.ctype
				body := tc.body
				if s, ok := body.(string); ok {
					body = []byte(s)
					if ctype == "" {
						ctype = "application/json"
					}
				}
				if ctype == "-" {
					ctype = ""
				}
				before := e.complaintCount()
				r := e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: body, ctype: ctype})
				r.wantErr(tc.status, tc.code, tc.field, tc.rule)
				if after := e.complaintCount(); after != before {
					t.Errorf("%d complaints written by a refused request", after-before)
				}
			})
		}
	})
}

func TestSQLFragmentStoredLiterally(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		evil := `'; DROP TABLE complaints; -- " OR 1=1; SELECT * FROM users WHERE 'a'='a`
		body := minimal("Robert'); DROP TABLE complaints;--")
		body["description"] = evil
		body["complainant"] = map[string]any{"name": "O'Brien \"x\" & <b", "company": `1' UNION SELECT password FROM users --`}
		num := e.create(body)["number"].(string)
		got := e.get(org.RoleAgent, "/api/v1/complaints/"+num).want(http.StatusOK)
		m := got.M()
		if m["description"] != evil || m["subject"] != "Robert'); DROP TABLE complaints;--" {
			t.Errorf("text changed on the way: %q / %q", m["subject"], m["description"])
		}
		if cp := m["complainant"].(map[string]any); cp["name"] != `O'Brien "x" & <b` {
			t.Errorf("name %q", cp["name"])
		}
		// The JSON escapes markup characters, so a browser never sees a tag.
		if strings.Contains(string(got.Body), "<b") || strings.Contains(string(got.Body), "& ") {
			t.Errorf("answer not HTML-escaped: %s", got.Body)
		}
		e.create(minimal("之后的投诉"))
		if n := e.complaintCount(); n != 2 {
			t.Errorf("complaints table holds %d, want 2", n)
		}
		var l struct{ Items []any }
		e.get(org.RoleAgent, "/api/v1/complaints?q="+url.QueryEscape("' OR 1=1 --")).want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Errorf("search for an SQL fragment found %d", len(l.Items))
		}
	})
}

func TestErrorLanguage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bad := minimal("")
		zh := e.post(org.RoleAgent, "/api/v1/complaints", bad).wantErr(422, "invalid", "subject", "required")
		if zh.Error.Message != "请修改标注的字段" && !containsHan(zh.Error.Message) {
			t.Errorf("default message not Chinese: %q", zh.Error.Message)
		}
		if f := zh.Error.Fields[0]; !containsHan(f.Message) {
			t.Errorf("field message not Chinese: %q", f.Message)
		}
		en := e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints", body: bad,
			headers: map[string]string{"Accept-Language": "en-US,en;q=0.9"}}).wantErr(422, "invalid", "subject", "required")
		if en.Error.Message != "Some fields need correcting" || en.Error.Fields[0].Message != "Subject: is required" {
			t.Errorf("English error: %+v", en.Error)
		}
		if r := e.send(req{method: "GET", path: "/api/v1/complaints?lang=en"}); r.Err().Error.Message != "Please sign in" {
			t.Errorf("?lang=en: %s", r.Body)
		}
	})
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestPatchComplaintOptimisticLocking(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("原标题"))["number"].(string)
		path := "/api/v1/complaints/" + num
		m := e.patch(org.RoleAgent, path, map[string]any{"version": 1, "subject": "新标题", "severity": "critical"}).want(http.StatusOK).M()
		if m["subject"] != "新标题" || m["version"] != 2.0 || m["description"] != "描述:原标题" {
			t.Errorf("after patch: %v", m)
		}
		e.patch(org.RoleAgent, path, map[string]any{"version": 1, "subject": "旧版本的修改"}).wantErr(http.StatusConflict, "conflict", "", "")
		e.patch(org.RoleAgent, path, map[string]any{"subject": "没有版本"}).wantErr(422, "invalid", "version", "required")
		e.patch(org.RoleAgent, path, map[string]any{"version": 2, "qty_shipped": -1}).wantErr(422, "invalid", "qty_shipped", "negative")
		e.patch(org.RoleAgent, path, map[string]any{"version": 2, "number": "KS-1"}).wantErr(422, "invalid", "number", "unknown_field")
		e.patch(org.RoleAuditor, path, map[string]any{"version": 2, "subject": "审计员"}).wantErr(http.StatusForbidden, "forbidden", "", "")
		if g := e.get(org.RoleAgent, path).M(); g["subject"] != "新标题" || g["version"] != 2.0 {
			t.Errorf("refused patches changed the complaint: %v", g)
		}
		var tl struct {
			Items []struct {
				Kind string
				Data map[string]any
			}
		}
		e.get(org.RoleAgent, path+"/timeline").JSON(&tl)
		last := tl.Items[len(tl.Items)-1]
		if last.Kind != "changed" || !strings.Contains(fmt.Sprint(last.Data), "subject") || !strings.Contains(fmt.Sprint(last.Data), "severity") {
			t.Errorf("timeline: %+v", tl.Items)
		}
	})
}

func TestMaskingForAuditor(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := minimal("隐私")
		body["complainant"] = map[string]any{"name": "赵六", "phone": "13812348000", "email": "zhao@example.com", "address": "北京市朝阳区建国路88号"}
		num := e.create(body)["number"].(string)
		cp := e.get(org.RoleAuditor, "/api/v1/complaints/"+num).want(http.StatusOK).M()["complainant"].(map[string]any)
		if cp["phone"] != "138****8000" || cp["email"] != "z***@example.com" || cp["address"] != "北京市朝阳区****" {
			t.Errorf("auditor sees %v", cp)
		}
		var l struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/complaints").JSON(&l)
		if p := l.Items[0]["complainant"].(map[string]any)["phone"]; p != "138****8000" {
			t.Errorf("list shows %v to auditor", p)
		}
		if p := e.get(org.RoleAgent, "/api/v1/complaints/"+num).M()["complainant"].(map[string]any)["phone"]; p != "13812348000" {
			t.Errorf("agent sees %v", p)
		}
		// Unmasked reads are audited.
		var al struct {
			Items []struct{ Action, Object string }
		}
		e.get(org.RoleAuditor, "/api/v1/audit?action=complaint.read").want(http.StatusOK).JSON(&al)
		if len(al.Items) != 1 {
			t.Errorf("%d personal-data reads audited, want 1", len(al.Items))
		}
	})
}
