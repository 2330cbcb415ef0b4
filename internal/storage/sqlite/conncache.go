package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"

	"modernc.org/sqlite"
)

// stmtsPerConn bounds the statements one connection keeps prepared. kesu's
// named queries number a few hundred; the list filters build a few more.
const stmtsPerConn = 512

// connector opens SQLite connections that keep the statements they run
// prepared. The driver prepares (parses and plans) every statement it is
// given anew; under a steady load of registrations that parsing was a fifth
// of the server's CPU. Each connection now prepares a query once and runs
// it again from its prepared form; a script of several statements is
// prepared statement by statement on each run, as before.
type connector struct {
	base driver.Connector
}

func newConnector(dsn string) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return connector{base}, nil
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	b, ok := conn.(baseConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver connection lacks the context methods")
	}
	return &cachingConn{baseConn: b, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c connector) Driver() driver.Driver { return c.base.Driver() }

// baseConn is what the driver's connection offers and database/sql uses.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is one connection with its prepared statements. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	baseConn
	stmts map[string]*list.Element // of *cached, most recently used in front
	lru   *list.List
}

type cached struct {
	query string
	stmt  driver.Stmt
	busy  bool // its rows are open: a second run of the query meanwhile is prepared apart
}

type stmtRunner interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

// prepared answers the connection's prepared statement of query, preparing
// it on first use; nil when it is in use by open rows.
func (c *cachingConn) prepared(ctx context.Context, query string) (*cached, error) {
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cached)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return s, nil
	}
	st, err := c.baseConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(stmtRunner); !ok {
		st.Close()
		return nil, nil
	}
	s := &cached{query: query, stmt: st}
	c.stmts[query] = c.lru.PushFront(s)
	for c.lru.Len() > stmtsPerConn {
		old := c.lru.Back()
		o := old.Value.(*cached)
		if o.busy {
			break // closed with its rows; never reached in practice
		}
		c.lru.Remove(old)
		delete(c.stmts, o.query)
		o.stmt.Close()
	}
	return s, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.ExecContext(ctx, query, args)
	}
	return s.stmt.(stmtRunner).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}
	rs, err := s.stmt.(stmtRunner).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rs, s: s}, nil
}

// Close finalizes the prepared statements, then closes the connection.
func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cached).stmt.Close()
	}
	clear(c.stmts)
	c.lru.Init()
	return c.baseConn.Close()
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	s *cached
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}

// The column type methods database/sql's ColumnTypes asks for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
