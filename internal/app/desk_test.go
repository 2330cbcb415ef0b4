package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/desk"
	"kesu/internal/org"
)

// TestHandoverReminder: a handover not acknowledged within the grace
// period reminds the rostered duty manager through the job table, once;
// an acknowledged one reminds nobody.
func TestHandoverReminder(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)} // 09:00 in Shanghai
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.AdminPassword = "admin-pass-123"
	a, err := app.Open(ctx, cfg, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	cs, err := a.DB.Cases().DepartmentByCode(ctx, "cs")
	if err != nil {
		t.Fatal(err)
	}
	user := func(name, role string) *org.User {
		u := &org.User{Username: name, Name: name, Role: role, DepartmentID: &cs}
		if err := a.DB.Registers().CreateUser(ctx, u, "!", audit.System); err != nil {
			t.Fatal(err)
		}
		return u
	}
	mgr, lead, out, in := user("mgr", org.RoleManager), user("lead", org.RoleHandler), user("out", org.RoleAgent), user("in", org.RoleAgent)
	act := func(u *org.User) casework.Actor {
		return casework.Actor{User: u, Audit: audit.Actor{UserID: u.ID, Name: u.Name}}
	}
	svc := a.Deps.Desk
	if err := svc.CreateShift(ctx, &desk.Shift{Code: "day", Name: "白班", Start: "08:00", Minutes: 600}, act(mgr)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddToRoster(ctx, cs, []desk.RosterEntry{{Day: "2026-03-10", Shift: "day", UserID: lead.ID, DutyManager: true}}, act(mgr)); err != nil {
		t.Fatal(err)
	}
	left := &desk.Handover{DepartmentID: cs, Issues: "漏水投诉客户情绪激动，需回电"}
	acked := &desk.Handover{DepartmentID: cs, Equipment: "一切正常"}
	for _, h := range []*desk.Handover{left, acked} {
		if err := svc.WriteHandover(ctx, h, act(out)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AckHandover(ctx, acked.ID, act(in)); err != nil {
		t.Fatal(err)
	}
	notices := func(u int64) int {
		ns, err := a.DB.SLAClocks().Notifications(ctx, u, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(ns)
	}
	if n, err := a.Worker.RunDue(ctx); err != nil || notices(lead.ID) != 0 {
		t.Fatalf("before the grace period: ran %d %v, %d notices", n, err, notices(lead.ID))
	}
	clk.Add(31 * time.Minute)
	for range 2 {
		if _, err := a.Worker.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ns, err := a.DB.SLAClocks().Notifications(ctx, lead.ID, false, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != "desk.handover" {
		t.Fatalf("duty manager notices %+v %v", ns, err)
	}
	if notices(mgr.ID) != 0 {
		t.Fatal("the department manager was reminded while a duty manager is rostered")
	}
}
