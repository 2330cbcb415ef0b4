package storetest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/privacy"
)

// removed records the attachment files erasure deletes.
type removed struct {
	mu   sync.Mutex
	sums []string
}

func (r *removed) Remove(sum string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sums = append(r.sums, sum)
	return nil
}

// testPrivacyErasure: the retention job and erasure requests replace the
// complainant's personal data of closed complaints — record, free text,
// timeline, attachments, search index — keep every figure statistics
// use, record it in the audit chain, and refuse open cases and bad input
// without writing anything.
func testPrivacyErasure(t *testing.T, e *env) {
	const name, phone, email, addr = "王小明", "13912345678", "wang.xm@example.com", "上海市浦东新区张江路88号"
	mk := func(subject string, customerID *int64) *complaint.Complaint {
		c := NewComplaint(subject)
		c.Category, c.Severity = "quality.leak", "major"
		c.Description = "王小明来电（13912345678）：净水器漏水，寄回地址 上海市浦东新区张江路88号。"
		c.Complainant = complaint.Complainant{Name: name, Phone: phone, Email: email, Address: addr, Company: "明辉贸易"}
		c.ShipAddress = addr
		c.CustomerID = customerID
		return e.create(t, c)
	}
	c := mk("净水器漏水", nil)
	open := mk("净水器又漏水", nil)
	// A note naming the complainant and an attachment of theirs.
	r := e.load(t, c.ID)
	e.save(t, r, casework.Write{Action: "complaint.note", Event: complaint.Event{Kind: "note", Body: "已回电王小明，邮件 wang.xm@example.com 已发"},
		Attachment: &complaint.Attachment{ComplaintID: c.ID, Name: "王小明发票.jpg", ContentType: "image/jpeg", Size: 10,
			SHA256: strings.Repeat("ab", 32), Kind: "photo", Public: true}})
	closed := Start.Add(-10 * 24 * time.Hour)
	e.exec(t, `UPDATE complaints SET status = 'closed', closed_at = ?, amount = ? WHERE id = ?`, micros(closed), 12000, c.ID)
	// The complainant's mail that registered it, kept raw.
	e.exec(t, `INSERT INTO mail_messages (message_key, source, status, sender, subject, complaint_id, size, raw, received_at, updated_at)
		VALUES ('<a1@example.com>', 'smtp', 'complaint', ?, '净水器漏水', ?, 40, ?, ?, ?)`,
		email, c.ID, []byte("From: 王小明 <"+email+">\r\n\r\n电话 "+phone), micros(closed), micros(closed))

	files := &removed{}
	svc := &privacy.Service{Store: e.db.Privacy(), Files: files, Now: e.clock.Now, RetentionDays: 30}
	before := e.count(t, "audit_log")
	if _, err := svc.Erase(e.ctx, privacy.Request{Number: open.Number, Reason: "客户要求"}, audit.System); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("erasing an open complaint: %v", err)
	}
	if _, err := svc.Erase(e.ctx, privacy.Request{Number: c.Number}, audit.System); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("erasure without a reason: %v", err)
	}
	if _, err := svc.Erase(e.ctx, privacy.Request{Number: "KS-NONE", Reason: "x"}, audit.System); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("erasing an unknown complaint: %v", err)
	}
	if n := e.count(t, "audit_log"); n != before {
		t.Errorf("refused erasures wrote %d audit entries", n-before)
	}

	// Closed ten days ago with thirty days' retention: not yet.
	if n, err := svc.RunRetention(e.ctx, 100); err != nil || n != 0 {
		t.Fatalf("retention before the period: %d, %v", n, err)
	}
	e.clock.Set(Start.Add(21 * 24 * time.Hour))
	if n, err := svc.RunRetention(e.ctx, 100); err != nil || n != 1 {
		t.Fatalf("retention after the period: %d erased, %v", n, err)
	}
	got, err := e.db.Complaints().Get(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	all := got.Subject + got.Description + got.Complainant.Name + got.Complainant.Phone + got.Complainant.Email +
		got.Complainant.Address + got.ShipAddress
	evs, err := e.db.Complaints().Timeline(e.ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	erasedEvent := false
	for _, ev := range evs {
		all += ev.Body + string(mustJSONText(ev.Data))
		erasedEvent = erasedEvent || ev.Kind == "personal_data_erased"
	}
	for _, v := range []string{name, phone, email, addr, "张江路"} {
		if strings.Contains(all, v) {
			t.Errorf("%q survived erasure: %s", v, all)
		}
	}
	if !erasedEvent {
		t.Error("no personal_data_erased entry on the timeline")
	}
	// What statistics read is intact.
	if got.Category != "quality.leak" || got.Severity != "major" || got.Channel != "phone" || !got.ReceivedAt.Equal(c.ReceivedAt) ||
		got.Number != c.Number || got.Complainant.Company != "明辉贸易" || !strings.Contains(got.Description, "净水器漏水") {
		t.Errorf("erasure changed the figures: %+v", got)
	}
	var amount int64
	e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind(`SELECT amount FROM complaints WHERE id = ?`), c.ID).Scan(&amount)
	if amount != 12000 {
		t.Errorf("amount after erasure = %d", amount)
	}
	var sender string
	var raw []byte
	if err := e.db.W.QueryRowContext(e.ctx, e.db.Dialect.Rebind(`SELECT sender, raw FROM mail_messages WHERE complaint_id = ?`), c.ID).Scan(&sender, &raw); err != nil {
		t.Fatal(err)
	}
	if sender != "" || len(raw) != 0 {
		t.Errorf("the complainant's mail after erasure: sender %q, %d raw bytes", sender, len(raw))
	}
	if atts, _ := e.db.Complaints().Attachments(e.ctx, c.ID); len(atts) != 0 {
		t.Errorf("attachments after erasure: %+v", atts)
	}
	if len(files.sums) != 1 || files.sums[0] != strings.Repeat("ab", 32) {
		t.Errorf("files removed: %v", files.sums)
	}
	// The search index forgets the name but still finds the leak.
	page, err := e.db.Complaints().List(e.ctx, complaint.Filter{Query: name})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != open.ID {
		t.Errorf("search for the name after erasure: %v %+v", err, page)
	}
	page, err = e.db.Complaints().List(e.ctx, complaint.Filter{Query: "净水器漏水"})
	if err != nil || len(page.Items) != 2 {
		t.Errorf("search for the leak after erasure: %v, %d hits", err, len(page.Items))
	}
	if acts := e.auditActions(t, "complaint:"+itoa(c.ID)); acts[len(acts)-1] != "privacy.erase" {
		t.Errorf("audit of the complaint: %v", acts)
	}
	e.chainIntact(t)

	// A request for an erased complaint reports it as done before.
	res, err := svc.Erase(e.ctx, privacy.Request{Number: c.Number, Reason: "客户来函要求删除"}, audit.System)
	if err != nil || len(res.Complaints) != 0 || len(res.Already) != 1 {
		t.Errorf("second erasure: %+v, %v", res, err)
	}

	// A customer's erasure: refused while a complaint is open, then every
	// complaint and the customer record.
	cu := &customer.Customer{Name: "李四", Class: customer.ClassEndUser, Phone: "13700001111", Address: "杭州市西湖区文三路1号"}
	if err := e.db.Registers().CreateCustomer(e.ctx, cu, audit.System); err != nil {
		t.Fatal(err)
	}
	a, b := mk("滤芯漏水", &cu.ID), mk("水龙头漏水", &cu.ID)
	e.exec(t, `UPDATE complaints SET status = 'closed', closed_at = ? WHERE id = ?`, micros(closed), a.ID)
	if _, err := svc.Erase(e.ctx, privacy.Request{CustomerID: cu.ID, Reason: "客户要求"}, audit.System); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("erasing a customer with an open complaint: %v", err)
	}
	e.exec(t, `UPDATE complaints SET status = 'closed', closed_at = ? WHERE id = ?`, micros(closed), b.ID)
	res, err = svc.Erase(e.ctx, privacy.Request{CustomerID: cu.ID, Reason: "客户要求"}, audit.System)
	if err != nil || len(res.Complaints) != 2 {
		t.Fatalf("customer erasure: %+v, %v", res, err)
	}
	gc, err := e.db.Registers().GetCustomer(e.ctx, cu.ID)
	if err != nil || gc.Name != privacy.Erased || gc.Phone != "" || gc.Address != "" || gc.Class != customer.ClassEndUser {
		t.Errorf("customer after erasure: %+v, %v", gc, err)
	}
	if acts := e.auditActions(t, "customer:"+itoa(cu.ID)); acts[len(acts)-1] != "privacy.erase_customer" {
		t.Errorf("audit of the customer: %v", acts)
	}
	e.chainIntact(t)

	// The timeline stays append-only outside erasure.
	if _, err := e.db.W.ExecContext(e.ctx, e.db.Dialect.Rebind(`UPDATE complaint_events SET body = 'x' WHERE complaint_id = ?`), open.ID); err == nil {
		t.Error("a timeline entry was changed outside erasure")
	}
}

func mustJSONText(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
