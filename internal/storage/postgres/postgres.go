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
	// kesu's queries are short and selective: a plan made for the actual
	// parameters beats the generic plan PostgreSQL switches to after five
	// runs of a prepared statement (which picked a parallel scan costing
	// ~10 ms of worker start-up for "my work").
	if _, ok := cfg.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// Just-in-time compilation pays off only for long analytical queries;
	// for the statistics of a year (~1.5 s) it added ~0.4 s of compiling.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
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
	db, err := sqlstore.New(sqlstore.Config{Write: pool, Read: pool, Dialect: Dialect{}, Queries: queries, IntakeWorkers: 2,
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

// nextNumbers moves the counter of a scope by the batch size and returns
// its new value. Its row lock is held until commit.
const nextNumbers = `INSERT INTO number_counters (scope, value) VALUES ($1, $2)
ON CONFLICT (scope) DO UPDATE SET value = number_counters.value + $2
RETURNING value`

// AllocateIDs implements sqlstore.Dialect from the complaints' identity
// sequence. The timeline's foreign key to complaints is checked at commit
// (migration 0006), so a batch's entries can be written before its rows.
func (Dialect) AllocateIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('complaints', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NextNumbers implements sqlstore.Dialect.
func (Dialect) NextNumbers(ctx context.Context, tx *sql.Tx, scope string, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, nextNumbers, scope, n).Scan(&last)
	return last, err
}

// SearchArgs implements sqlstore.Dialect: the tsvector goes into the
// complaint's own row (see queries.sql), so the row is written once.
func (Dialect) SearchArgs(tokens []string) []any { return []any{tsvector(tokens)} }

// IndexComplaints implements sqlstore.Dialect; the insert did it.
func (Dialect) IndexComplaints(context.Context, *sql.Tx, []sqlstore.Indexed) error { return nil }

// AppendAudit implements sqlstore.Dialect through kesu_audit_append_keyed,
// which appends entries in order under one lock of the chain head, keyed
// from the head's keyed_from on.
func (Dialect) AppendAudit(ctx context.Context, tx *sql.Tx, key *audit.Key, entries ...*audit.Entry) error {
	n := len(entries)
	at, actorID := make([]int64, n), make([]int64, n)
	name, ip, action, object, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		e.At = time.UnixMicro(e.At.UnixMicro()).UTC()
		at[i], actorID[i], name[i], ip[i] = e.At.UnixMicro(), e.Actor.UserID, e.Actor.Name, e.Actor.IP
		action[i], object[i], detail[i] = e.Action, e.Object, string(e.Detail)
	}
	// The key stays here: the function gets the HMAC's padded keys.
	var ipad, opad []byte
	if key != nil {
		ipad, opad = key.Pads()
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM kesu_audit_append_keyed($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		at, actorID, name, ip, action, object, detail, ipad, opad)
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
func (Dialect) Reindex(ctx context.Context, tx *sql.Tx, id int64, tokens []string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE complaints SET search = $1::tsvector WHERE id = $2`, tsvector(tokens), id); err != nil {
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
