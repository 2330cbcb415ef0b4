package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/storage/sqlite"
)

// TestRegistrationWork: complaints registered through the API of a
// running kesu have their time-limit clocks when the answer comes (they
// start in the registration transaction) and, at the fifth quality
// complaint about one batch, a batch incident raised by the job worker
// that serve runs, after the intake commits.
func TestRegistrationWork(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "kefu", "--name", "客服", "--role", "agent",
		"--password", "agent-pass-1"}, io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "kefu"}, &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	base, _ := startServe(t, dir)
	for i := 0; i < 5; i++ {
		body := fmt.Sprintf(`{"channel":"phone","subject":"净水器漏水 %d","description":"同一批次漏水","category":"quality.leak","severity":"major","complainant":{"name":"客户%d","phone":"13800138%03d"},"batch_no":"20261101-B07"}`, i, i, i)
		req, _ := http.NewRequest("POST", base+"/api/v1/complaints", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("complaint %d: status %d", i, resp.StatusCode)
		}
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "kesu.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var clocks int
	db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaint_clocks`).Scan(&clocks)
	if clocks != 5 {
		t.Fatalf("clocks for %d of 5 complaints when registered", clocks)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var incidents int
		db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM batch_incidents WHERE batch_no = '20261101-B07' AND status = 'open'`).Scan(&incidents)
		if incidents == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %d open incidents (want 1)", incidents)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
