// Package sqlite opens kesu's embedded SQLite database: one writer
// connection and a reader pool on a WAL-mode file in the data folder.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/textsearch"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed queries.sql
var queries embed.FS

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// Open opens (creating if needed) the SQLite database at path and applies
// migrations.
func Open(ctx context.Context, path string, now func() time.Time, log *slog.Logger) (*sqlstore.DB, error) {
	// Each connection keeps a page cache of 8 MB (the writer and up to
	// eight readers, all in the server's memory); the operating system's
	// file cache behind them is shared. Larger caches measured no faster,
	// for intake, lists, search or reports at 1,000,000 complaints, and cost
	// up to 50 MB of the server's memory under load (docs/benchmarks.md).
	dsn := func(mode string, extra ...string) string {
		v := url.Values{}
		for _, p := range append([]string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(ON)", "cache_size(-8000)", "temp_store(MEMORY)"}, extra...) {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", mode)
		return "file:" + path + "?" + v.Encode()
	}
	// The checkpoints run in the background (checkpoint.go).
	wc, err := newConnector(dsn("immediate", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstop)))
	if err != nil {
		return nil, err
	}
	w := sql.OpenDB(wc)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if now == nil {
		now = time.Now
	}
	if _, err := sqlstore.Migrate(ctx, w, Migrations(), now); err != nil {
		w.Close()
		return nil, err
	}
	rc, err := newConnector(dsn("deferred") + "&mode=ro")
	if err != nil {
		w.Close()
		return nil, err
	}
	r := sql.OpenDB(rc)
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	cc, err := newConnector(dsn("deferred"))
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	cdb := sql.OpenDB(cc)
	cdb.SetMaxOpenConns(1)
	cdb.SetMaxIdleConns(1)
	ckpt := startCheckpointer(cdb, log)
	db, err := sqlstore.New(sqlstore.Config{Write: w, Read: r, Dialect: &Dialect{read: r}, Queries: queries,
		Migrations: Migrations(), Now: now, Log: log, IntakeWorkers: 1, OnClose: ckpt.stop})
	if err != nil {
		ckpt.stop()
		w.Close()
		r.Close()
		return nil, err
	}
	return db, nil
}

