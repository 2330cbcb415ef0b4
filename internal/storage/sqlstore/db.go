// Package sqlstore implements every kesu store over database/sql. The
// engine packages (sqlite, postgres) give it their connections, migrations,
// named queries and a Dialect for the few operations that differ; business
// code never sees which engine runs.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/sla"
	"kesu/internal/textsearch"
)

//go:embed queries.sql exports.sql workflow.sql privacy.sql metrics.sql mail.sql queue.sql money.sql desk.sql recall.sql returns.sql
var commonQueries embed.FS

// Dialect is what an engine adds to the shared code.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Rebind turns the ? placeholders of a shared query into the engine's.
	Rebind(query string) string
	// Classify maps a driver error to an apperr code (Conflict for unique
	// violations, Invalid for foreign keys…) by error code, or returns err.
	Classify(err error) error
	// AllocateIDs draws n ids for new complaints before they are inserted,
	// so that their timeline entries, keys and jobs can be written before
	// the numbering lock is taken; nil when the engine does not need it
	// (one writer, no lock to wait for).
	AllocateIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error)
	// NextNumbers moves the numbering counter of scope by n and returns
	// its new value; the batch takes the n numbers ending there. On
	// PostgreSQL the counter row stays locked until commit, which keeps
	// numbers gap-free across servers.
	NextNumbers(ctx context.Context, tx *sql.Tx, scope string, n int) (int64, error)
	// SearchArgs returns the values that carry a complaint's search tokens
	// in its insert row (the engine's queries.sql adds their columns), or
	// nil when the engine keeps them elsewhere.
	SearchArgs(tokens []string) []any
	// IndexComplaints stores search tokens that an engine keeps outside the
	// complaints table, for newly inserted complaints.
	IndexComplaints(ctx context.Context, tx *sql.Tx, items []Indexed) error
	// Reindex replaces a complaint's search tokens after an update.
	Reindex(ctx context.Context, tx *sql.Tx, id int64, tokens []string) error
	// SearchClause returns a condition on complaints aliased c that holds
	// when the row matches q, with its arguments, and a release function to
	// call once the query has run. An engine may look at the index first to
	// choose the cheaper plan for the number of hits.
	SearchClause(ctx context.Context, q textsearch.Query) (cond string, args []any, release func(), err error)
	// AppendAudit appends entries, in order, to the audit chain inside tx.
	// Entries from the chain's keyed_from on are keyed with key (HMAC);
	// without a key a keyed chain refuses the append.
	AppendAudit(ctx context.Context, tx *sql.Tx, key *audit.Key, entries ...*audit.Entry) error
}

// Indexed is a complaint's search tokens, the number's first.
type Indexed struct {
	ID     int64
	Tokens []string
}

// DB is a kesu database: a write handle and a read handle (the same pool on
// PostgreSQL; one writer connection and a reader pool on SQLite).
type DB struct {
	W, R    *sql.DB
	Dialect Dialect
	Now     func() time.Time
	Log     *slog.Logger
	// IntakeWorkers is the number of concurrent intake transactions; one
	// on SQLite (one writer), a few on PostgreSQL.
	IntakeWorkers int
	// AuditKey keys the audit chain (UseAuditKey); nil without a key.
	AuditKey *audit.Key
	// SLA, when set, starts, stops and pauses the SLA clocks of every
	// change in the change's transaction (sla.go).
	SLA *sla.Rules
	// Outbox, when set, adds the jobs that carry new notices and fired
	// timers outside kesu (email, SMS, webhooks) to their transaction.
	Outbox Outbox
	// Registration, when set, returns the jobs to queue with a newly
	// registered complaint, in its registration transaction.
	Registration RegistrationJobs
	// QueueSMS, when set, texts the branch queue's N-ahead reminders and
	// calls (notify.sms jobs in the ticket's transaction).
	QueueSMS bool
	// KBNarrow, when set, replaces how many postings a knowledge-base
	// token may have to narrow a search (tests use it to take the other
	// plan on small data).
	KBNarrow   int
	queries    map[string]string
	raw        map[string]string // queries as written, with ? placeholders
	intake     *intake
	onClose    func() error
	categories sync.Map // category code → categoryRef, see category
	counters   sync.Map // queue counter id → its branch id, see callPipe

	// IntakeBatch, when set, is told the number of complaints of every
	// intake transaction (the metrics' batch-size histogram).
	IntakeBatch func(n int)
}

