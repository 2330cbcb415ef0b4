package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
)

// refs are register records a complaint can point to.
type refs struct {
	dealer, cust *customer.Customer
	prod         *product.Product
	batch        *product.Batch
	dept         *org.Department
	user         *org.User
}

func (e *env) makeRefs(t *testing.T, suffix string) refs {
	t.Helper()
	rs := e.db.Registers()
	var r refs
	r.dealer = &customer.Customer{Code: "D" + suffix, Name: "华东经销" + suffix, Class: customer.ClassDealer}
	r.cust = &customer.Customer{Code: "C" + suffix, Name: "海外大客户" + suffix, Class: customer.ClassKeyAccount, Region: customer.RegionForeign}
	r.prod = &product.Product{Code: "P" + suffix, Name: "净水器" + suffix, Model: "JS-" + suffix, Line: "water"}
	r.dept = &org.Department{Code: "q" + suffix, Name: "品质" + suffix}
	r.user = &org.User{Username: "agent" + suffix, Name: "李四" + suffix, Role: org.RoleAgent}
	for _, err := range []error{
		rs.CreateCustomer(e.ctx, r.dealer, audit.System),
		rs.CreateCustomer(e.ctx, r.cust, audit.System),
		rs.CreateProduct(e.ctx, r.prod, audit.System),
		rs.CreateDepartment(e.ctx, r.dept, audit.System),
		rs.CreateUser(e.ctx, r.user, "", audit.System),
	} {
		if err != nil {
			t.Fatalf("make refs: %v", err)
		}
	}
	r.batch = &product.Batch{ProductID: r.prod.ID, LotNo: "L" + suffix, Quantity: 100}
	if err := rs.CreateBatch(e.ctx, r.batch, audit.System); err != nil {
		t.Fatalf("make batch: %v", err)
	}
	return r
}

// utc normalises the times of c so that values read back compare equal.
func utc(c complaint.Complaint) complaint.Complaint {
	for _, p := range []*time.Time{&c.ReceivedAt, &c.ExpectedBy, &c.CreatedAt, &c.UpdatedAt} {
		*p = p.UTC()
	}
	for _, p := range []**time.Time{&c.ShipDate, &c.FoundAt} {
		if *p != nil {
			v := (*p).UTC()
			*p = &v
		}
	}
	return c
}

