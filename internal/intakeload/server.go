package intakeload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// kesuBinary is the kesu binary to run: the one given, or one built into
// a temporary folder that done removes.
func kesuBinary(ctx context.Context, given string, progress io.Writer) (bin string, done func(), err error) {
	if given != "" {
		return given, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kesu-load-bin-")
	if err != nil {
		return "", nil, err
	}
	fmt.Fprintln(progress, "building kesu")
	if bin, err = Build(ctx, dir); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// Build compiles kesu from the module the current directory belongs to
// into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "kesu")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "kesu/cmd/kesu")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build kesu (run from inside the kesu module, or pass a binary): %w\n%s", err, out.String())
	}
	return bin, nil
}

// childEnv is this process's environment without kesu's own settings, so
// that none of the caller's KESU_* variables reaches the server under test,
// plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KESU_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// cli runs a one-shot kesu command and returns what it printed.
func cli(ctx context.Context, bin string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kesu %s: %w: %s", strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// server is a running "kesu serve" child process.
type server struct {
	cmd  *exec.Cmd
	Base string // http://host:port
	Pid  int
	Log  string // file holding its stdout and stderr
	done chan error
}

var listening = regexp.MustCompile(`kesu is running at (http://[^/ ]+)/`)

// startServer starts "kesu serve" with args, waits until it listens and
// answers /readyz, and returns it. Its output goes to logPath.
func startServer(ctx context.Context, bin string, env []string, logPath string, args ...string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = env
	cmd.Stderr = logf
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start kesu serve: %w", err)
	}
	s := &server{cmd: cmd, Pid: cmd.Process.Pid, Log: logPath, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		// Find the address in the first lines, then keep copying so the
		// child never blocks on a full pipe.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		io.Copy(logf, stdout)
		s.done <- cmd.Wait()
		logf.Close()
	}()
	select {
	case s.Base = <-addr:
	case err := <-s.done:
		return nil, fmt.Errorf("kesu serve stopped at start (%v): %s", err, tail(logPath))
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("kesu serve did not start within 2 minutes: %s", tail(logPath))
	}
	for deadline := time.Now().Add(time.Minute); ; {
		resp, err := http.Get(s.Base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("kesu serve not ready: %v %s", err, tail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop asks the server to shut down gracefully and kills it if it has not
// stopped within 30 s.
func (s *server) stop() error {
	if s == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err // a second stop sees it too
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("kesu serve exited with %v: %s", err, tail(s.Log))
		}
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		err := <-s.done
		s.done <- err
		return fmt.Errorf("kesu serve did not stop within 30 s and was killed")
	}
}

// alive reports whether the server process is still running.
func (s *server) alive() bool {
	select {
	case err := <-s.done:
		s.done <- err
		return false
	default:
		return true
	}
}

// procStatusKB reads a "Name:  123 kB" line of /proc/pid/status; 0 when
// not on Linux or the process is gone.
func procStatusKB(pid int, name string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// clockTicks is USER_HZ, the unit of /proc CPU times; 100 on every Linux
// kesu runs on.
const clockTicks = 100

// procCPU is the user+system CPU time a process has used so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields count from after its ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / clockTicks
}

// machineCPU is the busy and total CPU time of the whole machine so far
// (/proc/stat), to tell how much of the two cores the run had.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	var sum, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest time is already counted in user
			break
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return time.Duration(sum-idle) * time.Second / clockTicks, time.Duration(sum) * time.Second / clockTicks
}

// tail returns the last lines of a log file for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// freeAddr is a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cpuProfile writes the CPU profile the server at debug takes over d.
func cpuProfile(ctx context.Context, debug string, d time.Duration, file string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", debug, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
