package intakeload

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the observer's PostgreSQL driver
	_ "modernc.org/sqlite"             // the observer's and the floor's SQLite driver
)

// observer reads kesu's database directly while kesu runs: SQLite through
// read-only connections (WAL lets them read beside kesu's writer),
// PostgreSQL through pgx in kesu's schema.
type observer struct {
	db     *sql.DB
	engine string
}

// openObserver opens the SQLite file at path read-only, or the PostgreSQL
// database at dsn (with kesu's search_path).
func openObserver(ctx context.Context, engine, target string) (*observer, error) {
	var db *sql.DB
	var err error
	switch engine {
	case engineSQLite:
		v := url.Values{}
		v.Add("_pragma", "busy_timeout(10000)")
		v.Set("mode", "ro")
		db, err = sql.Open("sqlite", "file:"+target+"?"+v.Encode())
	case enginePostgres:
		db, err = sql.Open("pgx", target)
	default:
		return nil, fmt.Errorf("unknown engine %q", engine)
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("observe %s database: %w", engine, err)
	}
	return &observer{db: db, engine: engine}, nil
}

func (o *observer) Close() error { return o.db.Close() }

// q rebinds ? placeholders to $n for PostgreSQL; the queries here hold no
// question marks in literals.
func (o *observer) q(s string) string {
	if o.engine != enginePostgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maxComplaintID is the newest complaint's id, 0 without complaints.
func (o *observer) maxComplaintID(ctx context.Context) (int64, error) {
	var id int64
	err := o.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM complaints`).Scan(&id)
	return id, err
}

// jobCounts are the job table's rows by what they wait for.
type jobCounts struct {
	Due       map[string]int // pending or running and due by now, by kind
	Scheduled int            // pending with a later run time (timers)
	Dead      int
	Rows      int // every row, done ones included
}

// DueTotal adds the due jobs of every kind.
func (j jobCounts) DueTotal() int {
	n := 0
	for _, v := range j.Due {
		n += v
	}
	return n
}

// jobs counts the job table's rows.
func (o *observer) jobs(ctx context.Context, now time.Time) (jobCounts, error) {
	c := jobCounts{Due: map[string]int{}}
	rows, err := o.db.QueryContext(ctx, o.q(`SELECT kind, status, run_at <= ?, COUNT(*) FROM jobs GROUP BY 1, 2, 3`), now.UnixMicro())
	if err != nil {
		return c, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, status string
		var due bool
		var n int
		if err := rows.Scan(&kind, &status, &due, &n); err != nil {
			return c, err
		}
		c.Rows += n
		switch {
		case status == "dead":
			c.Dead += n
		case status == "done":
		case due:
			c.Due[kind] += n
		default:
			c.Scheduled += n
		}
	}
	return c, rows.Err()
}

// TableSize is one table's share of the database, its indexes included.
type TableSize struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// storage returns the database's size and its tables, largest first. On
// SQLite it is the pages in use (the free list left out), on PostgreSQL the
// schema's tables with their indexes and TOAST.
func (o *observer) storage(ctx context.Context) (int64, []TableSize, error) {
	var q string
	switch o.engine {
	case engineSQLite:
		// dbstat lists every b-tree; an index's tbl_name is its table's.
		q = `SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s
			LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1`
	case enginePostgres:
		q = `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'm')`
	}
	rows, err := o.db.QueryContext(ctx, q)
	if err != nil {
		return 0, nil, fmt.Errorf("table sizes: %w", err)
	}
	defer rows.Close()
	var tables []TableSize
	var total int64
	for rows.Next() {
		var t TableSize
		if err := rows.Scan(&t.Name, &t.Bytes); err != nil {
			return 0, nil, err
		}
		tables = append(tables, t)
		total += t.Bytes
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	slices.SortFunc(tables, func(a, b TableSize) int { return int(b.Bytes - a.Bytes) })
	return total, tables, nil
}

// textBytes returns how many complaints there are and the bytes of their
// own text: subject and description as written, UTF-8.
func (o *observer) textBytes(ctx context.Context) (int64, int64, error) {
	q := `SELECT COUNT(*), COALESCE(SUM(octet_length(subject) + octet_length(description)), 0) FROM complaints`
	if o.engine == engineSQLite {
		q = `SELECT COUNT(*), COALESCE(SUM(length(CAST(subject AS BLOB)) + length(CAST(description AS BLOB))), 0) FROM complaints`
	}
	var n, b int64
	err := o.db.QueryRowContext(ctx, q).Scan(&n, &b)
	return n, b, err
}
