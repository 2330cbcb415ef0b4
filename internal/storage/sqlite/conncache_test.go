package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStatementsPreparedOnce checks the connection's statement cache: a
// query runs again from its prepared form, a query run while its own rows
// are still open gets a statement of its own, and the cache stays bounded.
func TestStatementsPreparedOnce(t *testing.T) {
	c, err := newConnector("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE u (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The outer rows stay open while the same query runs inside the loop.
	const q = `SELECT id, v FROM t WHERE id >= ? ORDER BY id`
	rows, err := tx.QueryContext(ctx, q, 5)
	if err != nil {
		t.Fatal(err)
	}
	var outer []int
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, id)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for inner.Next() {
			k++
		}
		inner.Close()
		if k != 10-id || n != k {
			t.Fatalf("inner run from %d saw %d rows (count %d)", id, k, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(outer) != "[5 6 7 8 9]" {
		t.Fatalf("outer rows %v: the inner runs disturbed them", outer)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A failing statement leaves its cached form usable.
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, 1, "dup"); err == nil {
		t.Fatal("duplicate key accepted")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, 100, "ok"); err != nil {
		t.Fatalf("the statement after a failure: %v", err)
	}
	// Many distinct queries: answers stay right, the cache stays bounded.
	for i := range stmtsPerConn + 50 {
		var got int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT ? + %d`, i), 1).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("query %d = %d, %v", i, got, err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn.Raw(func(dc any) error {
		cc := dc.(*cachingConn)
		if len(cc.stmts) != stmtsPerConn || cc.lru.Len() != stmtsPerConn {
			t.Errorf("cache holds %d statements (list %d), want the bound %d", len(cc.stmts), cc.lru.Len(), stmtsPerConn)
		}
		if _, ok := cc.stmts[`INSERT INTO t (id, v) VALUES (?, ?)`]; ok {
			t.Error("the least recently used statement was kept")
		}
		return nil
	})
	conn.Close() // the pool holds one connection, which the next statements need
	// A schema change reaches statements prepared before it.
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	var w string
	if err := db.QueryRowContext(ctx, `SELECT * FROM t WHERE id = ?`, 100).Scan(new(int), new(string), &w); err != nil || w != "x" {
		t.Fatalf("after ALTER TABLE: %q, %v", w, err)
	}
}