func testComplaintRoundTrip(t *testing.T, e *env) {
	r := e.makeRefs(t, "1")
	ship := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	found := time.Date(2026, 11, 20, 8, 30, 15, 123456000, Zone)
	received := time.Date(2026, 11, 25, 9, 15, 0, 654321000, Zone)
	in := &complaint.Complaint{
		Channel: "email", ReceivedAt: received, Subject: "出水口漏水", Description: "安装三天后出水口持续漏水。\n第二行",
		Category: "quality.leak", Severity: "major", Safety: true, Requests: []string{"replacement", "compensation"},
		Complainant: complaint.Complainant{Name: "王五", Phone: "+86 138-0000-0000", Email: "wang@example.com",
			Address: "上海市浦东新区", Company: "某某贸易有限公司"},
		CustomerID: &r.cust.ID, ProductID: &r.prod.ID, BatchNo: r.batch.LotNo, OrderNo: "SO-2026-77", PartNo: "PN-9",
		QtyShipped: i64(120), QtyDefective: i64(7), ShipDate: &ship, ShipAddress: "宁波港", UsageTime: "三天",
		FoundPlace: "客户仓库", FoundAt: &found, DepartmentID: &r.dept.ID, FirstReceiverID: &r.user.ID,
	}
	if _, err := e.svc.Create(e.ctx, in, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatalf("create: %v", err)
	}
	want := complaint.Complaint{
		ID: in.ID, Number: "KS-20261125-0001", TrackingCode: in.TrackingCode, Status: complaint.StatusRegistered, Version: 1,
		Profile: complaint.DefaultProfile, // none given: the default lifecycle
		Channel: "email", ReceivedAt: received, Subject: "出水口漏水", Description: "安装三天后出水口持续漏水。\n第二行",
		Category: "quality.leak", Severity: "major", Safety: true, Requests: []string{"replacement", "compensation"},
		Complainant: in.Complainant, CustomerID: &r.cust.ID, CustomerName: r.cust.Name, CustomerClass: customer.ClassKeyAccount,
		Region:    customer.RegionForeign,                                    // copied from the customer
		ProductID: &r.prod.ID, ProductName: r.prod.Name, Model: r.prod.Model, // filled from the product
		BatchNo: r.batch.LotNo, BatchID: &r.batch.ID, // resolved from the lot number
		OrderNo: "SO-2026-77", PartNo: "PN-9", QtyShipped: i64(120), QtyDefective: i64(7), ShipDate: &ship,
		ShipAddress: "宁波港", UsageTime: "三天", FoundPlace: "客户仓库", FoundAt: &found,
		DepartmentID: &r.dept.ID, FirstReceiverID: &r.user.ID, FirstReceiver: r.user.Name,
		ExpectedBy: received.AddDate(0, 0, 15), CreatedAt: Start, UpdatedAt: Start, // promised from receipt
	}
	if in.ID == 0 || len(in.TrackingCode) != 8 {
		t.Fatalf("create filled ID %d, tracking code %q", in.ID, in.TrackingCode)
	}
	for name, get := range map[string]func() (*complaint.Complaint, error){
		"Get":         func() (*complaint.Complaint, error) { return e.db.Complaints().Get(e.ctx, in.ID) },
		"GetByNumber": func() (*complaint.Complaint, error) { return e.db.Complaints().GetByNumber(e.ctx, want.Number) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := utc(*got), utc(want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
		}
	}

	// A bare complaint keeps its empty optional fields empty, not zero values.
	bare := e.create(t, NewComplaint("简单"))
	got, err := e.db.Complaints().Get(e.ctx, bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CustomerID != nil || got.ProductID != nil || got.BatchID != nil || got.QtyShipped != nil || got.ShipDate != nil ||
		got.FoundAt != nil || got.DepartmentID != nil || got.FirstReceiverID != nil || got.Requests == nil || len(got.Requests) != 0 ||
		got.Region != customer.RegionDomestic || got.Number != "KS-20261125-0002" {
		t.Errorf("bare complaint read back as %+v", got)
	}

	if _, err := e.db.Complaints().Get(e.ctx, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get(missing) = %v, want NotFound", err)
	}
	if _, err := e.db.Complaints().GetByNumber(e.ctx, "KS-19990101-0001"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("GetByNumber(missing) = %v, want NotFound", err)
	}
	cats, err := e.db.Complaints().Categories(e.ctx)
	if err != nil || len(cats) != len(complaint.DefaultCategories) {
		t.Fatalf("Categories = %d, %v; want the %d seeded", len(cats), err, len(complaint.DefaultCategories))
	}
}

func testNumberingPerPeriod(t *testing.T, e *env) {
	numbers := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, e.create(t, NewComplaint(fmt.Sprint("编号", i))).Number)
		}
		return out
	}
	if got, want := numbers(3), []string{"KS-20261125-0001", "KS-20261125-0002", "KS-20261125-0003"}; !slices.Equal(got, want) {
		t.Fatalf("day 1 numbers %v, want %v", got, want)
	}
	// 23:59 in the organisation's zone is still the same day, though UTC has moved on.
	e.clock.Set(time.Date(2026, 11, 25, 23, 59, 0, 0, Zone))
	if got := numbers(1); got[0] != "KS-20261125-0004" {
		t.Fatalf("late on day 1: %v", got)
	}
	e.clock.Set(time.Date(2026, 11, 26, 0, 0, 1, 0, Zone))
	if got, want := numbers(2), []string{"KS-20261126-0001", "KS-20261126-0002"}; !slices.Equal(got, want) {
		t.Fatalf("day 2 numbers %v, want %v (sequence restarts each day)", got, want)
	}

	// A monthly pattern continues across days and restarts with the month.
	e.svc.Pattern = mustPattern("Q{YYYY}{MM}-{SEQ:3}")
	if got := numbers(2); !slices.Equal(got, []string{"Q202611-001", "Q202611-002"}) {
		t.Fatalf("monthly: %v", got)
	}
	e.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, Zone))
	if got := numbers(1); got[0] != "Q202611-003" {
		t.Fatalf("monthly, later day: %v", got)
	}
	e.clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, Zone))
	if got := numbers(1); got[0] != "Q202612-001" {
		t.Fatalf("monthly, new month: %v", got)
	}

	// A sequence that outgrows its width is never truncated, and matches
	// NumberSpec.Format.
	e.svc.Pattern = mustPattern("T{YY}-{SEQ:1}")
	got := numbers(11)
	spec := e.svc.Pattern.Spec(e.clock.Now().In(Zone))
	for i, n := range got {
		if want := spec.Format(int64(i + 1)); n != want {
			t.Fatalf("number %d = %q, want %q", i+1, n, want)
		}
	}
	if got[10] != "T26-11" {
		t.Fatalf("11th number %q, want T26-11", got[10])
	}
}