// Config is what an engine passes to New.
type Config struct {
	Write, Read *sql.DB
	Dialect     Dialect
	Queries     fs.FS // engine's own named queries, overriding shared ones
	Migrations  fs.FS // NNNN_name.sql files
	Now         func() time.Time
	Log         *slog.Logger
	// IntakeWorkers sets DB.IntakeWorkers.
	IntakeWorkers int
	// OnClose, when set, stops the engine's own background work; Close
	// calls it before closing the handles.
	OnClose func() error
}

// New wraps opened connections. It does not migrate; call Migrate.
func New(cfg Config) (*DB, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	db := &DB{W: cfg.Write, R: cfg.Read, Dialect: cfg.Dialect, Now: cfg.Now, Log: cfg.Log, queries: map[string]string{}, raw: map[string]string{},
		IntakeWorkers: cfg.IntakeWorkers, onClose: cfg.OnClose}
	db.intake = &intake{db: db}
	for _, name := range []string{"queries.sql", "exports.sql", "workflow.sql", "privacy.sql", "metrics.sql", "mail.sql", "queue.sql", "money.sql", "desk.sql", "recall.sql", "returns.sql"} {
		if err := db.loadQueries(commonQueries, name); err != nil {
			return nil, err
		}
	}
	if cfg.Queries != nil {
		if err := db.loadQueries(cfg.Queries, "queries.sql"); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// Close stops the intake workers and closes both handles.
func (db *DB) Close() error {
	db.intake.close()
	var err error
	if db.onClose != nil {
		err = db.onClose()
	}
	err = errors.Join(err, db.W.Close())
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	return err
}

func (db *DB) loadQueries(fsys fs.FS, name string) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	cur := ""
	var sb strings.Builder
	flush := func() {
		if cur != "" {
			db.raw[cur] = strings.TrimSpace(sb.String())
			db.queries[cur] = db.Dialect.Rebind(db.raw[cur])
		}
		sb.Reset()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			cur = strings.TrimSpace(n)
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	flush()
	return nil
}

// q returns a named query; a missing name is a programming error.
func (db *DB) q(name string) string {
	s, ok := db.queries[name]
	if !ok {
		panic("sqlstore: no query named " + name)
	}
	return s
}

// Migrate applies the embedded migrations not yet applied — every one not
// recorded, in order, not only those above the newest recorded — each in
// its own transaction, and refuses a database whose schema is newer than
// this binary knows.
func Migrate(ctx context.Context, db *sql.DB, migrations fs.FS, now func() time.Time) (applied int, err error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	known := map[int]string{}
	maxKnown := 0
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(f, "_", 2)[0])
		if err != nil {
			return 0, fmt.Errorf("migration %s: name must start with a number", f)
		}
		known[v] = f
		maxKnown = max(maxKnown, v)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > maxKnown {
		return 0, apperr.New(apperr.Unavailable, "database schema version %d is newer than this kesu knows (%d): upgrade kesu", current, maxKnown)
	}
	done := map[int]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("read schema versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read schema versions: %w", err)
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read schema versions: %w", err)
	}
	versions := make([]int, 0, len(known))
	for v := range known {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		if done[v] {
			continue
		}
		body, err := fs.ReadFile(migrations, known[v])
		if err != nil {
			return applied, err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return applied, err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migration %s: %w", known[v], err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (`+strconv.Itoa(v)+`, `+strconv.FormatInt(now().UnixMicro(), 10)+`)`); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migration %s: record version: %w", known[v], err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("migration %s: commit: %w", known[v], err)
		}
		applied++
	}
	return applied, nil
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Ping checks that both handles answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.W.PingContext(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "database write handle")
	}
	if err := db.R.PingContext(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "database read handle")
	}
	return nil
}

// inTx runs fn in a write transaction and commits; any error rolls back.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "begin transaction")
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return db.classify(err)
	}
	if err := tx.Commit(); err != nil {
		return db.classify(err)
	}
	return nil
}

func (db *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(apperr.NotFound, err, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Unavailable, err, "request cancelled")
	}
	return db.Dialect.Classify(err)
}

// audit appends an entry with the actor and time filled.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, actor audit.Actor, action, object string, detail any) error {
	e := &audit.Entry{At: db.Now(), Actor: actor, Action: action, Object: object}
	if detail != nil {
		e.Detail = mustJSON(detail)
	}
	return db.Dialect.AppendAudit(ctx, tx, db.AuditKey, e)
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts the stored form back, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func nullDate(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: t.Format("2006-01-02"), Valid: true}
}

func datePtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s.String)
	if err != nil {
		return nil
	}
	return &t
}

func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func intPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}
