package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// StmtCache keeps prepared statements of the write handle, so the hot
// write path does not parse its SQL again for every complaint. Statements
// are prepared up front: preparing on the pool while a transaction holds
// SQLite's only writer connection would wait for ever.
type StmtCache struct {
	m map[string]*sql.Stmt
}

// NewStmtCache prepares queries on db.
func NewStmtCache(ctx context.Context, db *sql.DB, queries ...string) (*StmtCache, error) {
	c := &StmtCache{m: map[string]*sql.Stmt{}}
	for _, q := range queries {
		if _, ok := c.m[q]; ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		c.m[q] = st
	}
	return c, nil
}

// In returns the prepared statement for query bound to tx, or nil when the
// query was not prepared.
func (c *StmtCache) In(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if st, ok := c.m[query]; ok {
		return tx.StmtContext(ctx, st)
	}
	return nil
}

// Exec runs a cached statement in tx.
func (c *StmtCache) Exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := c.In(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// QueryRow runs a cached single-row query in tx; errors surface at Scan.
func (c *StmtCache) QueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := c.In(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// Close closes every cached statement.
func (c *StmtCache) Close() {
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}