func testReferenceChecks(t *testing.T, e *env) {
	e.create(t, NewComplaint("先有一条"))
	before := e.counts(t)
	c := NewComplaint("坏引用")
	c.CustomerID, c.ProductID, c.BatchID, c.DepartmentID, c.FirstReceiverID = i64(9001), i64(9002), i64(9003), i64(9004), i64(9005)
	c.Category = "no.such"
	_, err := e.svc.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System, IdempotencyKey: "k", RequestHash: "h"})
	ae := wantCode(t, err, apperr.Invalid)
	var fields []string
	for _, f := range ae.Fields {
		fields = append(fields, f.Field+"/"+f.Rule)
	}
	want := []string{"batch_id/not_found", "category/invalid_value", "customer_id/not_found", "department_id/not_found",
		"first_receiver_id/not_found", "product_id/not_found"}
	if !slices.Equal(fields, want) {
		t.Errorf("field errors %v, want %v", fields, want)
	}
	e.assertCounts(t, before)

	// The failed attempt used no number.
	if n := e.create(t, NewComplaint("之后")).Number; n != "KS-20261125-0002" {
		t.Errorf("number after a refused create = %q, want KS-20261125-0002", n)
	}

	// Update checks references the same way and writes nothing.
	ok := e.create(t, NewComplaint("待更新"))
	before = e.counts(t)
	bad := *ok
	bad.ProductID = i64(9002)
	wantField(t, e.update(&bad, []complaint.Change{{Field: "product_id", To: 9002}}, audit.System),
		apperr.Invalid, "product_id", "not_found")
	e.assertCounts(t, before)
	if got, _ := e.db.Complaints().Get(e.ctx, ok.ID); got.Version != 1 || got.ProductID != nil {
		t.Errorf("refused update changed the complaint: %+v", got)
	}
}

func ids(p *complaint.Page) []int64 {
	out := make([]int64, len(p.Items))
	for i, c := range p.Items {
		out[i] = c.ID
	}
	return out
}

func sorted(v ...int64) []int64 {
	slices.Sort(v)
	return v
}

