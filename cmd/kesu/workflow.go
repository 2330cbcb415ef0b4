package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/casework"
)

const workflowUsage = `Usage:
  kesu workflow list [settings]
  kesu workflow import FILE [--note TEXT] [settings]
  kesu workflow export PROFILE [--version N] [settings]

The commands work on the lifecycle definitions the servers use: the
profiles shipped with kesu (version 0) and the versions administrators
uploaded, stored in the database (the data folder's SQLite file, or --db).

"list" prints every version of every profile; "*" marks the version new
complaints of the profile take, the newest. "import" checks a definition
file as the servers do and stores it as the next version of the profile it
names; a file with any problem stores nothing, and a file that is the
newest version already adds none. Running servers take a new version
within 10 seconds; running cases keep theirs. "export" prints a version
(default: the newest) as its file.
`

// workflowCmd runs "kesu workflow …".
func workflowCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, workflowUsage)
		return errors.New("workflow: list, import or export expected")
	}
	switch args[0] {
	case "list":
		return workflowList(ctx, args[1:], stdout, stderr, getenv)
	case "import":
		return workflowImport(ctx, args[1:], stdout, stderr, getenv)
	case "export":
		return workflowExport(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, workflowUsage)
		return nil
	}
	fmt.Fprint(stderr, workflowUsage)
	return fmt.Errorf("workflow: unknown command %q", args[0])
}

// loadDefinitions reads the shared settings plus extra flags and returns
// the definitions, the positional arguments, the settings and the function
// that releases the database. write asks for a database to store in,
// created if need be; otherwise a data folder without a database gives the
// shipped profiles.
func loadDefinitions(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string,
	write bool, extra func(fs *flag.FlagSet)) (*casework.Definitions, []string, app.Config, func(), error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	if extra != nil {
		extra(fset)
	}
	// Allow "import FILE --note x" as well as "import --note x FILE".
	var lead []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		lead, args = append(lead, args[0]), args[1:]
	}
	c, err := app.Load(fset, args, getenv)
	if err != nil {
		return nil, nil, c, nil, err
	}
	rest := append(lead, fset.Args()...)
	if c.DB == "" && !write {
		if _, err := os.Stat(c.SQLiteFile()); errors.Is(err, fs.ErrNotExist) {
			defs, err := casework.LoadDefinitions(ctx, nil)
			return defs, rest, c, func() {}, err
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := app.OpenDB(ctx, c, time.Now, log)
	if err != nil {
		return nil, nil, c, nil, err
	}
	defs, err := casework.LoadDefinitions(ctx, db.Workflows())
	if err != nil {
		db.Close()
		return nil, nil, c, nil, err
	}
	return defs, rest, c, func() { db.Close() }, nil
}

func workflowList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	defs, rest, c, done, err := loadDefinitions(ctx, "kesu workflow list", args, stderr, getenv, false, nil)
	if err != nil {
		return err
	}
	defer done()
	if len(rest) > 0 {
		return fmt.Errorf("workflow list: unexpected argument %q", rest[0])
	}
	for _, p := range defs.Profiles() {
		vs := defs.Versions(p)
		for i, v := range vs {
			mark := " "
			if i == len(vs)-1 {
				mark = "*"
			}
			from := "shipped"
			if !v.Shipped() {
				from = fmt.Sprintf("%s %s", v.At.In(c.Loc).Format("2006-01-02 15:04"), v.By.Name)
			}
			fmt.Fprintf(stdout, "%-16s v%-3d%s %-12s %s  %s", v.Profile, v.Version, mark, v.Hash[:12], from, v.Definition.ZH)
			if v.Note != "" {
				fmt.Fprintf(stdout, "  (%s)", v.Note)
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

// workflowImport stores a definition file as the next version of its
// profile.
func workflowImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var note string
	defs, rest, _, done, err := loadDefinitions(ctx, "kesu workflow import", args, stderr, getenv, true, func(fs *flag.FlagSet) {
		fs.StringVar(&note, "note", "", "why the definition changes, for the list and the audit log")
	})
	if err != nil {
		return err
	}
	defer done()
	if len(rest) != 1 {
		return errors.New("usage: kesu workflow import FILE [--note TEXT]")
	}
	body, err := os.ReadFile(rest[0])
	if err != nil {
		return fmt.Errorf("workflow import: %w", err)
	}
	v, created, err := defs.Import(ctx, body, note, audit.Actor{Name: "cli"})
	if err != nil {
		return fmt.Errorf("workflow import %s: nothing stored: %w", rest[0], describe(err))
	}
	if !created {
		fmt.Fprintf(stdout, "%s v%d is the same file; nothing stored\n", v.Profile, v.Version)
		return nil
	}
	fmt.Fprintf(stdout, "%s v%d imported: complaints registered from now on take it (running servers within %s)\n",
		v.Profile, v.Version, casework.DefinitionPoll)
	return nil
}

// workflowExport prints a version as its file.
func workflowExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	version := -1
	defs, rest, _, done, err := loadDefinitions(ctx, "kesu workflow export", args, stderr, getenv, false, func(fs *flag.FlagSet) {
		fs.IntVar(&version, "version", -1, "the version to print (default: the newest)")
	})
	if err != nil {
		return err
	}
	defer done()
	if len(rest) != 1 {
		return errors.New("usage: kesu workflow export PROFILE [--version N]")
	}
	v, ok := defs.Latest(rest[0])
	if !ok {
		return fmt.Errorf("workflow export: no profile %q (have %v)", rest[0], defs.Profiles())
	}
	if version >= 0 {
		if v, ok = defs.Get(rest[0], version); !ok {
			return fmt.Errorf("workflow export: profile %s has no version %d", rest[0], version)
		}
	}
	_, err = stdout.Write(v.Body)
	return err
}
