package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"kesu/internal/audit"
)

const auditUsage = `Usage:
  kesu audit verify [--audit-anchor FILE] [settings]
  kesu audit anchor --audit-anchor FILE [settings]

"verify" walks the whole audit chain (with audit-key-file, the keyed
entries as HMACs under the key) and, with the audit-anchor setting, checks
it against the heads exported to that file; it says which checks it made
and fails when the log was tampered with. "anchor" appends the chain's
head to the anchor file now (kesu serve does it every audit-anchor-minutes).
`

// auditCmd runs "kesu audit …".
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "anchor") {
		fmt.Fprint(stderr, auditUsage)
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("audit: verify or anchor expected")
	}
	c, db, err := openFromFlags(ctx, "kesu audit "+args[0], args[1:], stderr, getenv, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	var anchors *audit.Anchors
	if c.AuditAnchor != "" {
		anchors = &audit.Anchors{Store: db.Audit(), Path: c.AuditAnchor, Now: time.Now}
	}
	if args[0] == "anchor" {
		if anchors == nil {
			return errors.New("audit anchor: the audit-anchor setting names no file")
		}
		an, wrote, err := anchors.Write(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("audit anchor: %w", err)
		case an.ID == 0:
			fmt.Fprintln(stdout, "the audit log is empty: nothing to anchor")
		case wrote:
			fmt.Fprintf(stdout, "anchored entry %d (%s) in %s\n", an.ID, an.Hash, c.AuditAnchor)
		default:
			fmt.Fprintf(stdout, "entry %d is anchored already in %s\n", an.ID, c.AuditAnchor)
		}
		return nil
	}
	v, err := audit.Verify(ctx, db.Audit(), anchors)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(stdout, "chain: %d entries recomputed from the first", v.Checked)
	if v.BadID != 0 && (v.Anchors == nil || v.Anchors.BadID != v.BadID) {
		fmt.Fprintf(stdout, ", broken at entry %d\n", v.BadID)
	} else {
		fmt.Fprintln(stdout, ", intact")
	}
	if v.KeyedFrom > 0 {
		fmt.Fprintf(stdout, "keyed: entries from %d on checked as HMAC-SHA256 under the key of %s (entries before %d were written before the key was set)\n",
			v.KeyedFrom, c.AuditKeyFile, v.KeyedFrom)
	} else {
		fmt.Fprintln(stdout, "keyed: no (audit-key-file is not set)")
	}
	if v.Anchors == nil {
		fmt.Fprintln(stdout, "anchors: none (audit-anchor is not set): the chain alone does not show a history rewritten with every hash recomputed")
	} else {
		a := v.Anchors
		switch {
		case a.BadID != 0:
			fmt.Fprintf(stdout, "anchors: entry %d differs from its anchor in %s: the history up to it was rewritten\n", a.BadID, a.File)
		case a.Last == nil:
			fmt.Fprintf(stdout, "anchors: %s holds no anchor yet\n", a.File)
		default:
			fmt.Fprintf(stdout, "anchors: %d in %s match the chain (the last, entry %d, from %s)\n", a.Anchors, a.File, a.Last.ID,
				a.Last.At.Format(time.RFC3339))
		}
	}
	if !v.OK {
		return fmt.Errorf("audit verify: the audit log was tampered with at entry %d", v.BadID)
	}
	return nil
}