func testListFilters(t *testing.T, e *env) {
	r := e.makeRefs(t, "1")
	r2 := e.makeRefs(t, "2")
	endUser := &customer.Customer{Code: "E1", Name: "终端用户", Class: customer.ClassEndUser, DealerID: &r.dealer.ID}
	if err := e.db.Registers().CreateCustomer(e.ctx, endUser, audit.System); err != nil {
		t.Fatal(err)
	}
	at := func(d int) time.Time { return Start.AddDate(0, 0, -d) }
	mk := func(subject string, f func(c *complaint.Complaint)) int64 {
		c := NewComplaint(subject)
		f(c)
		return e.create(t, c).ID
	}
	a := mk("a", func(c *complaint.Complaint) {
		c.Channel, c.Category, c.Severity, c.ReceivedAt = "phone", "quality.leak", "critical", at(10)
		c.CustomerID, c.ProductID, c.BatchNo, c.DepartmentID = &r.cust.ID, &r.prod.ID, r.batch.LotNo, &r.dept.ID
		c.Safety = true
	})
	b := mk("b", func(c *complaint.Complaint) {
		c.Channel, c.Category, c.Severity, c.ReceivedAt = "email", "quality.function", "major", at(5)
		c.CustomerID, c.ProductID, c.BatchNo, c.DepartmentID = &endUser.ID, &r2.prod.ID, r2.batch.LotNo, &r2.dept.ID
	})
	cID := mk("c", func(c *complaint.Complaint) {
		c.Channel, c.Category, c.Severity, c.ReceivedAt = "web", "service.attitude", "minor", at(1)
	})
	d := mk("d", func(c *complaint.Complaint) {
		c.Channel, c.Category, c.Severity, c.ReceivedAt = "phone", "quality", "minor", at(0)
		c.CustomerID = &r2.cust.ID
	})
	// A status other than registered, set the way the workflow will: through Update.
	got, err := e.db.Complaints().Get(e.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got.Status = "closed"
	if err := e.update(got, nil, audit.System); err != nil {
		t.Fatal(err)
	}
	yes := true
	from, to := at(6), at(1)
	for _, tc := range []struct {
		name string
		f    complaint.Filter
		want []int64
	}{
		{"all", complaint.Filter{}, sorted(a, b, cID, d)},
		{"status", complaint.Filter{Status: []string{"closed"}}, sorted(d)},
		{"status many", complaint.Filter{Status: []string{"registered", "closed"}}, sorted(a, b, cID, d)},
		{"channel", complaint.Filter{Channel: []string{"phone"}}, sorted(a, d)},
		{"channels", complaint.Filter{Channel: []string{"email", "web"}}, sorted(b, cID)},
		{"category level 1 matches children", complaint.Filter{Category: "quality"}, sorted(a, b, d)},
		{"category level 2", complaint.Filter{Category: "quality.leak"}, sorted(a)},
		{"category other branch", complaint.Filter{Category: "service"}, sorted(cID)},
		{"severity", complaint.Filter{Severity: []string{"critical", "major"}}, sorted(a, b)},
		{"safety", complaint.Filter{Safety: &yes}, sorted(a)},
		{"customer", complaint.Filter{CustomerID: &r.cust.ID}, sorted(a)},
		{"customer class", complaint.Filter{CustomerClass: customer.ClassEndUser}, sorted(b)},
		{"customer class key account", complaint.Filter{CustomerClass: customer.ClassKeyAccount}, sorted(a, d)},
		{"region", complaint.Filter{Region: customer.RegionForeign}, sorted(a, d)},
		{"region domestic", complaint.Filter{Region: customer.RegionDomestic}, sorted(b, cID)},
		{"product", complaint.Filter{ProductID: &r2.prod.ID}, sorted(b)},
		{"batch", complaint.Filter{BatchNo: r.batch.LotNo}, sorted(a)},
		{"department", complaint.Filter{DepartmentID: &r2.dept.ID}, sorted(b)},
		{"date range is [from, to)", complaint.Filter{From: &from, To: &to}, sorted(b)},
		{"from only", complaint.Filter{From: &to}, sorted(cID, d)},
		{"combined", complaint.Filter{Channel: []string{"phone"}, Category: "quality", Severity: []string{"minor"}}, sorted(d)},
		{"none", complaint.Filter{Channel: []string{"fax"}}, []int64{}},
	} {
		p, err := e.db.Complaints().List(e.ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := sorted(ids(p)...); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := e.db.Complaints().List(e.ctx, complaint.Filter{Sort: "bogus"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad sort: %v, want Invalid", err)
	}
	if _, err := e.db.Complaints().List(e.ctx, complaint.Filter{After: "!!"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad cursor: %v, want Invalid", err)
	}
}

func testKeysetPagination(t *testing.T, e *env) {
	// 23 complaints over 8 distinct received times, so pages split ties.
	var all []complaint.Complaint
	for i := range 23 {
		c := NewComplaint(fmt.Sprint("分页", i))
		c.ReceivedAt = Start.Add(-time.Duration(i%8) * time.Hour)
		all = append(all, *e.create(t, c))
	}
	for _, tc := range []struct {
		sort string
		less func(a, b complaint.Complaint) bool
	}{
		{"received_desc", func(a, b complaint.Complaint) bool {
			return a.ReceivedAt.After(b.ReceivedAt) || a.ReceivedAt.Equal(b.ReceivedAt) && a.ID > b.ID
		}},
		{"received_asc", func(a, b complaint.Complaint) bool {
			return a.ReceivedAt.Before(b.ReceivedAt) || a.ReceivedAt.Equal(b.ReceivedAt) && a.ID < b.ID
		}},
		{"number_desc", func(a, b complaint.Complaint) bool { return a.Number > b.Number }},
		{"number_asc", func(a, b complaint.Complaint) bool { return a.Number < b.Number }},
	} {
		want := slices.Clone(all)
		sort.Slice(want, func(i, j int) bool { return tc.less(want[i], want[j]) })
		var got []int64
		after, pages := "", 0
		for {
			p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Sort: tc.sort, Limit: 5, After: after})
			if err != nil {
				t.Fatalf("%s page %d: %v", tc.sort, pages, err)
			}
			pages++
			got = append(got, ids(p)...)
			if p.Next == "" {
				break
			}
			if len(p.Items) != 5 || pages > 10 {
				t.Fatalf("%s: page %d has %d items and a next cursor", tc.sort, pages, len(p.Items))
			}
			after = p.Next
		}
		var wantIDs []int64
		for _, c := range want {
			wantIDs = append(wantIDs, c.ID)
		}
		if pages != 5 || !slices.Equal(got, wantIDs) {
			t.Errorf("%s: %d pages, ids %v, want 5 pages, %v", tc.sort, pages, got, wantIDs)
		}
	}
	// The default sort is newest received first.
	p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Limit: 1})
	if err != nil || len(p.Items) != 1 || !p.Items[0].ReceivedAt.Equal(Start) || p.Next == "" {
		t.Errorf("default sort first item %+v, %v", p, err)
	}
	// A filter keeps applying across pages.
	p, err = e.db.Complaints().List(e.ctx, complaint.Filter{Limit: 2, From: ptr(Start.Add(-90 * time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Items)
	for p.Next != "" {
		if p, err = e.db.Complaints().List(e.ctx, complaint.Filter{Limit: 2, After: p.Next, From: ptr(Start.Add(-90 * time.Minute))}); err != nil {
			t.Fatal(err)
		}
		n += len(p.Items)
	}
	if n != 6 { // i%8 in {0, 1}: i = 0, 1, 8, 9, 16, 17
		t.Errorf("filtered pagination returned %d, want 6", n)
	}
}

func ptr[T any](v T) *T { return &v }

func testSearch(t *testing.T, e *env) {
	mk := func(subject, desc string) int64 {
		c := NewComplaint(subject)
		c.Description = desc
		c.Complainant.Name = "客户"
		return e.create(t, c).ID
	}
	a := mk("A", "净水器漏水，要求退货")    // KS-20261125-0001
	b := mk("B", "滤芯更换后出水有异味")    // 0002
	c := mk("C", "水，器件松动")        // 0003: 水 and 器 only across punctuation
	d := mk("D", "客户要求退款 Ｆｉｌｔｅｒ") // 0004
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"水器漏", sorted(a)},
		{"器漏水", sorted(a)},
		{"漏水", sorted(a)},
		{"退货", sorted(a)},
		{"异味", sorted(b)},
		{"更换后出", sorted(b)},
		{"味", sorted(b)},
		{"净", sorted(a)},
		{"款", sorted(d)},
		{"水", sorted(a, b, c)},
		{"水器", sorted(a)}, // not c: 水，器 is split by punctuation
		{"水，器", sorted(c)},
		{"0001", sorted(a)},
		{"0004", sorted(d)},
		{"KS-20261125-0002", sorted(b)},
		{"ks 20261125", sorted(a, b, c, d)},
		{"ＫＳ－２０２６１１２５－０００３", sorted(c)},
		{"filter", sorted(d)},
		{"FILT", sorted(d)},
		{"退款 filter", sorted(d)},
		{"漏水检查", []int64{}},
		{"水漏", []int64{}},
		{"0005", []int64{}},
	} {
		p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Query: tc.q})
		if err != nil {
			t.Errorf("search %q: %v", tc.q, err)
			continue
		}
		if got := sorted(ids(p)...); !slices.Equal(got, tc.want) {
			t.Errorf("search %q: got %v, want %v", tc.q, got, tc.want)
		}
	}
	// Search combines with other filters and pagination.
	p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Query: "水", Limit: 2, Sort: "number_asc"})
	if err != nil || !slices.Equal(ids(p), []int64{a, b}) || p.Next == "" {
		t.Fatalf("search page 1 %v %v", p, err)
	}
	p, err = e.db.Complaints().List(e.ctx, complaint.Filter{Query: "水", Limit: 2, Sort: "number_asc", After: p.Next})
	if err != nil || !slices.Equal(ids(p), []int64{c}) || p.Next != "" {
		t.Fatalf("search page 2 %v %v", p, err)
	}
	// Punctuation alone searches nothing rather than everything.
	if p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Query: "，。"}); err != nil || len(p.Items) != 0 {
		t.Errorf("punctuation query: %v %v", p, err)
	}

	// Updating re-indexes: old words go, new words come, the number stays.
	cb, err := e.db.Complaints().Get(e.ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	cb.Description = "压力罐漏气"
	if err := e.update(cb, []complaint.Change{{Field: "description"}}, audit.System); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]int64{"异味": {}, "漏气": {b}, "0002": {b}, "压力": {b}} {
		p, err := e.db.Complaints().List(e.ctx, complaint.Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(p); !slices.Equal(got, want) {
			t.Errorf("after update, search %q: got %v, want %v", q, got, want)
		}
	}
}

