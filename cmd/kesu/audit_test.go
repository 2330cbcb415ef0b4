package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditCommands: "kesu audit verify" says which checks it made,
// "kesu audit anchor" exports the head, and serve writes anchors itself.
func TestAuditCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "liqa", "--name", "李质检", "--role", "handler",
		"--password", "pass-word-1"}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), ", intact") || !strings.Contains(out.String(), "anchors: none") {
		t.Errorf("verify without anchors: %v %q", err, out.String())
	}
	file := filepath.Join(t.TempDir(), "anchors.jsonl")
	out.Reset()
	if err := run(ctx, []string{"audit", "anchor", "--data", dir, "--audit-anchor", file}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), "anchored entry") {
		t.Errorf("anchor: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir, "--audit-anchor", file}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), "anchors: 1 in "+file+" match the chain") {
		t.Errorf("verify with anchors: %v %q", err, out.String())
	}
	// An anchor file that does not belong to this chain fails the check.
	other := filepath.Join(t.TempDir(), "other.jsonl")
	os.WriteFile(other, []byte(`{"at":"2026-01-01T00:00:00Z","id":1,"hash":"`+strings.Repeat("0", 64)+`"}`+"\n"), 0o600)
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir, "--audit-anchor", other}, &out, io.Discard, env(nil)); err == nil ||
		!strings.Contains(out.String(), "entry 1 differs from its anchor") {
		t.Errorf("verify against foreign anchors: %v %q", err, out.String())
	}

	served := filepath.Join(t.TempDir(), "served.jsonl")
	startServe(t, dir, "--audit-anchor", served)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(served); err == nil && strings.Contains(string(b), `"hash"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve wrote no anchor within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAuditKeyFile: with audit-key-file the chain is keyed from the next
// entry, verification says so, and the data folder no longer opens
// without the key.
func TestAuditKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := run(ctx, []string{"migrate", "--data", dir}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	os.WriteFile(keyFile, []byte("key = "+strings.Repeat("0123456789abcdef", 4)+"\n"), 0o600)
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", dir, "--audit-key-file", keyFile}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), "keyed: entries from ") {
		t.Errorf("verify with a key: %v %q", err, out.String())
	}
	if b, _ := os.ReadFile(keyFile); !strings.Contains(string(b), "from = ") {
		t.Errorf("the key file does not record where the key applies from:\n%s", b)
	}
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "liqa", "--name", "李质检", "--role", "handler",
		"--password", "pass-word-1", "--audit-key-file", keyFile}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	err := run(ctx, []string{"audit", "verify", "--data", dir}, io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "keyed from entry") {
		t.Errorf("opening the keyed chain without its key: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir, "--audit-key-file", keyFile}, &out, io.Discard, env(nil)); err != nil ||
		!strings.Contains(out.String(), ", intact") {
		t.Errorf("verify after keyed writes: %v %q", err, out.String())
	}
}
