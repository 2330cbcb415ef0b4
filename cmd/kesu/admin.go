package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kesu/internal/app"
	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/storage/sqlstore"
)

func appVersion() string {
	if app.Version != "dev" {
		return app.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return app.Version
}

// openFromFlags loads the shared settings plus extra flags and opens the
// database with migrations applied.
func openFromFlags(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string,
	extra func(fs *flag.FlagSet)) (app.Config, *sqlstore.DB, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	c, err := app.Load(fs, args, getenv)
	if err != nil {
		return c, nil, err
	}
	log := app.NewLogger(c, stderr)
	db, err := app.OpenDB(ctx, c, time.Now, log)
	if err != nil {
		return c, nil, err
	}
	if err := db.Seed(ctx); err != nil {
		db.Close()
		return c, nil, err
	}
	return c, db, nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	_, db, err := openFromFlags(ctx, "kesu migrate", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database schema is at version %d (%s)\n", v, db.Dialect.Name())
	return nil
}

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var username, name, role, password, dept, email string
	_, db, err := openFromFlags(ctx, "kesu user add", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "sign-in name (lower case)")
		fs.StringVar(&name, "name", "", "full name")
		fs.StringVar(&role, "role", org.RoleAgent, "role: admin, agent, handler, manager or auditor")
		fs.StringVar(&password, "password", "", "password (random and printed when empty)")
		fs.StringVar(&dept, "department", "", "department code, e.g. qa")
		fs.StringVar(&email, "email", "", "email address")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	printed := false
	if password == "" {
		password = auth.RandomToken(12)
		printed = true
	}
	if err := auth.ValidatePassword(password); err != nil {
		return errors.New("password must have at least 8 characters")
	}
	u := &org.User{Username: username, Name: name, Role: role, Email: email}
	if dept != "" {
		depts, err := db.Registers().ListDepartments(ctx)
		if err != nil {
			return err
		}
		for _, d := range depts {
			if d.Code == dept {
				u.DepartmentID = &d.ID
			}
		}
		if u.DepartmentID == nil {
			return fmt.Errorf("no department with code %q", dept)
		}
	}
	users := &org.Service{Store: db.Registers()}
	if err := users.CreateUser(ctx, u, auth.HashPassword(password), audit.Actor{Name: "cli"}); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "user %q created (id %d, role %s)\n", u.Username, u.ID, u.Role)
	if printed {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var username, label, expires string
	_, db, err := openFromFlags(ctx, "kesu token create", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "user the token acts as")
		fs.StringVar(&label, "name", "api", "label for the token")
		fs.StringVar(&expires, "expires", "", "when the token stops working: a duration (90d, 720h) or a date (2027-01-31); empty: never")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if username == "" {
		return errors.New("--user is required")
	}
	now := time.Now()
	until, err := parseExpiry(expires, now)
	if err != nil {
		return err
	}
	u, err := db.Registers().GetUserByUsername(ctx, strings.ToLower(username))
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	svc := &auth.Service{Store: db.Auth(), Now: time.Now}
	secret, _, err := svc.CreateTokenUntil(ctx, u.ID, label, until, audit.Actor{Name: "cli"})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// parseExpiry reads --expires: a duration from now (90d, 720h) or a day
// (2027-01-31, the token ends at its start in UTC) or a moment (RFC 3339).
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := app.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, errors.New("--expires must be in the future")
		}
		return now.Add(d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if !t.After(now) {
				return time.Time{}, errors.New("--expires must be in the future")
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--expires %q is neither a duration (90d, 720h) nor a date (2027-01-31)", s)
}

// tokenList prints the API tokens of one user (--user) or of everyone:
// id, user, label, created, expires, state. Secrets are never shown.
func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var username string
	_, db, err := openFromFlags(ctx, "kesu token list", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "only this user's tokens")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	var uid int64
	if username != "" {
		u, err := db.Registers().GetUserByUsername(ctx, strings.ToLower(username))
		if err != nil {
			return fmt.Errorf("user %q: %w", username, err)
		}
		uid = u.ID
	}
	ts, err := db.Auth().ListTokens(ctx, uid)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tEXPIRES\tSTATE")
	for _, t := range ts {
		exp, state := "never", "active"
		if t.ExpiresAt != nil {
			exp = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
		case !t.Active(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.CreatedAt.UTC().Format(time.RFC3339), exp, state)
	}
	return tw.Flush()
}

// tokenRevoke ends an API token by its id (from kesu token list); running
// servers refuse it within 10 seconds.
func tokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	// Allow "revoke 12 --data DIR" as well as "revoke --data DIR 12".
	var ids []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ids, args = append(ids, args[0]), args[1:]
	}
	_, db, err := openFromFlags(ctx, "kesu token revoke", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(ids) != 1 {
		return errors.New("usage: kesu token revoke ID (the ID from kesu token list)")
	}
	id, err := strconv.ParseInt(ids[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("token revoke: %q is not a token id", ids[0])
	}
	svc := &auth.Service{Store: db.Auth(), Now: time.Now}
	if err := svc.RevokeToken(ctx, id, 0, audit.Actor{Name: "cli"}); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return fmt.Errorf("no token with id %d", id)
		}
		return err
	}
	fmt.Fprintf(stdout, "token %d revoked\n", id)
	return nil
}

// describe turns field errors into a readable line for the terminal.
func describe(err error) error {
	if msg := app.DescribeError(err); msg != "" {
		return errors.New(msg)
	}
	return err
}