func testIdempotency(t *testing.T, e *env) {
	r1 := e.makeRefs(t, "1")
	r2 := e.makeRefs(t, "2")
	actor1 := audit.Actor{UserID: r1.user.ID, Name: r1.user.Username}
	actor2 := audit.Actor{UserID: r2.user.ID, Name: r2.user.Username}
	opts := complaint.CreateOptions{Actor: actor1, IdempotencyKey: "key-1", RequestHash: "hash-a"}
	first := NewComplaint("幂等")
	created, err := e.svc.Create(e.ctx, first, opts)
	if err != nil || !created {
		t.Fatalf("first create: created=%v err=%v", created, err)
	}
	before := e.counts(t)
	again := NewComplaint("幂等")
	created, err = e.svc.Create(e.ctx, again, opts)
	if err != nil || created {
		t.Fatalf("replay: created=%v err=%v, want false, nil", created, err)
	}
	if again.ID != first.ID || again.Number != first.Number || again.TrackingCode != first.TrackingCode {
		t.Errorf("replay returned %d %s, want the first complaint %d %s", again.ID, again.Number, first.ID, first.Number)
	}
	e.assertCounts(t, before)

	other := NewComplaint("不同内容")
	_, err = e.svc.Create(e.ctx, other, complaint.CreateOptions{Actor: actor1, IdempotencyKey: "key-1", RequestHash: "hash-b"})
	wantField(t, err, apperr.Conflict, "Idempotency-Key", "reused")
	e.assertCounts(t, before)

	// Another actor's key scope is separate.
	third := NewComplaint("幂等")
	created, err = e.svc.Create(e.ctx, third, complaint.CreateOptions{Actor: actor2, IdempotencyKey: "key-1", RequestHash: "hash-a"})
	if err != nil || !created || third.ID == first.ID {
		t.Fatalf("other actor, same key: created=%v id=%d err=%v; want a new complaint", created, third.ID, err)
	}
	// Replays consumed no numbers.
	if third.Number != "KS-20261125-0002" {
		t.Errorf("third number %q, want KS-20261125-0002", third.Number)
	}
}

