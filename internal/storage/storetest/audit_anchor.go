package storetest

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"kesu/internal/audit"
)

// testAuditAnchors: someone with write access to the database rewrites an
// entry and recomputes every hash after it and the head. The chain alone
// then looks intact; the check against the anchors exported before finds
// the rewrite, and says which checks it made.
func testAuditAnchors(t *testing.T, e *env) {
	for i := range 4 {
		if err := e.db.Audit().Append(e.ctx, &audit.Entry{Actor: audit.Actor{Name: "李四"}, Action: "export.csv",
			Object: fmt.Sprintf("complaints:%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	anchors := &audit.Anchors{Store: e.db.Audit(), Path: filepath.Join(t.TempDir(), "anchors.jsonl"), Now: e.clock.Now}
	an, wrote, err := anchors.Write(e.ctx)
	total := int64(e.count(t, "audit_log"))
	if err != nil || !wrote || an.ID != total {
		t.Fatalf("anchor = %+v, %v, %v; want entry %d", an, wrote, err, total)
	}
	if _, wrote, err := anchors.Write(e.ctx); err != nil || wrote {
		t.Errorf("a second anchor of the same head was written: %v", err)
	}
	v, err := audit.Verify(e.ctx, e.db.Audit(), anchors)
	if err != nil || !v.OK || len(v.Checks) != 2 || v.Anchors == nil || v.Anchors.Anchors != 1 {
		t.Fatalf("verify before the rewrite: %+v, %v", v, err)
	}
	if v, _ := audit.Verify(e.ctx, e.db.Audit(), nil); len(v.Checks) != 1 || v.Checks[0] != "chain" {
		t.Errorf("without anchors the checks are %v", v.Checks)
	}
	// Entries after the anchor are covered by the chain until the next one.
	e.clock.Set(Start.Add(time.Hour))
	if err := e.db.Audit().Append(e.ctx, &audit.Entry{Actor: audit.Actor{Name: "李四"}, Action: "export.csv", Object: "later"}); err != nil {
		t.Fatal(err)
	}

	// The rewrite: entry 2 changed, every hash from there recomputed.
	var disable, enable string
	switch e.db.Dialect.Name() {
	case "sqlite":
		disable, enable = "DROP TRIGGER audit_log_no_update",
			"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
	case "postgres":
		disable, enable = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"
	default:
		t.Fatalf("no rewrite recipe for engine %s", e.db.Dialect.Name())
	}
	e.exec(t, disable)
	all, err := e.db.Audit().List(e.ctx, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i := len(all) - 1; i >= 0; i-- { // oldest first
		en := all[i]
		if en.ID == 2 {
			en.Actor.Name = "mallory"
		}
		if en.ID >= 2 {
			en.PrevHash = prev
			en.Hash = audit.ComputeHash(prev, &en)
			e.exec(t, `UPDATE audit_log SET actor_name = ?, prev_hash = ?, hash = ? WHERE id = ?`, en.Actor.Name, en.PrevHash, en.Hash, en.ID)
		}
		prev = en.Hash
	}
	e.exec(t, `UPDATE audit_head SET hash = ? WHERE id = 1`, prev)
	e.exec(t, enable)

	if bad, _, err := e.db.Audit().Verify(e.ctx); err != nil || bad != 0 {
		t.Fatalf("the rewrite should pass the chain check alone: bad %d, %v", bad, err)
	}
	v, err = audit.Verify(e.ctx, e.db.Audit(), anchors)
	if err != nil || v.OK || v.BadID != total || v.Anchors.BadID != total {
		t.Errorf("verify with anchors after the rewrite: %+v, %v; want entry %d flagged", v, err, total)
	}
}
