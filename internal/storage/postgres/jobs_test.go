package postgres

import (
	"fmt"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/storage/storetest"
)

// openPair opens two servers' connection pools on one fresh schema.
func openPair(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
	u := freshSchema(t)
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := Open(t.Context(), u, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestJobs runs the job-table suite on PostgreSQL.
func TestJobs(t *testing.T) {
	serverURL(t)
	storetest.RunJobs(t, openPair)
}

// TestSLA runs the SLA clock suite on PostgreSQL.
func TestSLA(t *testing.T) {
	serverURL(t)
	storetest.RunSLA(t, openPair)
}

// TestCalendar runs the calendar-years suite on PostgreSQL.
func TestCalendar(t *testing.T) {
	serverURL(t)
	storetest.RunCalendar(t, openPair)
}

// TestMonitorSkipsAComplaintBeingChanged: a case change holds its
// complaint's row while it writes; the monitor neither waits for it nor
// locks in the other order (which could deadlock with the change's clock
// update) — it fires the other complaints and leaves that one for the
// next pass.
func TestMonitorSkipsAComplaintBeingChanged(t *testing.T) {
	serverURL(t)
	a, b := openPair(t)
	ctx := t.Context()
	rules, err := sla.NewRules()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	now := start
	a.SLA, b.SLA, a.Now = rules, rules, func() time.Time { return now }
	if err := a.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	pat, _ := complaint.ParsePattern(complaint.DefaultPattern)
	svc := &complaint.Service{Store: a.Complaints(), Now: a.Now, Loc: time.UTC, Pattern: pat, ExpectedDays: 15}
	var ids []int64
	for i := range 3 {
		c := &complaint.Complaint{Channel: "phone", Subject: fmt.Sprintf("漏水 %d", i), Description: "漏水", Complainant: complaint.Complainant{Name: "张三"}}
		if _, err := svc.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	now = start.Add(25 * time.Hour)
	held, err := b.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	if _, err := held.ExecContext(ctx, `UPDATE complaints SET updated_at = updated_at WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	m := &sla.Monitor{Store: a.SLAClocks(), Policies: rules, Now: a.Now}
	done := make(chan error, 1)
	go func() { _, _, err := m.Pass(ctx); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the monitor waited for a complaint a case change holds")
	}
	state := func(id int64) string {
		cs, err := a.SLAClocks().Clocks(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].State
	}
	if state(ids[0]) != sla.Running || state(ids[1]) != sla.Breached || state(ids[2]) != sla.Breached {
		t.Fatalf("states %s %s %s", state(ids[0]), state(ids[1]), state(ids[2]))
	}
	held.Rollback()
	if _, _, err := m.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if state(ids[0]) != sla.Breached {
		t.Fatalf("the held complaint's clock is %s after the change ended", state(ids[0]))
	}
}
