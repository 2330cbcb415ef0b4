// Package postgres opens kesu's PostgreSQL database: one pgx connection
// pool, reached through database/sql so the shared store runs unchanged.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
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

// MaxConns bounds the pool; PostgreSQL's default max_connections is 100 and
// a second kesu process must still fit.
const MaxConns = 32

// Open connects to the database at url (a postgres:// URL or key=value
// DSN; runtime parameters such as search_path may be given in it) and
// applies migrations.
func Open(ctx context.Context, url string, now func() time.Time, log *slog.Logger) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(MaxConns)
	pool.SetMaxIdleConns(MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, apperr.Wrap(apperr.Unavailable, err, "connect to postgres")
	}
	if now == nil {
		now = time.Now
	}
	if err := migrate(ctx, pool, now); err != nil {
		pool.Close()
		return nil, err
	}
	db, err := sqlstore.New(sqlstore.Config{Write: pool, Read: pool, Dialect: Dialect{}, Queries: queries, IntakeWorkers: 4,
		Migrations: Migrations(), Now: now, Log: log})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// migrate runs sqlstore.Migrate while holding a session advisory lock, so
// kesu processes starting together apply each migration once. The lock is
// keyed by schema: instances on different schemas do not wait for each other.
func migrate(ctx context.Context, pool *sql.DB, now func() time.Time) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "migration lock connection")
	}
	defer conn.Close()
	const key = `hashtextextended('kesu:migrate:' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// Unlock with a fresh context: ctx may be cancelled, and a lock left on
		// a pooled connection would block the next kesu to start.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // drop the session, and the lock with it
		}
	}()
	_, err = sqlstore.Migrate(ctx, pool, Migrations(), now)
	return err
}

// Dialect is PostgreSQL's part of the shared store.
type Dialect struct{}

// Name implements sqlstore.Dialect.
func (Dialect) Name() string { return "postgres" }

// Rebind implements sqlstore.Dialect: ? becomes $1, $2… except inside
// single-quoted literals (standard_conforming_strings, so only ” escapes).
func (Dialect) Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'':
			quoted = !quoted // a doubled '' toggles twice and stays inside
		case ch == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// Classify implements sqlstore.Dialect by SQLSTATE.
func (Dialect) Classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return apperr.Wrap(apperr.Conflict, err, "already exists")
		case pe.Code == "23503":
			return apperr.Wrap(apperr.Invalid, err, "refers to a missing or still-used record")
		case pe.Code == "42501":
			return apperr.Wrap(apperr.Forbidden, err, "append-only record")
		case pe.Code == "40001", pe.Code == "40P01":
			return apperr.Wrap(apperr.Conflict, err, "concurrent change, retry")
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"),
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03":
			return apperr.Wrap(apperr.Unavailable, err, "database unavailable")
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || pgconn.Timeout(err) {
		return apperr.Wrap(apperr.Unavailable, err, "database unavailable")
	}
	return err
}

// tsvector renders tokens as a tsvector literal with positions 1…n, so the
// engine's phrase operator sees them in order.
func tsvector(tokens []string) string {
	var b strings.Builder
	for i, t := range tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(t))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(i + 1))
	}
	return b.String()
}

// quoteLexeme quotes a token for tsvector/tsquery input. Tokens hold only
// letters and digits, but a stray quote or backslash must not break the
// literal.
func quoteLexeme(t string) string {
	if strings.ContainsAny(t, `'\`) {
		t = lexemeEscaper.Replace(t)
	}
	return "'" + t + "'"
}

var lexemeEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// finishBatch numbers and indexes every complaint of one counter scope in
// one statement: the counter moves by the batch size once, so its row lock
// is taken once per transaction, last, and held only until commit.
const finishBatch = `WITH n AS (
  INSERT INTO number_counters (scope, value) VALUES ($1, $2)
  ON CONFLICT (scope) DO UPDATE SET value = number_counters.value + $2
  RETURNING value - $2 AS base
), v AS (
  SELECT t.id, $3 || lpad((n.base + t.ord)::text, greatest($4::int, length((n.base + t.ord)::text)), '0') || $5 AS number, t.search
  FROM n, unnest($6::bigint[], $7::text[]) WITH ORDINALITY AS t(id, search, ord)
)
UPDATE complaints c SET number = v.number, search = v.search::tsvector || kesu_tokens(v.number)
FROM v WHERE c.id = v.id
RETURNING c.id, c.number`

