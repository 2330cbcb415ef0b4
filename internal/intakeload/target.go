package intakeload

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"kesu/internal/app"
	"kesu/internal/demo"
)

// target is the fresh database of one run: a data folder for SQLite, or a
// schema of its own in the PostgreSQL database.
type target struct {
	engine  string
	data    string // kesu's data folder (SQLite database, attachments)
	dsn     string // PostgreSQL URL with the run's search_path; empty on SQLite
	schema  string
	baseURL string
}

// newTarget prepares the database of a run inside dir.
func newTarget(ctx context.Context, engine, pgURL, dir string) (*target, error) {
	t := &target{engine: engine, data: filepath.Join(dir, "data"), baseURL: pgURL}
	if engine != enginePostgres {
		return t, nil
	}
	t.schema = "kesu_load_" + randomHex(6)
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+t.schema); err != nil {
		return nil, fmt.Errorf("create schema: %w", err)
	}
	sep := "?"
	if strings.Contains(pgURL, "?") {
		sep = "&"
	}
	t.dsn = pgURL + sep + "search_path=" + t.schema
	return t, nil
}

// drop removes the run's schema; the caller removes the folder.
func (t *target) drop() error {
	if t.schema == "" {
		return nil
	}
	db, err := sql.Open("pgx", t.baseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, "DROP SCHEMA "+t.schema+" CASCADE")
	return err
}

// args are the settings that point a kesu command at the run's database.
func (t *target) args() []string {
	a := []string{"--data", t.data}
	if t.dsn != "" {
		a = append(a, "--db", t.dsn)
	}
	return a
}

// observed is what the observer opens.
func (t *target) observed() string {
	if t.dsn != "" {
		return t.dsn
	}
	return filepath.Join(t.data, "kesu.db")
}

// registers creates the demo's registers (departments and staff,
// customers, products, batches) before the server starts, as an
// organisation has its master data before its first complaint, and returns
// them for composing complaints that refer to them.
func (t *target) registers(ctx context.Context, seed uint64) (*demo.Refs, error) {
	c := app.Defaults()
	c.Data, c.DB = t.data, t.dsn
	db, err := app.OpenDB(ctx, c, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Seed(ctx); err != nil {
		return nil, err
	}
	return demo.CreateRegisters(ctx, db, demo.Options{Seed: seed})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
