package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"kesu/internal/storage/postgres"
	"kesu/internal/storage/sqlstore"
)

// openKeptSchema opens kesu on a named PostgreSQL schema that is kept
// between benchmark runs (created when missing), so a large data set is
// generated once.
func openKeptSchema(ctx context.Context, base, schema string) (*sqlstore.DB, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema)
	admin.Close()
	if err != nil {
		return nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return postgres.Open(ctx, u.String(), time.Now, benchLog)
}
