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
)

// TestPrivacyCommands: "kesu privacy erase" erases a closed complaint as
// an administrator and refuses other users; "kesu privacy retention"
// erases what the retention period has passed.
func TestPrivacyCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, u := range [][2]string{{"boss", "admin"}, {"kefu", "agent"}} {
		if err := run(ctx, []string{"user", "add", "--data", dir, "--username", u[0], "--name", u[0], "--role", u[1],
			"--password", "pass-word-1"}, io.Discard, io.Discard, env(nil)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := app.Load(flagSet(), []string{"--data", dir}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, c, time.Now, app.NewLogger(c, io.Discard), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, closedDaysAgo := range []int{1, 40} {
		cm := &complaint.Complaint{Channel: "phone", Subject: "漏水", Description: "赵六来电 13812348000", Severity: "minor",
			Complainant: complaint.Complainant{Name: "赵六", Phone: "13812348000"}}
		if _, err := a.Deps.Complaints.Create(ctx, cm, complaint.CreateOptions{Actor: audit.System}); err != nil {
			t.Fatal(err)
		}
		closed := time.Now().AddDate(0, 0, -closedDaysAgo).UnixMicro()
		if _, err := a.DB.W.ExecContext(ctx, `UPDATE complaints SET status = 'closed', closed_at = ? WHERE id = ?`, closed, cm.ID); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, cm.Number)
	}
	a.Close()

	err = run(ctx, []string{"privacy", "erase", "--data", dir, "--number", numbers[0], "--reason", "客户要求", "--user", "kefu"},
		io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "may not erase") {
		t.Errorf("an agent erased: %v", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"privacy", "erase", "--data", dir, "--number", numbers[0], "--reason", "客户要求", "--user", "boss"},
		&out, io.Discard, env(nil)); err != nil || !strings.Contains(out.String(), numbers[0]+": personal data erased") {
		t.Errorf("erase: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"privacy", "retention", "--data", dir, "--retention-days", "30"}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), "of 1 complaints") {
		t.Errorf("retention: %v %q", err, out.String())
	}

	a, err = app.Open(ctx, c, time.Now, app.NewLogger(c, io.Discard), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, n := range numbers {
		got, err := a.Deps.ComplaintStore.GetByNumber(ctx, n)
		if err != nil || got.Complainant.Phone != "" || strings.Contains(got.Description, "赵六") {
			t.Errorf("%s after the commands: %+v %v", n, got, err)
		}
	}
}
