package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"kesu/internal/app"
	"kesu/internal/backup"
	"kesu/internal/storage/sqlite"
	"kesu/internal/storage/sqlstore"
)

const backupUsage = `usage: kesu backup ARCHIVE [--pg-dump PATH | --no-pg-dump] [settings]

Writes one archive file (gzip'd tar) with a consistent snapshot of the
database and the attachments folder, while servers keep running.
SQLite: the database is copied with VACUUM INTO. PostgreSQL: pg_dump
(custom format) is run and its file put into the archive; with
--no-pg-dump only the attachments are archived and the pg_dump command to
run is printed.`

// backupCmd is "kesu backup ARCHIVE".
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kesu backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pgDump := fs.String("pg-dump", "pg_dump", "pg_dump program (PostgreSQL)")
	noDump := fs.Bool("no-pg-dump", false, "PostgreSQL: archive the attachments only and print the pg_dump command")
	lead, args := leadingArgs(args)
	c, err := app.Load(fs, args, getenv)
	if err != nil {
		return err
	}
	rest := append(lead, fs.Args()...)
	if len(rest) != 1 {
		return errors.New(backupUsage)
	}
	archive := rest[0]
	if _, err := os.Stat(archive); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file name", archive)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(archive), ".kesu-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	m := &backup.Manifest{Version: appVersion(), CreatedAt: time.Now().UTC()}
	var db string
	if c.DB == "" {
		m.Engine, m.Database = "sqlite", backup.SQLiteName
		db = filepath.Join(tmp, backup.SQLiteName)
		if err := sqlite.Snapshot(ctx, c.SQLiteFile(), db); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if m.Schema, err = sqlite.Check(ctx, db); err != nil {
			return fmt.Errorf("backup: the snapshot is not sound: %w", err)
		}
	} else {
		m.Engine = "postgres"
		dumpArgs, err := pgArgs(c.DB)
		if err != nil {
			return err
		}
		if *noDump {
			fmt.Fprintf(stdout, "database not archived; dump it with:\n  pg_dump --format=custom --file=kesu.pgdump %s\n",
				strings.Join(dumpArgs, " "))
		} else {
			m.Database = backup.PGDumpName
			db = filepath.Join(tmp, backup.PGDumpName)
			cmd := exec.CommandContext(ctx, *pgDump, append([]string{"--format=custom", "--no-owner", "--file=" + db}, dumpArgs...)...)
			cmd.Stderr = stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("backup: %s: %w (use --no-pg-dump to archive the attachments only)", *pgDump, err)
			}
		}
	}
	part := filepath.Join(tmp, "archive")
	f, err := os.Create(part)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = backup.Write(f, m, db, filepath.Join(c.Data, "attachments"))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(part, archive)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup written to %s: %s database, %d attachments (%d bytes)\n", archive, m.Engine, m.Attachments, m.Bytes)
	return nil
}

// pgArgs turns a kesu PostgreSQL URL into pg_dump's and pg_restore's
// connection arguments. libpq does not know a search_path parameter,
// which kesu accepts: it becomes an options parameter, and the dump is
// limited to that schema.
func pgArgs(dbURL string) ([]string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	q := u.Query()
	var args []string
	if sp := q.Get("search_path"); sp != "" {
		q.Del("search_path")
		q.Set("options", strings.TrimSpace(q.Get("options")+" -csearch_path="+sp))
		args = append(args, "--schema="+sp)
	}
	u.RawQuery = q.Encode()
	return append(args, "--dbname="+u.String()), nil
}

const restoreUsage = `usage: kesu restore ARCHIVE --data NEWDIR [--db URL]

Unpacks a backup into a new or empty data folder and checks it: the
attachments against their checksums, the database by opening it and walking
its audit chain. A PostgreSQL backup is restored with pg_restore into the
(empty) database --db names; without --db its dump is left in NEWDIR with
the command to restore it.`

// restoreCmd is "kesu restore ARCHIVE --data NEWDIR".
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("kesu restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pgRestore := fs.String("pg-restore", "pg_restore", "pg_restore program (PostgreSQL)")
	lead, args := leadingArgs(args)
	c, err := app.Load(fs, args, getenv)
	if err != nil {
		return err
	}
	rest := append(lead, fs.Args()...)
	if len(rest) != 1 || !flagGiven(fs, "data") && getenv("KESU_DATA") == "" {
		return errors.New(restoreUsage)
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	m, err := backup.Restore(f, c.Data)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored a %s backup of %s (kesu %s) into %s: %d attachments\n", m.Engine,
		m.CreatedAt.Format(time.RFC3339), m.Version, c.Data, m.Attachments)
	switch {
	case m.Engine == "sqlite" && c.DB != "":
		return errors.New("restore: a SQLite backup restores into a data folder; leave --db empty")
	case m.Engine == "postgres" && m.Database == "":
		fmt.Fprintln(stdout, "the backup holds no database dump: restore the database from its own pg_dump file")
		return nil
	case m.Engine == "postgres" && c.DB == "":
		dump := filepath.Join(c.Data, backup.PGDumpName)
		fmt.Fprintf(stdout, "restore the database into an empty PostgreSQL database with:\n  pg_restore --no-owner --exit-on-error --dbname=URL %s\nthen start kesu with --db URL --data %s (or run kesu restore again with --db)\n", dump, c.Data)
		return nil
	case m.Engine == "postgres":
		dump := filepath.Join(c.Data, backup.PGDumpName)
		connArgs, err := pgArgs(c.DB)
		if err != nil {
			return err
		}
		var restoreArgs []string
		for _, a := range connArgs {
			if !strings.HasPrefix(a, "--schema=") {
				restoreArgs = append(restoreArgs, a)
			}
		}
		cmd := exec.CommandContext(ctx, *pgRestore, append([]string{"--no-owner", "--exit-on-error"}, append(restoreArgs, dump)...)...)
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("restore: %s: %w", *pgRestore, err)
		}
		if err := os.Remove(dump); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	log := app.NewLogger(c, stderr)
	db, err := app.OpenDB(ctx, c, time.Now, log)
	if err != nil {
		return fmt.Errorf("restore: the restored database does not open: %w", err)
	}
	defer db.Close()
	h, err := db.Holdings(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	bad, checked, err := sqlstore.AuditStore{DB: db}.Verify(ctx)
	if err != nil {
		return fmt.Errorf("restore: audit chain: %w", err)
	}
	if bad != 0 {
		return fmt.Errorf("restore: the audit chain of the restored database is broken at entry %d", bad)
	}
	fmt.Fprintf(stdout, "database: %d complaints, %d attachments, audit chain intact (%d entries)\n", h.Complaints, h.Attachments, checked)
	return nil
}

// leadingArgs splits the arguments before the first flag from the rest,
// so that "backup FILE --data DIR" works as well as "backup --data DIR FILE".
func leadingArgs(args []string) (lead, rest []string) {
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		lead, args = append(lead, args[0]), args[1:]
	}
	return lead, args
}

// flagGiven tells whether a flag was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
