package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"kesu/internal/app"
	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/sla"
)

const slaUsage = `Usage:
  kesu sla extend --number KS-… --policy sla_9 --to 2026-10-20T17:30 --user NAME
                  --consent-by 张先生 --consent-at 2026-10-08T10:00 --consent-how phone [--reason TEXT] [settings]

"extend" moves the due time of a complaint's running time limit with the
customer's recorded consent (who agreed, when and how; 000 §4.5.2), as the
case page and the API do: through the case service, recorded on the
timeline and in the audit log as done by --user. Times without an offset
are read in the organisation's time zone. It prints the new due time.
`

// slaCmd runs "kesu sla …".
func slaCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "extend" {
		fmt.Fprint(stderr, slaUsage)
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("sla: extend expected")
	}
	var number, policy, to, user, by, at, how, reason string
	c, db, err := openFromFlags(ctx, "kesu sla extend", args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&number, "number", "", "complaint number")
		fs.StringVar(&policy, "policy", "", "time limit, e.g. sla_9")
		fs.StringVar(&to, "to", "", "new due time, e.g. 2026-10-20T17:30")
		fs.StringVar(&user, "user", "", "the staff member recording the extension (sign-in name)")
		fs.StringVar(&by, "consent-by", "", "who agreed, e.g. the complainant's name")
		fs.StringVar(&at, "consent-at", "", "when they agreed, e.g. 2026-10-08T10:00")
		fs.StringVar(&how, "consent-how", "", "how: phone, email, letter, in_person, wechat, other")
		fs.StringVar(&reason, "reason", "", "why the limit moves")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	rules, _, _, err := app.NewRules(ctx, c, db, time.Now)
	if err != nil {
		return err
	}
	db.SLA = rules
	loc := rules.Calendar().Location()
	if number == "" || policy == "" || to == "" || user == "" {
		return errors.New("sla extend: --number, --policy, --to and --user are required")
	}
	e := casework.Extension{Policy: policy, Reason: reason, Consent: sla.Consent{By: by, How: how}}
	if e.DueAt, err = parseInstant(to, loc); err != nil {
		return fmt.Errorf("sla extend: --to: %w", err)
	}
	if at != "" {
		if e.Consent.At, err = parseInstant(at, loc); err != nil {
			return fmt.Errorf("sla extend: --consent-at: %w", err)
		}
	}
	u, err := db.Registers().GetUserByUsername(ctx, user)
	if err != nil {
		return fmt.Errorf("sla extend: user %q: %w", user, err)
	}
	cm, err := db.Complaints().GetByNumber(ctx, number)
	if err != nil {
		return fmt.Errorf("sla extend: complaint %q: %w", number, err)
	}
	cases, err := casework.NewService(db.Cases(), c.Workflow, time.Now)
	if err != nil {
		return err
	}
	cases.Clocks = db.SLAClocks()
	actor := casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Username, IP: "cli"}}
	if err := cases.Extend(ctx, cm.ID, e, actor); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			for _, f := range ae.Fields {
				fmt.Fprintf(stderr, "  %s: %s %s\n", f.Field, f.Rule, f.Param)
			}
		}
		return fmt.Errorf("sla extend: %w", err)
	}
	fmt.Fprintln(stdout, e.DueAt.In(loc).Format(time.RFC3339))
	return nil
}
