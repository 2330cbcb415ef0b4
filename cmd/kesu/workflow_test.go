package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kesu/internal/workflow"
)

// TestWorkflowFile: an administrator's definition file is imported at
// start and its profile becomes the default; a broken one stops kesu with
// a message naming the problem.
func TestWorkflowFile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "workflow", "profiles", "manufacturer.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "ours.json")
	custom := strings.Replace(string(src), `"profile": "manufacturer"`, `"profile": "ours"`, 1)
	if custom == string(src) {
		t.Fatal("profile name not found in the shipped file")
	}
	os.WriteFile(good, []byte(custom), 0o600)
	m := NewMain(io.Discard, io.Discard, env(nil))
	if err := m.ParseFlags([]string{"--data", filepath.Join(dir, "d1"), "--workflow-file", good}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	broken := strings.Replace(custom, `"to": "closed"`, `"to": "nowhere"`, 1)
	os.WriteFile(bad, []byte(broken), 0o600)
	for _, c := range []struct{ file, want string }{{bad, "nowhere"}, {filepath.Join(dir, "missing.json"), "workflow file"}} {
		m := NewMain(io.Discard, io.Discard, env(nil))
		if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "d2"), "--workflow-file", c.file}); err != nil {
			t.Fatal(err)
		}
		err := m.Run(t.Context())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: serve should refuse to start naming %q, got %v", c.file, c.want, err)
		}
	}
	// The good file starts.
	base, _ := startServe(t, filepath.Join(dir, "d3"), "--workflow-file", good)
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
}

// workflowRun runs "kesu workflow …" on the data folder dir.
func workflowRun(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := workflowCmd(t.Context(), args, &out, io.Discard, env(map[string]string{"KESU_DATA": dir}))
	return out.String(), err
}

// The workflow commands list the shipped profiles without creating a
// database, import a file as a new version (a bad one refused, stored
// nothing; the same one twice stored once) and print any version back.
func TestWorkflowCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, err := workflowRun(t, dir, "list")
	if err != nil || strings.Count(out, " v0  * ") != 3 || !strings.Contains(out, "shipped") {
		t.Fatalf("list: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kesu.db")); !os.IsNotExist(err) {
		t.Errorf("list created a database: %v", err)
	}

	src, err := workflow.ProfileSource(workflow.ProfileManufacturer)
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	bad := filepath.Join(files, "bad.json")
	os.WriteFile(bad, bytes.Replace(src, []byte(`"to": "closed"`), []byte(`"to": "nowhere"`), 1), 0o600)
	if _, err := workflowRun(t, dir, "import", bad); err == nil || !strings.Contains(err.Error(), "actions[close].to") ||
		!strings.Contains(err.Error(), "nothing stored") {
		t.Fatalf("bad file: %v", err)
	}
	good := filepath.Join(files, "good.json")
	raised := bytes.Replace(src, []byte(`"up_to": "2000"`), []byte(`"up_to": "5000"`), 1)
	os.WriteFile(good, raised, 0o600)
	if out, err := workflowRun(t, dir, "import", good, "--note", "经理审批额度提高"); err != nil || !strings.HasPrefix(out, "manufacturer v1 imported") {
		t.Fatalf("import: %q, %v", out, err)
	}
	if out, err := workflowRun(t, dir, "import", "--note", "again", good); err != nil || !strings.Contains(out, "nothing stored") {
		t.Fatalf("import again: %q, %v", out, err)
	}
	out, err = workflowRun(t, dir, "list")
	if err != nil || !strings.Contains(out, "manufacturer     v1  * ") || !strings.Contains(out, "cli  ") ||
		!strings.Contains(out, "(经理审批额度提高)") || strings.Contains(out, "manufacturer     v0  *") {
		t.Fatalf("list after the import:\n%s%v", out, err)
	}
	if out, err := workflowRun(t, dir, "export", "manufacturer"); err != nil || out != string(raised) {
		t.Errorf("export of the newest: %v", err)
	}
	if out, err := workflowRun(t, dir, "export", "manufacturer", "--version", "0"); err != nil || out != string(src) {
		t.Errorf("export of version 0: %v", err)
	}
	for _, args := range [][]string{{"export", "retail"}, {"export", "bank", "--version", "3"}, {"import"}, {"frobnicate"}} {
		if _, err := workflowRun(t, dir, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