// FinishComplaints implements sqlstore.Dialect: one statement per counter
// scope (a batch has one, or two across midnight), then one for all audit
// entries, so the counter and audit-head row locks are the last taken in
// the transaction.
func (d Dialect) FinishComplaints(ctx context.Context, tx *sql.Tx, items []sqlstore.Finish) error {
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && items[end].Scope() == items[start].Scope() {
			end++
		}
		group := items[start:end]
		ids := make([]int64, len(group))
		docs := make([]string, len(group))
		byID := make(map[int64]*complaint.Complaint, len(group))
		for i, f := range group {
			ids[i], docs[i] = f.C.ID, tsvector(f.Tokens)
			byID[f.C.ID] = f.C
		}
		spec := group[0].Spec
		rows, err := tx.QueryContext(ctx, finishBatch, group[0].Scope(), len(group), spec.Prefix, spec.Width, spec.Suffix, ids, docs)
		if err != nil {
			return fmt.Errorf("number complaints: %w", err)
		}
		for rows.Next() {
			var id int64
			var number string
			if err := rows.Scan(&id, &number); err != nil {
				rows.Close()
				return fmt.Errorf("number complaints: %w", err)
			}
			byID[id].Number = number
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("number complaints: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("number complaints: %w", err)
		}
		start = end
	}
	entries := make([]*audit.Entry, len(items))
	for i, f := range items {
		entries[i] = f.Entry
	}
	return d.appendAudit(ctx, tx, entries)
}

// appendAudit appends entries in order through kesu_audit_append_many,
// which locks the chain head once.
func (Dialect) appendAudit(ctx context.Context, tx *sql.Tx, entries []*audit.Entry) error {
	n := len(entries)
	at, actorID := make([]int64, n), make([]int64, n)
	name, ip, action, object, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		e.At = time.UnixMicro(e.At.UnixMicro()).UTC()
		at[i], actorID[i], name[i], ip[i] = e.At.UnixMicro(), e.Actor.UserID, e.Actor.Name, e.Actor.IP
		action[i], object[i], detail[i] = e.Action, e.Object, string(e.Detail)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM kesu_audit_append_many($1, $2, $3, $4, $5, $6, $7)`,
		at, actorID, name, ip, action, object, detail)
	if err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&entries[i].ID); err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

// Reindex implements sqlstore.Dialect.
func (Dialect) Reindex(ctx context.Context, tx *sql.Tx, id int64, number string, tokens []string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE complaints SET search = $1::tsvector || kesu_tokens($2) WHERE id = $3`,
		tsvector(tokens), number, id); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// SearchClause implements sqlstore.Dialect with a tsquery phrase.
func (Dialect) SearchClause(_ context.Context, q textsearch.Query) (string, []any, func(), error) {
	parts := make([]string, len(q.Tokens))
	for i, t := range q.Tokens {
		parts[i] = quoteLexeme(t)
	}
	phrase := strings.Join(parts, " <-> ")
	if q.Prefix {
		phrase += ":*"
	}
	return "c.search @@ ?::tsquery", []any{phrase}, func() {}, nil
}

// AppendAudit implements sqlstore.Dialect through kesu_audit_append, which
// moves the chain head under its row lock. Only the ID comes back: reading
// the hashes would cost a round trip while that lock is held.
func (Dialect) AppendAudit(ctx context.Context, tx *sql.Tx, e *audit.Entry) error {
	e.At = time.UnixMicro(e.At.UnixMicro()).UTC()
	if err := tx.QueryRowContext(ctx, `SELECT kesu_audit_append($1, $2, $3, $4, $5, $6, $7)`, e.At.UnixMicro(),
		e.Actor.UserID, e.Actor.Name, e.Actor.IP, e.Action, e.Object, string(e.Detail)).Scan(&e.ID); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}
