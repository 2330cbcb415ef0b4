package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/demo"
	"kesu/internal/product"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
)

func open(t *testing.T) (*sqlstore.DB, *complaint.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kesu.db"), time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pat, err := complaint.ParsePattern(complaint.DefaultPattern)
	if err != nil {
		t.Fatal(err)
	}
	return db, &complaint.Service{Store: db.Complaints(), Now: db.Now, Loc: time.FixedZone("CST", 8*3600), Pattern: pat}
}

// all returns every complaint matching f, page by page.
func all(t *testing.T, db *sqlstore.DB, f complaint.Filter) []complaint.Complaint {
	t.Helper()
	var out []complaint.Complaint
	f.Limit = 200
	for {
		p, err := db.Complaints().List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		f.After = p.Next
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	db, svc := open(t)
	sum, err := demo.Load(ctx, db, svc, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", sum)
	if sum.Complaints != 500 {
		t.Fatalf("created %d complaints, want 500", sum.Complaints)
	}

	cs := all(t, db, complaint.Filter{})
	if len(cs) != 500 {
		t.Fatalf("listed %d complaints, want 500", len(cs))
	}
	// Half a year of handling: most cases closed, recent ones open, and a
	// closed case's timeline shows its steps.
	closed := all(t, db, complaint.Filter{State: "closed"})
	open := all(t, db, complaint.Filter{State: "open"})
	if len(closed) < 350 || len(open) == 0 || len(closed)+len(open) != 500 {
		t.Fatalf("%d closed and %d open demo complaints", len(closed), len(open))
	}
	tl, err := db.Complaints().Timeline(ctx, closed[0].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, e := range tl {
		kinds[e.Kind] = true
	}
	if !kinds["transition"] {
		t.Errorf("closed demo case %s has a timeline of %v", closed[0].Number, kinds)
	}
	// Every case has its time limits; none runs on a closed one.
	for _, c := range closed {
		ks, err := db.SLAClocks().Clocks(ctx, c.ID)
		if err != nil || len(ks) < 4 {
			t.Fatalf("closed demo case %s has clocks %+v, %v", c.Number, ks, err)
		}
		for _, k := range ks {
			if k.Open() || k.Counting() {
				t.Fatalf("closed demo case %s: %s is %s", c.Number, k.Policy, k.State)
			}
		}
	}
	channels, tops, sev, reqs := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	cats, err := db.Complaints().Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	for _, c := range cats {
		parent[c.Code] = c.Parent
	}
	oldest := time.Now()
	safety := 0
	for _, c := range cs {
		channels[c.Channel]++
		top := c.Category
		if p := parent[c.Category]; p != "" {
			top = p
		}
		tops[top]++
		sev[c.Severity]++
		for _, r := range c.Requests {
			reqs[r]++
		}
		if c.Safety {
			safety++
		}
		if c.ReceivedAt.Before(oldest) {
			oldest = c.ReceivedAt
		}
		if c.Number == "" || c.Subject == "" || c.Description == "" || c.Complainant.Name == "" {
			t.Errorf("complaint %d incomplete: %+v", c.ID, c)
		}
	}
	for _, set := range []struct {
		name string
		got  map[string]int
		want []string
	}{
		{"channel", channels, complaint.Channels.Codes()},
		{"severity", sev, complaint.Severities.Codes()},
		{"request", reqs, complaint.Requests.Codes()},
	} {
		for _, code := range set.want {
			if set.got[code] == 0 {
				t.Errorf("no complaint with %s %s", set.name, code)
			}
		}
	}
	for _, c := range complaint.DefaultCategories {
		if c.Parent == "" && tops[c.Code] == 0 {
			t.Errorf("no complaint in category %s", c.Code)
		}
	}
	if safety == 0 {
		t.Error("no safety-flagged complaint")
	}
	if age := time.Since(oldest); age < 150*24*time.Hour || age > 190*24*time.Hour {
		t.Errorf("oldest complaint is %v old, want about 6 months", age)
	}

	custs, err := db.Registers().ListCustomers(ctx, customer.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	foreign := 0
	for _, c := range custs {
		classes[c.Class]++
		if c.Region == customer.RegionForeign {
			foreign++
		}
		if customer.NeedsDealer(c.Class) {
			if c.DealerID == nil {
				t.Errorf("%s %s has no dealer", c.Class, c.Name)
				continue
			}
			d, err := db.Registers().GetCustomer(ctx, *c.DealerID)
			if err != nil || d.Class != customer.ClassDealer {
				t.Errorf("%s %s: dealer %d is not a dealer (%v)", c.Class, c.Name, *c.DealerID, err)
			}
		}
	}
	for _, code := range customer.Classes.Codes() {
		if classes[code] == 0 {
			t.Errorf("no customer of class %s", code)
		}
	}
	if foreign == 0 {
		t.Error("no foreign customer")
	}

	q, err := db.Registers().ListBatches(ctx, 0, product.BatchQuarantined, 10, 0)
	if err != nil || len(q) != 1 {
		t.Errorf("quarantined batches: %d, %v; want 1", len(q), err)
	}
	depts, err := db.Registers().ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range depts {
		if d.ManagerID == nil || d.DeputyID == nil {
			t.Errorf("department %s has no manager or deputy", d.Code)
		}
	}
	cred, err := db.Auth().GetCredential(ctx, "xiaoyan.lin")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(cred.Hash, demo.DefaultPassword) {
		t.Error("demo password does not open the customer-service manager's account")
	}

	leaks := all(t, db, complaint.Filter{Query: "漏水"})
	if len(leaks) < 20 {
		t.Errorf("search 漏水 found %d, want a good share", len(leaks))
	}
	for _, c := range leaks {
		if !strings.Contains(c.Subject+c.Description, "漏水") {
			t.Errorf("search 漏水 returned %s without it", c.Number)
		}
	}

	if _, err := demo.Load(ctx, db, svc, demo.Options{}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second load: %v, want a conflict", err)
	}
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	var subjects [2][]string
	for i := range subjects {
		db, svc := open(t)
		if _, err := demo.Load(ctx, db, svc, demo.Options{Complaints: 40, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		for _, c := range all(t, db, complaint.Filter{Sort: "received_asc"}) {
			subjects[i] = append(subjects[i], c.Subject+"|"+c.Description)
		}
	}
	if strings.Join(subjects[0], "\n") != strings.Join(subjects[1], "\n") {
		t.Error("two loads with the same seed differ")
	}
}
