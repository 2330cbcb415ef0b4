package storetest

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// RunClockMigration checks migration 0015 on a database that still has
// clocks in the former one-row-per-clock table and their timer jobs:
// reopen opens the same database again, migrations are the engine's. The
// clocks come back the same, one row per complaint with its next firing,
// and the timer jobs are gone.
func RunClockMigration(t *testing.T, reopen func() *sqlstore.DB, migrations fs.FS) {
	db := reopen()
	ctx := t.Context()
	old, err := fs.ReadFile(migrations, "0005_sla.sql")
	if err != nil {
		t.Fatal(err)
	}
	ddl := string(old)
	ddl = ddl[strings.Index(ddl, "CREATE TABLE sla_clocks"):]
	ddl = ddl[:strings.Index(ddl, ";")]
	due := Start.Add(24 * time.Hour)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.W.ExecContext(ctx, db.Dialect.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`DROP TABLE complaint_clocks`)
	exec(`DROP TABLE sla_policy_versions`)
	exec(`DELETE FROM schema_migrations WHERE version = 15`)
	exec(ddl)
	us := func(t time.Time) int64 { return t.UnixMicro() }
	// Complaint 7: first contact breached and escalated, containment
	// extended and running, closure paused. Complaint 8: all stopped.
	exec(`INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, breached_at, lateness, holder_id, escalated_at) VALUES (?, 'sla_1', ?, ?, 'breached', ?, ?, 3, ?)`,
		7, us(Start), us(due), us(due.Add(time.Minute)), time.Minute.Microseconds(), us(due.Add(25*time.Hour)))
	ext := `{"from":"2026-11-27T02:00:00Z","to":"2026-11-30T02:00:00Z","consent":{"by":"张三","at":"2026-11-25T03:00:00Z","how":"phone"}}`
	exec(`INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, reminded_at, extension) VALUES (?, 'sla_4', ?, ?, 'running', ?, ?)`,
		7, us(Start), us(Start.Add(5*24*time.Hour)), us(Start.Add(time.Hour)), ext)
	exec(`INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, paused_at, paused_total) VALUES (?, 'sla_9', ?, ?, 'paused', ?, ?)`,
		7, us(Start), us(Start.Add(15*24*time.Hour)), us(Start.Add(2*time.Hour)), time.Hour.Microseconds())
	exec(`INSERT INTO sla_clocks (complaint_id, policy, started_at, due_at, state, stopped_at) VALUES (?, 'sla_1', ?, ?, 'met', ?)`,
		8, us(Start.Add(time.Hour)), us(due.Add(time.Hour)), us(Start.Add(3*time.Hour)))
	exec(`INSERT INTO jobs (kind, key, payload, run_at, status, created_at) VALUES ('sla.breach', 'sla.breach:2:1', '{}', ?, 'pending', ?)`, us(due), us(Start))
	exec(`INSERT INTO jobs (kind, key, payload, run_at, status, created_at) VALUES ('sla.remind', 'sla.remind:2:1', '{}', ?, 'done', ?)`, us(due), us(Start))
	db.Close()

	db = reopen()
	st := db.SLAClocks()
	cs, err := st.Clocks(ctx, 7)
	if err != nil || len(cs) != 3 {
		t.Fatalf("complaint 7 clocks %+v, %v", cs, err)
	}
	c1, c4, c9 := cs[0], cs[1], cs[2]
	if c1.Policy != "sla_1" || c1.State != sla.Breached || c1.Lateness != time.Minute || c1.HolderID == nil || *c1.HolderID != 3 ||
		c1.EscalatedAt == nil || !c1.EscalatedAt.Equal(due.Add(25*time.Hour)) || c1.PolicyVersion != 1 {
		t.Errorf("breached clock %+v", c1)
	}
	if c4.State != sla.Running || c4.Extension == nil || c4.Extension.Consent.By != "张三" || c4.RemindedAt == nil || !c4.DueAt.Equal(Start.Add(5*24*time.Hour)) {
		t.Errorf("extended clock %+v", c4)
	}
	if c9.State != sla.Paused || c9.PausedAt == nil || c9.PausedTotal != time.Hour {
		t.Errorf("paused clock %+v", c9)
	}
	if cs, err := st.Clocks(ctx, 8); err != nil || len(cs) != 1 || cs[0].State != sla.Met || !cs[0].StartedAt.Equal(Start.Add(time.Hour)) {
		t.Errorf("complaint 8 clocks %+v, %v", cs, err)
	}
	var timers, due7 int
	var next7 int64
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind IN ('sla.remind', 'sla.breach', 'sla.escalate')`).Scan(&timers); err != nil || timers != 0 {
		t.Errorf("%d timer jobs left, %v", timers, err)
	}
	// The running clock is looked at at once; the earliest counting due
	// time is the breached clock's.
	if err := db.R.QueryRowContext(ctx, `SELECT next_at, due_at FROM complaint_clocks WHERE complaint_id = 7`).Scan(&next7, &due7); err != nil {
		t.Fatal(err)
	}
	if next7 != 0 || int64(due7) != due.UnixMicro() {
		t.Errorf("complaint 7: next %d, due %d", next7, due7)
	}
	db.Close()
}
