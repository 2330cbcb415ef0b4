package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkflowFile: an administrator's definition file replaces the shipped
// profile at start; a broken one stops kesu with a message naming the
// problem.
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
