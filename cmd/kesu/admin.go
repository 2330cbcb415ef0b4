package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"kesu/internal/app"
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
	if err := db.Registers().CreateUser(ctx, u, auth.HashPassword(password), audit.Actor{Name: "cli"}); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "user %q created (id %d, role %s)\n", u.Username, u.ID, u.Role)
	if printed {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var username, label string
	_, db, err := openFromFlags(ctx, "kesu token create", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "user the token acts as")
		fs.StringVar(&label, "name", "api", "label for the token")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if username == "" {
		return errors.New("--user is required")
	}
	u, err := db.Registers().GetUserByUsername(ctx, strings.ToLower(username))
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	svc := &auth.Service{Store: db.Auth(), Now: time.Now}
	secret, _, err := svc.CreateToken(ctx, u.ID, label, audit.Actor{Name: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// describe turns field errors into a readable line for the terminal.
func describe(err error) error {
	if msg := app.DescribeError(err); msg != "" {
		return errors.New(msg)
	}
	return err
}
