package storetest

import (
	"slices"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
)

func testCustomers(t *testing.T, e *env) {
	rs := e.db.Registers()
	dealer := &customer.Customer{Code: "D001", Name: "华东经销商", Class: customer.ClassDealer, Contact: "赵", Phone: "021-5555-0000",
		Email: "d@example.com", Address: "上海", Note: "A类"}
	key := &customer.Customer{Code: "K001", Name: "大客户", Class: customer.ClassKeyAccount, Region: customer.RegionForeign}
	for _, c := range []*customer.Customer{dealer, key} {
		if err := rs.CreateCustomer(e.ctx, c, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	sub := &customer.Customer{Code: "S001", Name: "分销商甲", Class: customer.ClassSubDistributor, DealerID: &dealer.ID}
	if err := rs.CreateCustomer(e.ctx, sub, audit.System); err != nil {
		t.Fatal(err)
	}
	got, err := rs.GetCustomer(e.ctx, sub.ID)
	if err != nil || got.Dealer != dealer.Name || *got.DealerID != dealer.ID || got.Version != 1 || got.Region != customer.RegionDomestic ||
		!got.Created.Equal(Start) {
		t.Fatalf("GetCustomer = %+v, %v", got, err)
	}
	if got, _ := rs.GetCustomer(e.ctx, dealer.ID); got.Phone != dealer.Phone || got.Note != "A类" || got.Email != dealer.Email {
		t.Errorf("dealer read back %+v", got)
	}

	// Codeless customers do not collide with each other; duplicate codes do.
	for i := range 2 {
		if err := rs.CreateCustomer(e.ctx, &customer.Customer{Name: "散户", Class: customer.ClassWalkIn}, audit.System); err != nil {
			t.Fatalf("codeless customer %d: %v", i, err)
		}
	}
	before := e.count(t, "customers")
	auditBefore := e.count(t, "audit_log")
	wantField(t, rs.CreateCustomer(e.ctx, &customer.Customer{Code: "D001", Name: "重复", Class: customer.ClassWalkIn}, audit.System),
		apperr.Conflict, "code", "duplicate")
	// A dealer link must point to a dealer.
	wantField(t, rs.CreateCustomer(e.ctx, &customer.Customer{Code: "E1", Name: "终端", Class: customer.ClassEndUser, DealerID: &key.ID}, audit.System),
		apperr.Invalid, "dealer_id", "not_a_dealer")
	wantField(t, rs.CreateCustomer(e.ctx, &customer.Customer{Code: "E2", Name: "终端", Class: customer.ClassEndUser, DealerID: ptr(int64(99999))}, audit.System),
		apperr.Invalid, "dealer_id", "not_found")
	if n := e.count(t, "customers"); n != before {
		t.Errorf("refused creates wrote customers: %d → %d", before, n)
	}
	if n := e.count(t, "audit_log"); n != auditBefore {
		t.Errorf("refused creates wrote audit: %d → %d", auditBefore, n)
	}

	// Update: version checks, duplicate codes, dealer rule.
	stale := *key
	key.Name = "大客户（改）"
	if err := rs.UpdateCustomer(e.ctx, key, audit.System); err != nil || key.Version != 2 {
		t.Fatalf("update: %v, version %d", err, key.Version)
	}
	stale.Name = "过期"
	wantCode(t, rs.UpdateCustomer(e.ctx, &stale, audit.System), apperr.Conflict)
	dup := *key
	dup.Code = "D001"
	wantField(t, rs.UpdateCustomer(e.ctx, &dup, audit.System), apperr.Conflict, "code", "duplicate")
	subBad := *sub
	subBad.DealerID = &key.ID
	wantField(t, rs.UpdateCustomer(e.ctx, &subBad, audit.System), apperr.Invalid, "dealer_id", "not_a_dealer")
	missing := *key
	missing.ID = 99999
	wantCode(t, rs.UpdateCustomer(e.ctx, &missing, audit.System), apperr.NotFound)
	if got, _ := rs.GetCustomer(e.ctx, key.ID); got.Name != "大客户（改）" || got.Version != 2 || got.Code != "K001" {
		t.Errorf("after refused updates: %+v", got)
	}

	list, err := rs.ListCustomers(e.ctx, customer.Filter{DealerID: &dealer.ID})
	if err != nil || len(list) != 1 || list[0].ID != sub.ID {
		t.Errorf("ListCustomers(dealer) = %+v %v", list, err)
	}
	list, err = rs.ListCustomers(e.ctx, customer.Filter{Class: customer.ClassWalkIn})
	if err != nil || len(list) != 2 {
		t.Errorf("ListCustomers(walk_in) = %d %v", len(list), err)
	}
	list, err = rs.ListCustomers(e.ctx, customer.Filter{Query: "经销"})
	if err != nil || len(list) != 1 || list[0].ID != dealer.ID {
		t.Errorf("ListCustomers(q) = %+v %v", list, err)
	}
	list, err = rs.ListCustomers(e.ctx, customer.Filter{Query: "d00"}) // case-insensitive on every engine
	if err != nil || len(list) != 1 || list[0].ID != dealer.ID {
		t.Errorf("ListCustomers(d00) = %+v %v", list, err)
	}
	list, err = rs.ListCustomers(e.ctx, customer.Filter{Query: "%"})
	if err != nil || len(list) != 0 {
		t.Errorf("ListCustomers(%%) must treat %% literally: %d %v", len(list), err)
	}

	// Delete: used records are refused, unused ones go.
	wantCode(t, rs.DeleteCustomer(e.ctx, dealer.ID, audit.System), apperr.Conflict) // has a sub-distributor
	c := NewComplaint("引用客户")
	c.CustomerID = &key.ID
	e.create(t, c)
	wantCode(t, rs.DeleteCustomer(e.ctx, key.ID, audit.System), apperr.Conflict) // has a complaint
	if err := rs.DeleteCustomer(e.ctx, sub.ID, audit.System); err != nil {
		t.Fatal(err)
	}
	wantCode(t, rs.DeleteCustomer(e.ctx, sub.ID, audit.System), apperr.NotFound)
	if _, err := rs.GetCustomer(e.ctx, sub.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted customer: %v", err)
	}
	if l, _ := e.db.Audit().List(e.ctx, audit.Filter{Action: "customer.delete"}); len(l) != 1 {
		t.Errorf("customer.delete audit entries: %d", len(l))
	}
}

func testProducts(t *testing.T, e *env) {
	rs := e.db.Registers()
	p := &product.Product{Code: "P1", Name: "净水器", Model: "JS-100", Line: "water"}
	p2 := &product.Product{Code: "P2", Name: "滤芯", Model: "LX-1"}
	for _, x := range []*product.Product{p, p2} {
		if err := rs.CreateProduct(e.ctx, x, audit.System); err != nil {
			t.Fatal(err)
		}
	}
	wantField(t, rs.CreateProduct(e.ctx, &product.Product{Code: "P1", Name: "重复"}, audit.System), apperr.Conflict, "code", "duplicate")
	stale := *p
	p.Model = "JS-200"
	if err := rs.UpdateProduct(e.ctx, p, audit.System); err != nil || p.Version != 2 {
		t.Fatalf("update product: %v v%d", err, p.Version)
	}
	wantCode(t, rs.UpdateProduct(e.ctx, &stale, audit.System), apperr.Conflict)
	dup := *p2
	dup.Code = "P1"
	wantField(t, rs.UpdateProduct(e.ctx, &dup, audit.System), apperr.Conflict, "code", "duplicate")
	if got, err := rs.GetProduct(e.ctx, p.ID); err != nil || got.Model != "JS-200" || got.Version != 2 || got.Line != "water" {
		t.Errorf("GetProduct = %+v %v", got, err)
	}
	if l, err := rs.ListProducts(e.ctx, "LX", 0, 0); err != nil || len(l) != 1 || l[0].ID != p2.ID {
		t.Errorf("ListProducts(LX) = %+v %v", l, err)
	}
	if l, err := rs.ListProducts(e.ctx, "js-2", 0, 0); err != nil || len(l) != 1 || l[0].ID != p.ID {
		t.Errorf("ListProducts(js-2) = %+v %v; want a case-insensitive match", l, err)
	}
	if l, err := rs.ListProducts(e.ctx, "", 1, 1); err != nil || len(l) != 1 || l[0].ID != p2.ID {
		t.Errorf("ListProducts page 2 = %+v %v", l, err)
	}

	sup := &product.Supplier{Code: "S1", Name: "供应商", Email: "s@example.com"}
	if err := rs.CreateSupplier(e.ctx, sup, audit.System); err != nil {
		t.Fatal(err)
	}
	wantField(t, rs.CreateSupplier(e.ctx, &product.Supplier{Code: "S1", Name: "重复"}, audit.System), apperr.Conflict, "code", "duplicate")
	produced := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	b := &product.Batch{ProductID: p.ID, LotNo: "L2026", ProducedOn: &produced, Quantity: 500, SupplierID: &sup.ID}
	if err := rs.CreateBatch(e.ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	got, err := rs.GetBatch(e.ctx, b.ID)
	if err != nil || got.Product != "净水器" || !got.ProducedOn.Equal(produced) || got.Status != product.BatchNormal ||
		*got.SupplierID != sup.ID || got.Quantity != 500 {
		t.Fatalf("GetBatch = %+v %v", got, err)
	}
	wantField(t, rs.CreateBatch(e.ctx, &product.Batch{ProductID: p.ID, LotNo: "L2026"}, audit.System), apperr.Conflict, "lot_no", "duplicate")
	// The same lot number under another product is another batch.
	if err := rs.CreateBatch(e.ctx, &product.Batch{ProductID: p2.ID, LotNo: "L2026"}, audit.System); err != nil {
		t.Errorf("same lot, other product: %v", err)
	}
	wantField(t, rs.CreateBatch(e.ctx, &product.Batch{ProductID: 99999, LotNo: "X"}, audit.System), apperr.Invalid, "product_id", "not_found")
	wantField(t, rs.CreateBatch(e.ctx, &product.Batch{ProductID: p.ID, LotNo: "Y", SupplierID: ptr(int64(99999))}, audit.System),
		apperr.Invalid, "supplier_id", "not_found")
	staleB := *b
	b.Status = product.BatchRecalled
	if err := rs.UpdateBatch(e.ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	wantCode(t, rs.UpdateBatch(e.ctx, &staleB, audit.System), apperr.Conflict)
	if l, err := rs.ListBatches(e.ctx, p.ID, product.BatchRecalled, 0, 0); err != nil || len(l) != 1 || l[0].ID != b.ID {
		t.Errorf("ListBatches(recalled) = %+v %v", l, err)
	}
	staleS := *sup
	sup.Phone = "0571-8888-0000"
	if err := rs.UpdateSupplier(e.ctx, sup, audit.System); err != nil {
		t.Fatal(err)
	}
	wantCode(t, rs.UpdateSupplier(e.ctx, &staleS, audit.System), apperr.Conflict)
	if l, err := rs.ListSuppliers(e.ctx); err != nil || len(l) != 1 || l[0].Phone != sup.Phone || l[0].Version != 2 {
		t.Errorf("ListSuppliers = %+v %v", l, err)
	}

	// Used records cannot be deleted.
	wantCode(t, rs.DeleteProduct(e.ctx, p.ID, audit.System), apperr.Conflict)    // has batches
	wantCode(t, rs.DeleteSupplier(e.ctx, sup.ID, audit.System), apperr.Conflict) // supplies a batch
	c := NewComplaint("批次")
	c.BatchID = &b.ID
	e.create(t, c)
	wantCode(t, rs.DeleteBatch(e.ctx, b.ID, audit.System), apperr.Conflict) // named by a complaint
	if got, err := rs.GetBatch(e.ctx, b.ID); err != nil || got.Version != 2 {
		t.Errorf("batch after refused delete: %+v %v", got, err)
	}
	extra := &product.Product{Code: "P3", Name: "无用"}
	if err := rs.CreateProduct(e.ctx, extra, audit.System); err != nil {
		t.Fatal(err)
	}
	if err := rs.DeleteProduct(e.ctx, extra.ID, audit.System); err != nil {
		t.Fatal(err)
	}
	wantCode(t, rs.DeleteProduct(e.ctx, extra.ID, audit.System), apperr.NotFound)
	if _, err := rs.GetProduct(e.ctx, extra.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted product: %v", err)
	}
}

func testDepartments(t *testing.T, e *env) {
	rs := e.db.Registers()
	seeded, err := rs.ListDepartments(e.ctx)
	if err != nil || len(seeded) != len(org.DefaultDepartments) {
		t.Fatalf("seeded departments: %d %v", len(seeded), err)
	}
	// Seeding again adds nothing.
	if err := e.db.Seed(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, "departments"); n != len(org.DefaultDepartments) {
		t.Fatalf("departments after second seed: %d", n)
	}
	a := &org.Department{Code: "a", Name: "甲"}
	if err := rs.CreateDepartment(e.ctx, a, audit.System); err != nil {
		t.Fatal(err)
	}
	b := &org.Department{Code: "b", Name: "乙", ParentID: &a.ID}
	if err := rs.CreateDepartment(e.ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	c := &org.Department{Code: "c", Name: "丙", ParentID: &b.ID}
	if err := rs.CreateDepartment(e.ctx, c, audit.System); err != nil {
		t.Fatal(err)
	}
	wantField(t, rs.CreateDepartment(e.ctx, &org.Department{Code: "a", Name: "重复"}, audit.System), apperr.Conflict, "code", "duplicate")
	wantField(t, rs.CreateDepartment(e.ctx, &org.Department{Code: "x", Name: "孤儿", ParentID: ptr(int64(99999))}, audit.System),
		apperr.Invalid, "parent_id", "not_found")
	// a under c would close the loop a → b → c → a.
	loop := *a
	loop.ParentID = &c.ID
	wantField(t, rs.UpdateDepartment(e.ctx, &loop, audit.System), apperr.Invalid, "parent_id", "cycle")
	if got, _ := rs.GetDepartment(e.ctx, a.ID); got.ParentID != nil || got.Version != 1 {
		t.Errorf("department after refused cycle: %+v", got)
	}

	u := &org.User{Username: "Manager.Li", Name: "李经理", Role: org.RoleManager, DepartmentID: &a.ID, Email: "li@example.com"}
	if err := rs.CreateUser(e.ctx, u, "hash", audit.System); err != nil {
		t.Fatal(err)
	}
	wantField(t, rs.CreateUser(e.ctx, &org.User{Username: "manager.li", Name: "另一个", Role: org.RoleAgent}, "", audit.System),
		apperr.Conflict, "username", "duplicate")
	wantField(t, rs.CreateUser(e.ctx, &org.User{Username: "nodept", Name: "无部门", Role: org.RoleAgent, DepartmentID: ptr(int64(99999))}, "", audit.System),
		apperr.Invalid, "department_id", "not_found")
	got, err := rs.GetUserByUsername(e.ctx, "manager.li")
	if err != nil || got.ID != u.ID || got.Department != "甲" || got.Lang != "zh" || got.Email != "li@example.com" || !got.CreatedAt.Equal(Start) {
		t.Fatalf("GetUserByUsername = %+v %v", got, err)
	}
	// Manager and deputy are filled on read.
	b.ManagerID, b.DeputyID = &u.ID, &u.ID
	if err := rs.UpdateDepartment(e.ctx, b, audit.System); err != nil {
		t.Fatal(err)
	}
	if got, err := rs.GetDepartment(e.ctx, b.ID); err != nil || got.Manager != "李经理" || got.Deputy != "李经理" || got.Version != 2 {
		t.Errorf("GetDepartment = %+v %v", got, err)
	}
	staleD := *b
	staleD.Version = 1
	wantCode(t, rs.UpdateDepartment(e.ctx, &staleD, audit.System), apperr.Conflict)

	staleU := *u
	u.Role = org.RoleHandler
	if err := rs.UpdateUser(e.ctx, u, audit.System); err != nil || u.Version != 2 {
		t.Fatalf("update user: %v v%d", err, u.Version)
	}
	wantCode(t, rs.UpdateUser(e.ctx, &staleU, audit.System), apperr.Conflict)
	users, err := rs.ListUsers(e.ctx)
	if err != nil || len(users) != 1 || users[0].Role != org.RoleHandler {
		t.Errorf("ListUsers = %+v %v", users, err)
	}

	// Used departments cannot be deleted: a has a child and a user.
	wantCode(t, rs.DeleteDepartment(e.ctx, a.ID, audit.System), apperr.Conflict)
	if err := rs.DeleteDepartment(e.ctx, c.ID, audit.System); err != nil {
		t.Fatal(err)
	}
	wantCode(t, rs.DeleteDepartment(e.ctx, c.ID, audit.System), apperr.NotFound)
	var codes []string
	list, _ := rs.ListDepartments(e.ctx)
	for _, d := range list {
		codes = append(codes, d.Code)
	}
	if !slices.Contains(codes, "b") || slices.Contains(codes, "c") || len(codes) != len(org.DefaultDepartments)+2 {
		t.Errorf("departments after delete: %v", codes)
	}
}

func testAuth(t *testing.T, e *env) {
	rs, as := e.db.Registers(), e.db.Auth()
	if n, err := as.CountUsers(e.ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers on a fresh database = %d %v", n, err)
	}
	u := &org.User{Username: "agent", Name: "客服小王", Role: org.RoleAgent}
	if err := rs.CreateUser(e.ctx, u, auth.HashPassword("correct horse"), audit.System); err != nil {
		t.Fatal(err)
	}
	if n, _ := as.CountUsers(e.ctx); n != 1 {
		t.Fatalf("CountUsers = %d", n)
	}
	cred, err := as.GetCredential(e.ctx, "agent")
	if err != nil || !auth.CheckPassword(cred.Hash, "correct horse") || cred.User.ID != u.ID || cred.Failed != 0 || !cred.LockedUntil.IsZero() {
		t.Fatalf("GetCredential = %+v %v", cred, err)
	}
	if _, err := as.GetCredential(e.ctx, "nobody"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("GetCredential(nobody) = %v", err)
	}
	actor := audit.Actor{UserID: u.ID, Name: u.Username, IP: "192.0.2.7"}

	// Failed logins are counted, locks stored, and both are audited.
	lock := Start.Add(15 * time.Minute)
	if err := as.RecordLogin(e.ctx, u.ID, 5, lock, false, actor); err != nil {
		t.Fatal(err)
	}
	cred, _ = as.GetCredential(e.ctx, "agent")
	if cred.Failed != 5 || !cred.LockedUntil.Equal(lock) {
		t.Errorf("after failed login: failed %d locked %v", cred.Failed, cred.LockedUntil)
	}
	if err := as.RecordLogin(e.ctx, u.ID, 0, time.Time{}, true, actor); err != nil {
		t.Fatal(err)
	}
	cred, _ = as.GetCredential(e.ctx, "agent")
	if cred.Failed != 0 || !cred.LockedUntil.IsZero() {
		t.Errorf("after login: failed %d locked %v", cred.Failed, cred.LockedUntil)
	}
	for action, n := range map[string]int{"user.login": 1, "user.login_failed": 1} {
		l, err := e.db.Audit().List(e.ctx, audit.Filter{Action: action, ActorID: u.ID})
		if err != nil || len(l) != n || l[0].Actor != actor {
			t.Errorf("audit %s: %+v %v", action, l, err)
		}
	}
	if err := as.SetPassword(e.ctx, auth.PasswordChange{UserID: u.ID, Hash: auth.HashPassword("new password"), At: Start}, actor); err != nil {
		t.Fatal(err)
	}
	if cred, _ = as.GetCredential(e.ctx, "agent"); !auth.CheckPassword(cred.Hash, "new password") {
		t.Error("password not changed")
	}
	wantCode(t, as.SetPassword(e.ctx, auth.PasswordChange{UserID: 99999, Hash: "x", At: Start}, actor), apperr.NotFound)

	// Sessions resolve to their user until they expire.
	s := &auth.Session{TokenHash: auth.HashToken("tok"), UserID: u.ID, CSRF: "csrf", CreatedAt: Start, ExpiresAt: Start.Add(time.Hour), IP: "192.0.2.7"}
	if err := as.CreateSession(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	got, gu, err := as.GetSession(e.ctx, s.TokenHash, Start.Add(59*time.Minute))
	if err != nil || gu.ID != u.ID || got.CSRF != "csrf" || !got.ExpiresAt.Equal(s.ExpiresAt) || got.IP != s.IP {
		t.Fatalf("GetSession = %+v %+v %v", got, gu, err)
	}
	if _, _, err := as.GetSession(e.ctx, s.TokenHash, Start.Add(time.Hour)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("expired session: %v, want NotFound", err)
	}
	if _, _, err := as.GetSession(e.ctx, auth.HashToken("other"), Start); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown session: %v", err)
	}
	// Creating a session sweeps expired ones.
	s2 := &auth.Session{TokenHash: auth.HashToken("tok2"), UserID: u.ID, CSRF: "c2", CreatedAt: Start.Add(2 * time.Hour), ExpiresAt: Start.Add(3 * time.Hour)}
	if err := as.CreateSession(e.ctx, s2); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, "sessions"); n != 1 {
		t.Errorf("sessions after sweep: %d, want 1", n)
	}
	if err := as.DeleteSession(e.ctx, s2.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, _, err := as.GetSession(e.ctx, s2.TokenHash, Start.Add(2*time.Hour)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted session: %v", err)
	}

	// API tokens resolve to their user.
	tok := &auth.Token{UserID: u.ID, Name: "erp", Hash: auth.HashToken("api"), CreatedAt: Start}
	if err := as.CreateToken(e.ctx, tok, actor); err != nil || tok.ID == 0 {
		t.Fatalf("CreateToken: %v id %d", err, tok.ID)
	}
	gt, tu, err := as.GetToken(e.ctx, tok.Hash)
	if err != nil || gt.ID != tok.ID || tu.ID != u.ID || gt.Name != "erp" || gt.LastUsed != nil {
		t.Fatalf("GetToken = %+v %+v %v", gt, tu, err)
	}
	if _, _, err := as.GetToken(e.ctx, auth.HashToken("nope")); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if err := as.CreateToken(e.ctx, &auth.Token{UserID: u.ID, Name: "dup", Hash: tok.Hash, CreatedAt: Start}, actor); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate token hash: %v, want Conflict", err)
	}

	// Tokens expire, list newest first and are revoked; a password change
	// ends the user's other sessions and revokes their other tokens.
	until := Start.Add(48 * time.Hour)
	tok2 := &auth.Token{UserID: u.ID, Name: "nightly", Hash: auth.HashToken("api2"), CreatedAt: Start, ExpiresAt: &until}
	if err := as.CreateToken(e.ctx, tok2, actor); err != nil {
		t.Fatal(err)
	}
	ts, err := as.ListTokens(e.ctx, u.ID)
	if err != nil || len(ts) != 2 || ts[0].ID != tok2.ID || ts[0].ExpiresAt == nil || !ts[0].ExpiresAt.Equal(until) ||
		ts[0].Username != "agent" || ts[1].ExpiresAt != nil {
		t.Fatalf("ListTokens = %+v %v", ts, err)
	}
	if all, _ := as.ListTokens(e.ctx, 0); len(all) != 2 {
		t.Errorf("all tokens: %d", len(all))
	}
	if _, err := as.RevokeToken(e.ctx, tok2.ID, u.ID+1, Start, actor); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("revoking another user's token: %v, want NotFound", err)
	}
	if owner, err := as.RevokeToken(e.ctx, tok2.ID, u.ID, Start.Add(time.Hour), actor); err != nil || owner != u.ID {
		t.Fatalf("RevokeToken = %d %v", owner, err)
	}
	if _, _, err := as.GetToken(e.ctx, tok2.Hash); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("revoked token: %v, want NotFound", err)
	}
	if ts, _ = as.ListTokens(e.ctx, u.ID); ts[0].RevokedAt == nil || !ts[0].RevokedAt.Equal(Start.Add(time.Hour)) {
		t.Errorf("revoked token listed as %+v", ts[0])
	}
	if _, err := as.RevokeToken(e.ctx, 999999, 0, Start, actor); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown token: %v", err)
	}
	keep := &auth.Session{TokenHash: auth.HashToken("keep"), UserID: u.ID, CSRF: "k", CreatedAt: Start, ExpiresAt: Start.Add(5 * time.Hour), MustChange: true}
	other := &auth.Session{TokenHash: auth.HashToken("other-s"), UserID: u.ID, CSRF: "o", CreatedAt: Start, ExpiresAt: Start.Add(5 * time.Hour)}
	for _, ss := range []*auth.Session{keep, other} {
		if err := as.CreateSession(e.ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	if err := as.TouchSession(e.ctx, keep.TokenHash, Start.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, err := as.GetSession(e.ctx, keep.TokenHash, Start.Add(time.Hour)); err != nil || !got.LastSeen.Equal(Start.Add(30*time.Minute)) || !got.MustChange {
		t.Fatalf("touched session = %+v %v", got, err)
	}
	if err := as.SetPassword(e.ctx, auth.PasswordChange{UserID: u.ID, Hash: auth.HashPassword("third password"), KeepSession: keep.TokenHash, At: Start}, actor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := as.GetSession(e.ctx, other.TokenHash, Start.Add(time.Hour)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the other session after a password change: %v, want NotFound", err)
	}
	if got, _, err := as.GetSession(e.ctx, keep.TokenHash, Start.Add(time.Hour)); err != nil || got.MustChange {
		t.Errorf("the kept session after the change: %+v %v", got, err)
	}
	if _, _, err := as.GetToken(e.ctx, tok.Hash); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a token after a password change: %v, want NotFound", err)
	}
	if err := as.RecordRefusedLogin(e.ctx, 0, "ghost", "unknown_user", audit.Actor{Name: "ghost", IP: "192.0.2.8"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := e.db.Audit().List(e.ctx, audit.Filter{Object: "username:ghost"}); len(l) != 1 || l[0].Action != "user.login_failed" {
		t.Errorf("refused login audit: %+v", l)
	}
	tok = &auth.Token{UserID: u.ID, Name: "erp2", Hash: auth.HashToken("api3"), CreatedAt: Start}
	if err := as.CreateToken(e.ctx, tok, actor); err != nil {
		t.Fatal(err)
	}

	// Disabled users are refused on both paths.
	s3 := &auth.Session{TokenHash: auth.HashToken("tok3"), UserID: u.ID, CSRF: "c3", CreatedAt: Start, ExpiresAt: Start.Add(time.Hour)}
	if err := as.CreateSession(e.ctx, s3); err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := rs.UpdateUser(e.ctx, u, audit.System); err != nil {
		t.Fatal(err)
	}
	if _, _, err := as.GetSession(e.ctx, s3.TokenHash, Start); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("session of a disabled user: %v, want Unauthorized", err)
	}
	if _, _, err := as.GetToken(e.ctx, tok.Hash); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("token of a disabled user: %v, want Unauthorized", err)
	}
}
