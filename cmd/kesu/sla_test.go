package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/storage/sqlite"
)

// "kesu sla extend" moves a running time limit only with the customer's
// consent, as the case page does, and records who did it.
func TestSLAExtendCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "liqa", "--name", "李质检", "--role", "handler",
		"--password", "handler-pass-1"}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, dir+"/kesu.db", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rules, _, _, err := app.NewRules(ctx, app.Defaults(), db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.SLA = rules
	svc := &complaint.Service{Store: db.Complaints(), Now: time.Now, Loc: time.UTC, Pattern: mustPattern(t), ExpectedDays: 15}
	c := &complaint.Complaint{Channel: "phone", Subject: "净水器漏水", Description: "漏水", Complainant: complaint.Complainant{Name: "张先生"}}
	// The handler received the complaint: it is theirs to work on.
	liqa, err := db.Registers().GetUserByUsername(ctx, "liqa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, c, complaint.CreateOptions{Actor: audit.Actor{UserID: liqa.ID, Name: liqa.Username}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	to := time.Now().AddDate(0, 0, 30).Format("2006-01-02T15:04")
	args := []string{"sla", "extend", "--data", dir, "--number", c.Number, "--policy", "sla_9", "--to", to, "--user", "liqa",
		"--consent-by", "张先生", "--consent-how", "phone"}
	var errOut bytes.Buffer
	if err := run(ctx, args, io.Discard, &errOut, env(nil)); err == nil || !strings.Contains(errOut.String(), "consent.at: required") {
		t.Fatalf("extension without the consent time: %v\n%s", err, errOut.String())
	}
	var out bytes.Buffer
	args = append(args, "--consent-at", time.Now().Add(-time.Hour).Format("2006-01-02T15:04"), "--reason", "等待配件")
	if err := run(ctx, args, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), to[:10]) {
		t.Fatalf("printed %q", out.String())
	}
	db, err = sqlite.Open(ctx, dir+"/kesu.db", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.Complaints().Timeline(ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Kind != "sla_extended" || last.ActorName != "liqa" {
		t.Fatalf("timeline %+v", last)
	}
}

func mustPattern(t *testing.T) complaint.Pattern {
	p, err := complaint.ParsePattern(complaint.DefaultPattern)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
