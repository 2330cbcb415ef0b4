package storetest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/workflow"
)

// WorkflowVariant returns the shipped file of profile with the first
// occurrence of old replaced by new, for tests of uploaded versions.
func WorkflowVariant(t testing.TB, profile, old, new string) []byte {
	t.Helper()
	src, err := workflow.ProfileSource(profile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte(old)) {
		t.Fatalf("%q is not in the shipped %s file", old, profile)
	}
	return bytes.Replace(src, []byte(old), []byte(new), 1)
}

// RunWorkflow is the contract suite of the uploaded workflow definitions:
// every version stored, numbered per profile, audited in the upload's
// transaction, an unchanged file storing nothing, and a second server
// seeing an upload after a refresh. Complaints keep the version they were
// registered with.
func RunWorkflow(t *testing.T, open OpenPair) {
	admin := audit.Actor{UserID: 0, Name: "admin"}
	// a higher first approval tier: the department manager signs up to ¥5,000
	raised := func(t *testing.T) []byte {
		return WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "5000"`)
	}
	setup := func(t *testing.T) (*casework.Definitions, *casework.Definitions, *sqlstore.DB) {
		a, b := open(t)
		c := &clock{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
		a.Now, b.Now = c.Now, c.Now
		da, err := casework.LoadDefinitions(t.Context(), a.Workflows())
		if err != nil {
			t.Fatal(err)
		}
		db, err := casework.LoadDefinitions(t.Context(), b.Workflows())
		if err != nil {
			t.Fatal(err)
		}
		return da, db, a
	}
	auditCount := func(t *testing.T, db *sqlstore.DB) int {
		t.Helper()
		es, err := db.Audit().List(t.Context(), audit.Filter{Action: "workflow.import", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	tier := func(v *casework.DefinitionVersion) workflow.Amount { return v.Definition.Approval.Tiers[0].UpTo }

	t.Run("UploadSeenByOtherServer", func(t *testing.T) {
		da, dbb, db := setup(t)
		ctx := t.Context()
		v, created, err := da.Import(ctx, raised(t), "经理审批额度提高", admin)
		if err != nil || !created {
			t.Fatalf("import = %v, %v", created, err)
		}
		if v.Profile != workflow.ProfileManufacturer || v.Version != 1 || v.Note != "经理审批额度提高" || v.By.Name != "admin" ||
			v.At.IsZero() || tier(v) != 500000 {
			t.Fatalf("imported %+v", v)
		}
		if latest, _ := da.Latest(workflow.ProfileManufacturer); latest.Version != 1 {
			t.Fatalf("newest version here %d", latest.Version)
		}
		// The other server takes it once it refreshes; the shipped version
		// stays, for the cases that run it.
		if latest, _ := dbb.Latest(workflow.ProfileManufacturer); latest.Version != 0 {
			t.Fatalf("other server changed before refresh: version %d", latest.Version)
		}
		if changed, err := dbb.Refresh(ctx); err != nil || !changed {
			t.Fatalf("refresh = %v, %v", changed, err)
		}
		if changed, err := dbb.Refresh(ctx); err != nil || changed {
			t.Fatalf("second refresh = %v, %v; want no reload", changed, err)
		}
		got, ok := dbb.Latest(workflow.ProfileManufacturer)
		if !ok || got.Version != 1 || got.Hash != v.Hash || tier(got) != 500000 || !bytes.Equal(got.Body, raised(t)) {
			t.Fatalf("other server's newest: %+v", got)
		}
		if v0, ok := dbb.Get(workflow.ProfileManufacturer, 0); !ok || !v0.Shipped() || tier(v0) != 200000 {
			t.Fatalf("shipped version after the upload: %+v", v0)
		}
		if n := auditCount(t, db); n != 1 {
			t.Errorf("%d import audit entries", n)
		}
		// Versions count per profile.
		bank := WorkflowVariant(t, workflow.ProfileBank, `"satisfied_min": 4`, `"satisfied_min": 5`)
		if v, _, err := dbb.Import(ctx, bank, "", admin); err != nil || v.Version != 1 || v.Profile != workflow.ProfileBank {
			t.Fatalf("bank upload: %+v, %v", v, err)
		}
		if v, _, err := da.Import(ctx, WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "3000"`), "", admin); err != nil || v.Version != 2 {
			t.Fatalf("second manufacturer upload: %+v, %v", v, err)
		}
	})

	t.Run("SameFileStoresNothing", func(t *testing.T) {
		da, _, db := setup(t)
		ctx := t.Context()
		// The shipped file, laid out differently, is version 0 already.
		shipped, _ := workflow.ProfileSource(workflow.ProfileManufacturer)
		relaid := strings.ReplaceAll(string(shipped), "\n  ", "\n\t")
		v, created, err := da.Import(ctx, []byte(relaid), "", admin)
		if err != nil || created || v.Version != 0 {
			t.Fatalf("shipped file imported: %+v, %v, %v", v, created, err)
		}
		if _, created, err := da.Import(ctx, raised(t), "", admin); err != nil || !created {
			t.Fatalf("import = %v, %v", created, err)
		}
		v, created, err = da.Import(ctx, raised(t), "again", admin)
		if err != nil || created || v.Version != 1 || v.Note != "" {
			t.Fatalf("same file again: %+v, %v, %v", v, created, err)
		}
		if n, _ := db.Workflows().Version(ctx); n != 1 {
			t.Errorf("store version %d after one upload and two unchanged ones", n)
		}
		if n := auditCount(t, db); n != 1 {
			t.Errorf("%d import audit entries", n)
		}
	})

	t.Run("RefusedUploadWritesNothing", func(t *testing.T) {
		da, dbb, db := setup(t)
		ctx := t.Context()
		for name, c := range map[string]struct {
			body        []byte
			note        string
			field, rule string
		}{
			"unknown state": {body: WorkflowVariant(t, workflow.ProfileManufacturer, `"to": "closed"`, `"to": "nowhere"`),
				field: "actions[close].to", rule: "unknown_state"},
			"unknown profile in routing": {body: WorkflowVariant(t, workflow.ProfileManufacturer, `"name": "quality_to_qa"`, `"name": "quality_to_qa", "profile": "retail"`),
				field: "routing[1].profile", rule: casework.RuleUnknownProfile},
			"bad profile name": {body: WorkflowVariant(t, workflow.ProfileManufacturer, `"profile": "manufacturer"`, `"profile": "Our Plant"`),
				field: "profile", rule: casework.RuleInvalidProfileName},
			"not JSON":      {body: []byte(`{"profile": "x",`), field: "file", rule: "invalid_definition"},
			"trailing data": {body: append(raised(t), []byte(" {}")...), field: "file", rule: "invalid_definition"},
			"unknown key":   {body: WorkflowVariant(t, workflow.ProfileManufacturer, `"initial"`, `"colour": "red", "initial"`), field: "colour", rule: "unknown_field"},
			"wrong type":    {body: WorkflowVariant(t, workflow.ProfileManufacturer, `"open": true`, `"open": "yes"`), field: "states.open", rule: "wrong_type"},
			"note too long": {body: raised(t), note: strings.Repeat("长", 201), field: "note", rule: "too_long"},
		} {
			_, _, err := da.Import(ctx, c.body, c.note, admin)
			ae := wantCode(t, err, apperr.Invalid)
			found := false
			for _, f := range ae.Fields {
				found = found || (f.Field == c.field && f.Rule == c.rule)
			}
			if !found {
				t.Errorf("%s: fields %+v, want %s/%s", name, ae.Fields, c.field, c.rule)
			}
		}
		if n, _ := db.Workflows().Version(ctx); n != 0 {
			t.Errorf("store version %d after refused uploads", n)
		}
		if ds, _, _ := db.Workflows().List(ctx); len(ds) != 0 {
			t.Errorf("stored %d definitions", len(ds))
		}
		if n := auditCount(t, db); n != 0 {
			t.Errorf("%d import audit entries after refused uploads", n)
		}
		// A routing rule may name a profile uploaded on another server a
		// moment ago.
		retail := WorkflowVariant(t, workflow.ProfileService, `"profile": "service"`, `"profile": "retail"`)
		if _, _, err := dbb.Import(ctx, retail, "", admin); err != nil {
			t.Fatal(err)
		}
		routed := WorkflowVariant(t, workflow.ProfileManufacturer, `"name": "quality_to_qa"`, `"name": "quality_to_qa", "profile": "retail"`)
		if v, created, err := da.Import(ctx, routed, "", admin); err != nil || !created || v.Definition.Routing[1].Profile != "retail" {
			t.Fatalf("routing to an uploaded profile: %v, %v", created, err)
		}
	})

	t.Run("ConcurrentUploads", func(t *testing.T) {
		da, dbb, db := setup(t)
		ctx := t.Context()
		// Servers starting with the same file at once store it once;
		// different files at once get distinct versions.
		upload := func(bodies ...[]byte) int {
			var wg sync.WaitGroup
			var mu sync.Mutex
			n := 0
			for i, body := range bodies {
				defs := []*casework.Definitions{da, dbb}[i%2]
				wg.Go(func() {
					_, created, err := defs.Import(ctx, body, "", admin)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					if created {
						n++
					}
					mu.Unlock()
				})
			}
			wg.Wait()
			return n
		}
		if n := upload(raised(t), raised(t), raised(t), raised(t)); n != 1 {
			t.Fatalf("the same file uploaded 4 times at once made %d versions", n)
		}
		other := func(amount string) []byte {
			return WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "`+amount+`"`)
		}
		if n := upload(other("3000"), other("4000")); n != 2 {
			t.Fatalf("two different files made %d versions", n)
		}
		ds, v, err := db.Workflows().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 3 || v != 3 {
			t.Fatalf("%d stored, store version %d; want 3", len(ds), v)
		}
		for i, d := range ds {
			if d.Version != i+1 {
				t.Errorf("stored versions %+v", ds)
			}
		}
	})

	t.Run("ComplaintsKeepTheirVersion", func(t *testing.T) {
		da, _, db := setup(t)
		ctx := t.Context()
		if err := db.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		svc := &complaint.Service{Store: db.Complaints(), Now: db.Now, Loc: Zone, Pattern: Day, ExpectedDays: 15}
		svc.Route = func(_ context.Context, c *complaint.Complaint) error {
			v, _ := da.Latest(workflow.ProfileManufacturer)
			c.Profile, c.ProfileVersion = v.Profile, v.Version
			return nil
		}
		before := NewComplaint("上传前")
		if _, err := svc.Create(ctx, before, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := da.Import(ctx, raised(t), "", admin); err != nil {
			t.Fatal(err)
		}
		after := NewComplaint("上传后")
		if _, err := svc.Create(ctx, after, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		for want, id := range map[int]int64{0: before.ID, 1: after.ID} {
			c, err := db.Complaints().Get(ctx, id)
			if err != nil || c.ProfileVersion != want || c.Profile != workflow.ProfileManufacturer {
				t.Errorf("complaint %d: %s version %d, %v; want version %d", id, c.Profile, c.ProfileVersion, err, want)
			}
			r, err := db.Cases().Load(ctx, id)
			if err != nil || r.ProfileVersion != want {
				t.Errorf("case %d: version %d, %v; want %d", id, r.ProfileVersion, err, want)
			}
		}
	})
}
