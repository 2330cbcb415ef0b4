package storetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// testAuditKey: a key file keys the chain from the next entry on, records
// that entry in the database and the key file, and then a rewrite with
// every hash recomputed — which the plain chain cannot show — fails the
// keyed verification. A server without the key may neither write nor
// verify the keyed chain.
func testAuditKey(t *testing.T, e *env) {
	appendOne := func(obj string) error {
		return e.db.Audit().Append(e.ctx, &audit.Entry{Actor: audit.Actor{Name: "李四"}, Action: "export.csv", Object: obj})
	}
	for _, o := range []string{"a", "b"} {
		if err := appendOne(o); err != nil {
			t.Fatal(err)
		}
	}
	before := int64(e.count(t, "audit_log"))
	path := filepath.Join(t.TempDir(), "audit.key")
	os.WriteFile(path, []byte("# kesu audit key\nkey = "+strings.Repeat("k3y-", 10)+"\n"), 0o600)
	key, err := audit.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.UseAuditKey(e.ctx, key); err != nil {
		t.Fatal(err)
	}
	defer func() { e.db.AuditKey = nil }()
	if key.From != before+1 {
		t.Fatalf("keyed from %d, want %d", key.From, before+1)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "from = "+itoa(before+1)) {
		t.Errorf("the key file does not record the first keyed entry:\n%s", b)
	}
	for _, o := range []string{"c", "d"} {
		if err := appendOne(o); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.db.Audit().List(e.ctx, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if all[len(all)-1-int(before)].Action != "audit.keyed" {
		t.Errorf("entry %d is %s, want audit.keyed", before+1, all[len(all)-1-int(before)].Action)
	}
	for _, en := range all {
		keyed := en.ID >= key.From
		if got := audit.ComputeHash(en.PrevHash, &en) == en.Hash; got == keyed {
			t.Errorf("entry %d: plain hash matches = %v, keyed = %v", en.ID, got, keyed)
		}
	}
	v, err := audit.Verify(e.ctx, e.db.Audit(), nil)
	if err != nil || !v.OK || v.KeyedFrom != key.From || strings.Join(v.Checks, ",") != "chain,keyed" {
		t.Fatalf("verify the keyed chain: %+v, %v", v, err)
	}
	// Opening it again with the same key file is fine.
	key2, _ := audit.LoadKey(path)
	if err := e.db.UseAuditKey(e.ctx, key2); err != nil || key2.From != key.From {
		t.Errorf("reopening with the key: %v, from %d", err, key2.From)
	}

	// Without the key: no writes, no verification.
	e.db.AuditKey = nil
	if err := appendOne("e"); err == nil {
		t.Error("an unkeyed server appended to the keyed chain")
	}
	if _, _, err := e.db.Audit().Verify(e.ctx); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("verify without the key: %v", err)
	}
	if err := e.db.UseAuditKey(e.ctx, nil); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("opening a keyed chain without a key: %v", err)
	}
	// A key file naming another first entry is refused.
	os.WriteFile(path, []byte("key = "+strings.Repeat("k3y-", 10)+"\nfrom = 1\n"), 0o600)
	other, _ := audit.LoadKey(path)
	if err := e.db.UseAuditKey(e.ctx, other); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a key file with another from: %v", err)
	}
	e.db.AuditKey = key

	// The rewrite: a keyed entry changed, every hash after it recomputed
	// (plain: the key is not in the database's reach), the head moved and
	// the database told the chain is not keyed.
	var disable, enable string
	switch e.db.Dialect.Name() {
	case "sqlite":
		disable, enable = "DROP TRIGGER audit_log_no_update",
			"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
	case "postgres":
		disable, enable = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"
	}
	e.exec(t, disable)
	all, _ = e.db.Audit().List(e.ctx, audit.Filter{Limit: 500})
	prev := ""
	target := key.From + 1
	for i := len(all) - 1; i >= 0; i-- {
		en := all[i]
		if en.ID == target {
			en.Actor.Name = "mallory"
		}
		if en.ID >= target {
			en.PrevHash = prev
			en.Hash = audit.ComputeHash(prev, &en)
			e.exec(t, `UPDATE audit_log SET actor_name = ?, prev_hash = ?, hash = ? WHERE id = ?`, en.Actor.Name, en.PrevHash, en.Hash, en.ID)
		}
		prev = en.Hash
	}
	e.exec(t, `UPDATE audit_head SET hash = ?, keyed_from = 0 WHERE id = 1`, prev)
	e.exec(t, enable)
	if bad, _, err := e.db.Audit().Verify(e.ctx); err != nil || bad != target {
		t.Errorf("keyed verification after the rewrite: bad %d, %v; want %d", bad, err, target)
	}
}