// Statements of the SQLite write path.
const (
	sqlNextNumber = `INSERT INTO number_counters (scope, value) VALUES (?, ?)
		ON CONFLICT (scope) DO UPDATE SET value = value + excluded.value RETURNING value`
	sqlUnindex     = `DELETE FROM complaint_fts WHERE rowid = ?`
	sqlIndex       = `INSERT INTO complaint_fts (rowid, tokens) VALUES (?, ?)`
	sqlAuditHead   = `SELECT last_id, hash, keyed_from FROM audit_head WHERE id = 1`
	sqlAuditInsert = `INSERT INTO audit_log (id, at, actor_id, actor_name, ip, action, object, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlAuditMove = `UPDATE audit_head SET last_id = ?, hash = ? WHERE id = 1`
	// sqlCountHits counts search hits up to a cap (read side).
	sqlCountHits = `SELECT count(*) FROM (SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ? LIMIT ?)`
	// sqlHits lists every hit of a search (read side).
	sqlHits = `SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ?`
)

// Dialect is SQLite's part of the shared store.
type Dialect struct {
	read *sql.DB // the reader pool, for planning searches
}

// Name implements sqlstore.Dialect.
func (d *Dialect) Name() string { return "sqlite" }

// Rebind implements sqlstore.Dialect; SQLite takes ? as written.
func (d *Dialect) Rebind(q string) string { return q }

// Classify implements sqlstore.Dialect by SQLite extended result codes.
func (d *Dialect) Classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return apperr.Wrap(apperr.Conflict, err, "already exists")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return apperr.Wrap(apperr.Invalid, err, "refers to a missing or still-used record")
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return apperr.Wrap(apperr.Forbidden, err, "append-only record")
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY:
		return apperr.Wrap(apperr.Unavailable, err, "database unavailable")
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return apperr.Wrap(apperr.Unavailable, err, "database unavailable")
	}
	return err
}

// AllocateIDs implements sqlstore.Dialect: with one writer there is no
// lock to shorten, so SQLite assigns ids on insert.
func (d *Dialect) AllocateIDs(context.Context, *sql.Tx, int) ([]int64, error) { return nil, nil }

// NextNumbers implements sqlstore.Dialect.
func (d *Dialect) NextNumbers(ctx context.Context, tx *sql.Tx, scope string, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, sqlNextNumber, scope, n).Scan(&last)
	return last, err
}

// SearchArgs implements sqlstore.Dialect: SQLite keeps the tokens in the
// complaint_fts table.
func (d *Dialect) SearchArgs([]string) []any { return nil }

// IndexComplaints implements sqlstore.Dialect.
func (d *Dialect) IndexComplaints(ctx context.Context, tx *sql.Tx, items []sqlstore.Indexed) error {
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, sqlIndex, it.ID, textsearch.Doc(it.Tokens)); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

// Reindex implements sqlstore.Dialect.
func (d *Dialect) Reindex(ctx context.Context, tx *sql.Tx, id int64, tokens []string) error {
	if _, err := tx.ExecContext(ctx, sqlUnindex, id); err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	return d.IndexComplaints(ctx, tx, []sqlstore.Indexed{{ID: id, Tokens: tokens}})
}

// manyHits is where the search plan changes: below it the matching rows
// are fetched through the index and sorted; from it on the list walks its
// own order (the received_at index) and checks each row against the set of
// hits (see kesu_hit), stopping at a full page.
var manyHits = 2000

// SearchClause implements sqlstore.Dialect with an FTS5 phrase query. It
// first counts the hits, up to manyHits, to pick the plan: a frequent word
// such as 漏水 matches thousands of complaints, and fetching and sorting
// them all for a page of 20 costs far more than checking the newest rows.
func (d *Dialect) SearchClause(ctx context.Context, q textsearch.Query) (string, []any, func(), error) {
	phrase := `"` + strings.Join(q.Tokens, " ") + `"`
	if q.Prefix {
		phrase += "*"
	}
	var hits int
	if err := d.read.QueryRowContext(ctx, sqlCountHits, phrase, manyHits).Scan(&hits); err != nil {
		return "", nil, nil, fmt.Errorf("search: %w", err)
	}
	if hits < manyHits {
		return "c.id IN (SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ?)", []any{phrase}, func() {}, nil
	}
	h, release, err := d.loadHits(ctx, phrase)
	if err != nil {
		return "", nil, nil, err
	}
	return "kesu_hit(?, c.id)", []any{h}, release, nil
}

// AppendAudit implements sqlstore.Dialect: it chains entries in order; the
// head is read and moved inside the single writer's transaction.
func (d *Dialect) AppendAudit(ctx context.Context, tx *sql.Tx, key *audit.Key, entries ...*audit.Entry) error {
	var last, from int64
	var prev string
	if err := tx.QueryRowContext(ctx, sqlAuditHead).Scan(&last, &prev, &from); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if from > 0 && key == nil {
		return apperr.New(apperr.Forbidden, "the audit chain is keyed from entry %d: this server has no audit key", from)
	}
	for _, e := range entries {
		last++
		e.ID = last
		e.At = time.UnixMicro(e.At.UnixMicro()).UTC()
		e.PrevHash = prev
		e.Hash = audit.Hash(key, from, prev, e)
		if _, err := tx.ExecContext(ctx, sqlAuditInsert, e.ID, e.At.UnixMicro(), e.Actor.UserID, e.Actor.Name, e.Actor.IP,
			e.Action, e.Object, string(e.Detail), e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
		prev = e.Hash
	}
	if _, err := tx.ExecContext(ctx, sqlAuditMove, last, prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}
