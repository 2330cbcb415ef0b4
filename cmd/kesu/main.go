// Command kesu is the customer-complaint handling control system: one
// binary with the web UI, the REST API and the background workers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kesu:", err)
		}
		os.Exit(2)
	}
}

const usage = `kesu — customer complaint handling

Usage:
  kesu serve    [--addr A] [--data DIR] [--db URL] [--demo] [--config FILE] …
  kesu migrate  [--data DIR] [--db URL]
  kesu user add --username NAME --name 姓名 --role ROLE [--password PW] [--department CODE]
  kesu token create --user NAME [--name LABEL] [--expires 90d|2027-01-31]
  kesu token list [--user NAME]
  kesu token revoke ID
  kesu calendar add --from 2026-09-18T10:00 (--working-days N | --working-hours N | --hours N | --days N)
  kesu calendar holidays YEAR
  kesu calendar import FILE [--note TEXT]
  kesu calendar export YEAR
  kesu workflow list
  kesu workflow import FILE [--note TEXT]
  kesu workflow export PROFILE [--version N]
  kesu sla extend --number KS-… --policy sla_9 --to TIME --user NAME --consent-by WHO --consent-at TIME --consent-how HOW
  kesu audit verify [--audit-anchor FILE]
  kesu audit anchor --audit-anchor FILE
  kesu privacy erase (--number KS-… | --customer ID) --reason TEXT --user NAME
  kesu privacy retention
  kesu backup ARCHIVE [--no-pg-dump]
  kesu restore ARCHIVE --data NEWDIR [--db URL]
  kesu queue plan --arrivals N --per DURATION --handle DURATION --target DURATION --level FRACTION
  kesu version

Every command reads the same settings: flags, KESU_* environment variables
and an optional --config file. Run "kesu serve -h" to list them.
`

// run dispatches a command line; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		m := NewMain(stdout, stderr, getenv)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		return m.Run(ctx)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr, getenv)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return errors.New(`usage: kesu user add --username NAME --name 姓名 --role ROLE`)
		}
		return userAdd(ctx, args[2:], stdout, stderr, getenv)
	case "token":
		if len(args) >= 2 {
			switch args[1] {
			case "create":
				return tokenCreate(ctx, args[2:], stdout, stderr, getenv)
			case "list":
				return tokenList(ctx, args[2:], stdout, stderr, getenv)
			case "revoke":
				return tokenRevoke(ctx, args[2:], stdout, stderr, getenv)
			}
		}
		return errors.New(`usage: kesu token create --user NAME [--expires 90d] | kesu token list [--user NAME] | kesu token revoke ID`)
	case "calendar":
		return calendarCmd(ctx, args[1:], stdout, stderr, getenv)
	case "workflow":
		return workflowCmd(ctx, args[1:], stdout, stderr, getenv)
	case "sla":
		return slaCmd(ctx, args[1:], stdout, stderr, getenv)
	case "audit":
		return auditCmd(ctx, args[1:], stdout, stderr, getenv)
	case "privacy":
		return privacyCmd(ctx, args[1:], stdout, stderr, getenv)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr, getenv)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr, getenv)
	case "queue":
		return queueCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "kesu", appVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
