package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// The classic example: 100 calls per 30 minutes, 180 s each, 80 % within
// 20 s needs 14 counters.
func TestQueuePlanCommand(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"queue", "plan", "--arrivals", "100", "--per", "30m", "--handle", "180s",
		"--target", "20s", "--level", "0.8"}, &out, io.Discard, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"Offered load: 10 Erlangs", "meeting it: 14", "88.8%", "17.4%", "7.84", "79.6%", "Assumptions:"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(s, "14") || !strings.Contains(lineWith(s, "recommended"), "14") {
		t.Errorf("the recommended row is not 14:\n%s", s)
	}
	err = run(context.Background(), []string{"queue", "plan", "--arrivals", "100", "--per", "30m", "--handle", "180s", "--level", "2"},
		io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "--level") {
		t.Errorf("a level of 2 is refused naming the flag: %v", err)
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