func testUpdateVersionConflict(t *testing.T, e *env) {
	c := e.create(t, NewComplaint("版本"))
	stale := *c
	e.clock.Set(Start.Add(time.Hour))
	c.Subject = "版本二"
	if err := e.update(c, []complaint.Change{{Field: "subject", From: "版本", To: "版本二"}}, audit.System); err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || !c.UpdatedAt.Equal(Start.Add(time.Hour)) {
		t.Errorf("after update: version %d updated %v", c.Version, c.UpdatedAt)
	}
	before := e.counts(t)
	stale.Subject = "过期写入"
	err := e.update(&stale, []complaint.Change{{Field: "subject"}}, audit.System)
	wantCode(t, err, apperr.Conflict)
	e.assertCounts(t, before)
	got, err := e.db.Complaints().Get(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "版本二" || got.Version != 2 || !got.UpdatedAt.Equal(Start.Add(time.Hour)) || !got.CreatedAt.Equal(Start) {
		t.Errorf("stored after stale update: %q v%d updated %v created %v", got.Subject, got.Version, got.UpdatedAt, got.CreatedAt)
	}
	// Updating a missing complaint is refused too.
	missing := *got
	missing.ID = 999999
	if err := e.update(&missing, nil, audit.System); err == nil {
		t.Error("update of a missing complaint succeeded")
	}
	// The change is on the timeline and in the audit log.
	tl, err := e.db.Complaints().Timeline(e.ctx, c.ID, false)
	if err != nil || len(tl) != 2 || tl[1].Kind != complaint.EventChanged {
		t.Fatalf("timeline %+v %v", tl, err)
	}
	entries, err := e.db.Audit().List(e.ctx, audit.Filter{Action: "complaint.update"})
	if err != nil || len(entries) != 1 || entries[0].Object != fmt.Sprint("complaint:", c.ID) {
		t.Fatalf("audit %+v %v", entries, err)
	}
}

func testTimeline(t *testing.T, e *env) {
	r := e.makeRefs(t, "1")
	c := e.create(t, NewComplaint("时间线"))
	other := e.create(t, NewComplaint("别的"))
	actor := audit.Actor{UserID: r.user.ID, Name: r.user.Name}
	events := []*complaint.Event{
		{ComplaintID: c.ID, Kind: complaint.EventNote, Body: "内部备注", Public: false},
		{ComplaintID: c.ID, Kind: complaint.EventReply, Body: "已回复客户", Public: true, Data: map[string]any{"via": "email"}},
		{ComplaintID: other.ID, Kind: complaint.EventNote, Body: "另一条"},
		{ComplaintID: c.ID, Kind: complaint.EventAckSent, Public: true},
	}
	for i, ev := range events {
		e.clock.Set(Start.Add(time.Duration(i+1) * time.Minute))
		if err := e.addEvent(ev, actor); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.db.Complaints().Timeline(e.ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, ev := range all {
		kinds = append(kinds, ev.Kind)
		if i > 0 && (ev.ID <= all[i-1].ID || ev.At.Before(all[i-1].At)) {
			t.Errorf("timeline out of order at %d: %+v", i, all)
		}
	}
	if want := []string{"created", "note", "reply", "ack_sent"}; !slices.Equal(kinds, want) {
		t.Fatalf("timeline kinds %v, want %v", kinds, want)
	}
	reply := all[2]
	if reply.Body != "已回复客户" || reply.Data["via"] != "email" || reply.ActorID == nil || *reply.ActorID != r.user.ID ||
		reply.ActorName != r.user.Name || !reply.At.Equal(Start.Add(2*time.Minute)) || !reply.Public {
		t.Errorf("reply read back as %+v", reply)
	}
	if all[0].ActorID != nil || all[0].ActorName != "system" || all[0].Data["channel"] != "phone" {
		t.Errorf("created event %+v", all[0])
	}
	pub, err := e.db.Complaints().Timeline(e.ctx, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	kinds = nil
	for _, ev := range pub {
		kinds = append(kinds, ev.Kind)
	}
	if want := []string{"created", "reply", "ack_sent"}; !slices.Equal(kinds, want) {
		t.Errorf("public timeline %v, want %v", kinds, want)
	}
	// Events for a missing complaint are refused by the foreign key.
	if err := e.addEvent(&complaint.Event{ComplaintID: 999999, Kind: "note"}, actor); err == nil {
		t.Error("event on a missing complaint accepted")
	}
}

func testAppendOnly(t *testing.T, e *env) {
	c := e.create(t, NewComplaint("不可改"))
	for _, stmt := range []string{
		"UPDATE complaint_events SET body = 'changed'",
		"DELETE FROM complaint_events",
		"UPDATE audit_log SET actor_name = 'mallory'",
		"DELETE FROM audit_log",
	} {
		_, err := e.db.W.ExecContext(e.ctx, stmt)
		if err == nil {
			t.Errorf("%s: succeeded", stmt)
			continue
		}
		if got := e.db.Dialect.Classify(err); !apperr.Is(got, apperr.Forbidden) {
			t.Errorf("%s: error %v classified as %q, want forbidden", stmt, err, apperr.CodeOf(got))
		}
	}
	tl, err := e.db.Complaints().Timeline(e.ctx, c.ID, false)
	if err != nil || len(tl) != 1 || tl[0].Body != "" {
		t.Errorf("timeline after refused writes: %+v %v", tl, err)
	}
	if bad, checked, err := e.db.Audit().Verify(e.ctx); bad != 0 || checked != int64(e.count(t, "audit_log")) || err != nil {
		t.Errorf("audit after refused writes: bad=%d checked=%d err=%v", bad, checked, err)
	}
}

func testAttachments(t *testing.T, e *env) {
	c := e.create(t, NewComplaint("附件"))
	e.clock.Set(Start.Add(time.Minute))
	a := &complaint.Attachment{ComplaintID: c.ID, Name: "照片.jpg", ContentType: "image/jpeg", Size: 2048,
		SHA256: "ab12", Kind: "photo", Public: true}
	b := &complaint.Attachment{ComplaintID: c.ID, Name: "报告.pdf", ContentType: "application/pdf", Size: 99, SHA256: "cd34", Kind: "file"}
	actor := audit.Actor{Name: "public", IP: "192.0.2.1"}
	for _, x := range []*complaint.Attachment{a, b} {
		if err := e.attach(x, actor); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID == 0 || b.ID <= a.ID || a.UploadedBy != "public" {
		t.Fatalf("attachment ids %d %d uploaded by %q", a.ID, b.ID, a.UploadedBy)
	}
	list, err := e.db.Complaints().Attachments(e.ctx, c.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("Attachments = %v %v", list, err)
	}
	want := *a
	want.CreatedAt = Start.Add(time.Minute).UTC()
	got := list[0]
	got.CreatedAt = got.CreatedAt.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attachment read back\n got %+v\nwant %+v", got, want)
	}
	one, err := e.db.Complaints().Attachment(e.ctx, b.ID)
	if err != nil || one.Name != "报告.pdf" || one.Public || one.Size != 99 {
		t.Errorf("Attachment(%d) = %+v %v", b.ID, one, err)
	}
	if _, err := e.db.Complaints().Attachment(e.ctx, 999999); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("missing attachment: %v", err)
	}
	got2, err := e.db.Complaints().Get(e.ctx, c.ID)
	if err != nil || got2.AttachmentCount != 2 || !got2.UpdatedAt.Equal(Start.Add(time.Minute)) {
		t.Errorf("complaint after attachments: count %d updated %v err %v", got2.AttachmentCount, got2.UpdatedAt, err)
	}
	pub, _ := e.db.Complaints().Timeline(e.ctx, c.ID, true)
	all, _ := e.db.Complaints().Timeline(e.ctx, c.ID, false)
	if len(pub) != 2 || len(all) != 3 || all[2].Kind != complaint.EventAttachment {
		t.Errorf("attachment events: public %d, all %d", len(pub), len(all))
	}
	before := e.counts(t)
	err = e.attach(&complaint.Attachment{ComplaintID: 999999, Name: "x", ContentType: "text/plain", Kind: "file"}, actor)
	wantCode(t, err, apperr.NotFound)
	e.assertCounts(t, before)
}

func testAuditVerify(t *testing.T, e *env) {
	r := e.makeRefs(t, "1") // several audited writes
	c := e.create(t, NewComplaint("审计"))
	at := Start.Add(90*time.Second + 123456789) // sub-microsecond part is dropped
	e.clock.Set(at)
	entry := &audit.Entry{Actor: audit.Actor{UserID: r.user.ID, Name: "李四", IP: "10.0.0.1"}, Action: "export.csv",
		Object: "complaints", Detail: []byte(`{"rows":3,"q":"漏水"}`)}
	if err := e.db.Audit().Append(e.ctx, entry); err != nil {
		t.Fatal(err)
	}
	total := int64(e.count(t, "audit_log"))
	if entry.ID != total {
		t.Errorf("appended entry ID %d, want %d (the last)", entry.ID, total)
	}
	bad, checked, err := e.db.Audit().Verify(e.ctx)
	if err != nil || bad != 0 || checked != total {
		t.Fatalf("Verify intact log = bad %d checked %d err %v; want 0, %d", bad, checked, err, total)
	}
	list, err := e.db.Audit().List(e.ctx, audit.Filter{Limit: 3})
	if err != nil || len(list) != 3 || list[0].ID != total || list[1].ID != total-1 {
		t.Fatalf("List newest first: %+v %v", list, err)
	}
	got := list[0]
	if got.Action != "export.csv" || got.Actor != entry.Actor || string(got.Detail) != string(entry.Detail) ||
		!got.At.Equal(at.Truncate(time.Microsecond)) || got.Hash != audit.ComputeHash(got.PrevHash, &got) || got.PrevHash != list[1].Hash {
		t.Errorf("entry read back %+v", got)
	}
	for _, f := range []struct {
		f    audit.Filter
		want int
	}{
		{audit.Filter{Action: "complaint.create"}, 1},
		{audit.Filter{Object: fmt.Sprint("complaint:", c.ID)}, 1},
		{audit.Filter{ActorID: r.user.ID}, 1},
		{audit.Filter{BeforeID: 3}, 2},
	} {
		if l, err := e.db.Audit().List(e.ctx, f.f); err != nil || len(l) != f.want {
			t.Errorf("List(%+v) = %d entries, %v; want %d", f.f, len(l), err, f.want)
		}
	}

	// The everyday check walks only what came after the last intact check.
	if err := e.db.Audit().Append(e.ctx, &audit.Entry{Actor: audit.System, Action: "test.next", Object: "n:1"}); err != nil {
		t.Fatal(err)
	}
	var from int64
	bad, checked, from, err = e.db.Audit().VerifyRecent(e.ctx)
	if err != nil || bad != 0 || checked != 1 || from != total+1 {
		t.Fatalf("VerifyRecent = bad %d checked %d from %d err %v; want 0, 1 from %d", bad, checked, from, err, total+1)
	}
	total++

	// Tamper with entry 3 behind the append-only guard.
	var disable, enable string
	switch e.db.Dialect.Name() {
	case "sqlite":
		disable, enable = "DROP TRIGGER audit_log_no_update",
			"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
	case "postgres":
		disable, enable = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"
	default:
		t.Fatalf("no tamper recipe for engine %s", e.db.Dialect.Name())
	}
	for _, stmt := range []string{disable, "UPDATE audit_log SET actor_name = 'mallory' WHERE id = 3", enable} {
		if _, err := e.db.W.ExecContext(e.ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	bad, _, err = e.db.Audit().Verify(e.ctx)
	if err != nil || bad != 3 {
		t.Errorf("Verify after tampering with entry 3 = %d, %v; want 3", bad, err)
	}
	// Altering the checkpoint entry itself is caught by the everyday check.
	for _, stmt := range []string{disable, fmt.Sprintf("UPDATE audit_log SET object = 'forged' WHERE id = %d", total), enable} {
		if _, err := e.db.W.ExecContext(e.ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if bad, _, _, err := e.db.Audit().VerifyRecent(e.ctx); err != nil || bad != total {
		t.Errorf("VerifyRecent after tampering with the checkpoint entry = %d, %v; want %d", bad, err, total)
	}
}
