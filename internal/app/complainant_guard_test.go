package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/desk"
	"kesu/internal/org"
)

// TestInternalEntryNeverReachesTheComplainant: the message the
// complainant's channel builds is checked against the internal
// knowledge-base entries itself, not only the case form before it, so no
// path that reaches the outbox can send confidential technical data.
func TestInternalEntryNeverReachesTheComplainant(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)}
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.AdminPassword = "admin-pass-123"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	cs, err := a.DB.Cases().DepartmentByCode(ctx, "cs")
	if err != nil {
		t.Fatal(err)
	}
	mgr := &org.User{Username: "kb.mgr", Name: "kb.mgr", Role: org.RoleManager, DepartmentID: &cs}
	if err := a.DB.Registers().CreateUser(ctx, mgr, "!", audit.System); err != nil {
		t.Fatal(err)
	}
	secret := "快接头内控耐压值为1.2兆帕，低于标准值，不得对外"
	if err := a.Deps.Desk.CreateEntry(ctx, &desk.Entry{Category: "quality", Title: "接头耐压内控值", Body: secret, Internal: true},
		casework.Actor{User: mgr, Audit: audit.Actor{UserID: mgr.ID, Name: mgr.Name}}); err != nil {
		t.Fatal(err)
	}
	c := &complaint.Complaint{Channel: "phone", Subject: "接头漏水", Description: "厨房接头滴水", Category: "quality.leak",
		Complainant: complaint.Complainant{Name: "钱女士", Phone: "13900003333"}, DepartmentID: &cs}
	if _, err := a.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatal(err)
	}
	r := &casework.Record{ComplaintID: c.ID, Number: c.Number, Version: 1}
	if j, err := a.Cases.ReplyJob(ctx, r, "final", "您好，经检测："+secret); err == nil || !apperr.Is(err, apperr.Forbidden) || j != nil {
		t.Fatalf("a reply quoting the internal entry was built into a message: job %v, err %v", j, err)
	}
	j, err := a.Cases.ReplyJob(ctx, r, "final", "您好，已为您更换快接头，如仍滴水请来电。")
	if err != nil || j == nil {
		t.Fatalf("an ordinary reply was not sent: job %v, err %v", j, err)
	}
}
