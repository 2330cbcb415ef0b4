package app_test

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"kesu/internal/app"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/storage/storetest"
	"kesu/internal/workflow"
)

// flagVIP is the manufacturer lifecycle with one step more for registered
// complaints.
func flagVIP(t *testing.T) []byte {
	b := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"actions": [`, `"actions": [
    {"code": "flag_vip", "zh": "标记重要客户", "en": "Flag key customer", "from": ["registered"], "to": "@same", "roles": ["agent"]},`)
	return b
}

// Two servers on one database: a definition uploaded on one applies to
// complaints registered on the other once it has looked (every 10 s, or
// at once when it meets a case of the new version); a case keeps its
// version across restarts; --workflow-file adds a version only when the
// file differs from the newest one, however many servers start with it.
func TestWorkflowVersionsAcrossServers(t *testing.T) {
	run := func(t *testing.T, pgURL string) {
		ctx := t.Context()
		data := t.TempDir()
		open := func(args ...string) *app.App {
			cfg, err := app.Load(flag.NewFlagSet("kesu", flag.ContinueOnError),
				append([]string{"--data", data, "--db", pgURL, "--admin-password", "admin-pass-123"}, args...), func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.Open(ctx, cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			return a
		}
		register := func(s *app.App, subject string) *complaint.Complaint {
			t.Helper()
			c := &complaint.Complaint{Channel: "phone", Subject: subject, Description: subject + "，请处理。",
				Complainant: complaint.Complainant{Name: "李四", Phone: "13900001111"}}
			if _, err := s.Deps.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
				t.Fatal(err)
			}
			return c
		}
		// hasStep tells whether the case runs a version with flag_vip, as
		// server s sees it.
		hasStep := func(s *app.App, c *complaint.Complaint) bool {
			t.Helper()
			r, err := s.Cases.Load(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, ok := s.Cases.Definition(r).Action("flag_vip")
			return ok
		}

		a, b := open(), open()
		old := register(a, "上传前")
		if _, created, err := a.Cases.Definitions.Import(ctx, flagVIP(t), "增加标记重要客户", audit.System); err != nil || !created {
			t.Fatalf("upload = %v, %v", created, err)
		}
		fresh := register(a, "上传后")
		if old.ProfileVersion != 0 || fresh.ProfileVersion != 1 {
			t.Fatalf("versions %d and %d, want 0 and 1", old.ProfileVersion, fresh.ProfileVersion)
		}
		// b has not looked yet but runs the new case by its version.
		if !hasStep(b, fresh) || hasStep(b, old) {
			t.Fatal("server b does not run each case by its own version")
		}
		if c := register(b, "另一台服务器登记"); c.ProfileVersion != 1 {
			t.Errorf("server b registered version %d after loading version 1", c.ProfileVersion)
		}

		// Servers starting with the same file store it once; a restarted
		// server runs each case by its version.
		file := filepath.Join(t.TempDir(), "ours.json")
		raised := bytes.Replace(flagVIP(t), []byte(`"up_to": "2000"`), []byte(`"up_to": "5000"`), 1)
		if err := os.WriteFile(file, raised, 0o600); err != nil {
			t.Fatal(err)
		}
		a2, b2 := open("--workflow-file", file), open("--workflow-file", file)
		open("--workflow-file", file)
		if vs := a2.Cases.Definitions.Versions(workflow.ProfileManufacturer); len(vs) != 3 || vs[2].Note != "--workflow-file ours.json" {
			t.Fatalf("%d manufacturer versions after three starts with one file", len(vs))
		}
		if b2.Cases.Default != workflow.ProfileManufacturer || !hasStep(b2, fresh) || hasStep(b2, old) {
			t.Fatal("after a restart the cases do not keep their versions")
		}
		if c := register(b2, "重启后"); c.ProfileVersion != 2 {
			t.Errorf("registered with version %d after the file's upload", c.ProfileVersion)
		}
		if c, err := b.Deps.ComplaintStore.Get(ctx, old.ID); err != nil || c.ProfileVersion != 0 {
			t.Errorf("stored version of the old case %v, %v", c.ProfileVersion, err)
		}

		// --workflow may name an uploaded profile.
		retail := storetest.WorkflowVariant(t, workflow.ProfileService, `"profile": "service"`, `"profile": "retail"`)
		if _, _, err := a2.Cases.Definitions.Import(ctx, retail, "", audit.System); err != nil {
			t.Fatal(err)
		}
		if c := register(open("--workflow", "retail"), "零售"); c.Profile != "retail" || c.ProfileVersion != 1 {
			t.Errorf("registered under %s v%d with --workflow retail", c.Profile, c.ProfileVersion)
		}
		cfg, _ := app.Load(flag.NewFlagSet("kesu", flag.ContinueOnError), []string{"--data", data, "--db", pgURL, "--workflow", "outlet"},
			func(string) string { return "" })
		if _, err := app.Open(ctx, cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard); err == nil {
			t.Error("a server started with an unknown profile")
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "") })
	if u := os.Getenv("KESU_TEST_POSTGRES_URL"); u != "" {
		t.Run("postgres", func(t *testing.T) { run(t, freshSchema(t, u)) })
	}
}
