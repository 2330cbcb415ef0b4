package sqlstore

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"kesu/internal/apperr"
)

// pipeTx is a write transaction on PostgreSQL whose statements travel in
// batches: the statements queued between two sends go to the server in
// one round trip and run there one after another, each with its own
// snapshot (READ COMMITTED).
type pipeTx struct {
	conn *pgx.Conn
	b    *pgx.Batch
}

// inPipe runs fn in a transaction on one connection of the write pool.
// The first batch opens with BEGIN; fn ends with commit. Any error rolls
// back; a connection that cannot roll back is dropped.
func (db *DB) inPipe(ctx context.Context, fn func(p *pipeTx) error) error {
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "begin transaction")
	}
	defer conn.Close()
	var ferr error
	err = conn.Raw(func(dc any) error {
		p := &pipeTx{conn: dc.(*stdlib.Conn).Conn(), b: &pgx.Batch{}}
		p.b.Queue("BEGIN")
		if ferr = fn(p); ferr == nil || p.conn.PgConn().TxStatus() == 'I' {
			return nil
		}
		if _, err := p.conn.Exec(ctx, "ROLLBACK"); err != nil {
			return driver.ErrBadConn
		}
		return nil
	})
	if ferr == nil && err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "database connection")
	}
	return db.classify(ferr)
}

// row queues a statement returning one row; fn reads it (pgx.ErrNoRows
// when there is none).
func (p *pipeTx) row(query string, args []any, fn func(pgx.Row) error) {
	p.b.Queue(query, args...).QueryRow(fn)
}

// rows queues a statement returning rows; fn reads them.
func (p *pipeTx) rows(query string, args []any, fn func(pgx.Rows) error) {
	p.b.Queue(query, args...).Query(fn)
}

// exec queues a statement; fn, when not nil, is told how many rows it
// changed.
func (p *pipeTx) exec(query string, args []any, fn func(n int64) error) {
	q := p.b.Queue(query, args...)
	if fn != nil {
		q.Exec(func(ct pgconn.CommandTag) error { return fn(ct.RowsAffected()) })
	}
}

// commit queues COMMIT.
func (p *pipeTx) commit() { p.b.Queue("COMMIT") }

// send sends the queued statements and runs their readers; the first
// error is returned. After a failed statement the server skips the rest
// of the batch, COMMIT included.
func (p *pipeTx) send(ctx context.Context) error {
	b := p.b
	p.b = &pgx.Batch{}
	return p.conn.SendBatch(ctx, b).Close()
}
