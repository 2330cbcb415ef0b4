package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/blob"
	"kesu/internal/privacy"
)

const privacyUsage = `Usage:
  kesu privacy erase (--number KS-… | --customer ID) --reason TEXT --user NAME [settings]
  kesu privacy retention [settings]

"erase" erases the personal data of one closed complaint, or of every
complaint of a customer and the customer record, as the erasure page and the
API do: recorded on the timeline and in the audit log as done by --user, an
administrator. "retention" erases now what the retention job would erase:
the complaints closed more than retention-days ago.
`

// privacyCmd runs "kesu privacy …".
func privacyCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "erase" && args[0] != "retention") {
		fmt.Fprint(stderr, privacyUsage)
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("privacy: erase or retention expected")
	}
	var number, reason, user string
	var customerID int64
	c, db, err := openFromFlags(ctx, "kesu privacy "+args[0], args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		if args[0] == "erase" {
			fs.StringVar(&number, "number", "", "complaint number")
			fs.Int64Var(&customerID, "customer", 0, "customer ID: every complaint of the customer and the customer record")
			fs.StringVar(&reason, "reason", "", "why (recorded in the audit log)")
			fs.StringVar(&user, "user", "", "the administrator doing it (sign-in name)")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &privacy.Service{Store: db.Privacy(), Files: &blob.Store{Dir: filepath.Join(c.Data, "attachments")}, Now: time.Now,
		RetentionDays: c.RetentionDays}
	if args[0] == "retention" {
		if c.RetentionDays == 0 {
			return errors.New("privacy retention: retention-days is 0 (off)")
		}
		total := 0
		for {
			n, err := svc.RunRetention(ctx, 200)
			total += n
			if err != nil {
				return fmt.Errorf("privacy retention: %w", err)
			}
			if n < 200 {
				break
			}
		}
		fmt.Fprintf(stdout, "personal data of %d complaints closed more than %d days ago erased\n", total, c.RetentionDays)
		return nil
	}
	if user == "" {
		return errors.New("privacy erase: --user is required")
	}
	u, err := db.Registers().GetUserByUsername(ctx, user)
	if err != nil {
		return fmt.Errorf("privacy erase: user %q: %w", user, err)
	}
	if !auth.Can(u.Role, auth.PrivacyErase) {
		return fmt.Errorf("privacy erase: user %q may not erase personal data (administrators only)", user)
	}
	res, err := svc.Erase(ctx, privacy.Request{Number: number, CustomerID: customerID, Reason: reason},
		audit.Actor{UserID: u.ID, Name: u.Username, IP: "cli"})
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for _, f := range ae.Fields {
				fmt.Fprintf(stderr, "  %s: %s %s\n", f.Field, f.Rule, f.Param)
			}
		}
		return fmt.Errorf("privacy erase: %w", err)
	}
	for _, e := range res.Complaints {
		fmt.Fprintf(stdout, "%s: personal data erased, %d attachments deleted\n", e.Number, e.Attachments)
	}
	for _, n := range res.Already {
		fmt.Fprintf(stdout, "%s: erased before\n", n)
	}
	if res.CustomerID != 0 {
		fmt.Fprintf(stdout, "customer %d: name and contact data erased\n", res.CustomerID)
	}
	return nil
}
