package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// PeakRSSMB returns the process's peak resident set in MB (VmHWM on
// Linux, 0 elsewhere). In the benchmarks client and server share the
// process, so it is an upper bound for the server.
func PeakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
