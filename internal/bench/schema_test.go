package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"kesu/internal/storage/postgres"
	"kesu/internal/storage/sqlite"
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

// openCachedSQLite opens the SQLite data set kept in the temporary
// directory under name, generating it with fill first when it is missing.
// It is generated beside its final name and renamed, so an interrupted
// run leaves no half-filled cache.
func openCachedSQLite(ctx context.Context, name string, fill func(ctx context.Context, name string, db *sqlstore.DB) error) (*sqlstore.DB, error) {
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".part"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := sqlite.Open(ctx, tmp, time.Now, benchLog)
		if err != nil {
			return nil, err
		}
		if err = fill(ctx, tmp, db); err == nil {
			_, err = db.W.ExecContext(ctx, `PRAGMA optimize; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		db.Close()
		if err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
	}
	return sqlite.Open(ctx, path, time.Now, benchLog)
}
