package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
)

// Snapshot writes a consistent copy of the SQLite database at path to dest
// (which must not exist) with VACUUM INTO, while servers keep using the
// database: the copy is taken in one read transaction, so it holds every
// transaction committed before it began and none after, and writers go on
// meanwhile (WAL). The copy is compacted and has no WAL of its own.
func Snapshot(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	c, err := newConnector("file:" + path + "?" + v.Encode())
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("snapshot of %s: %w", path, err)
	}
	return nil
}

// Check runs SQLite's integrity check on the database at path and returns
// its schema version, or an error naming the first problem it finds.
func Check(ctx context.Context, path string) (int64, error) {
	c, err := newConnector("file:" + path + "?mode=ro")
	if err != nil {
		return 0, err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return 0, fmt.Errorf("check %s: %s", path, res)
	}
	var v int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	return v, nil
}
