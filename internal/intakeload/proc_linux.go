//go:build linux

package intakeload

import (
	"syscall"
	"time"
)

// childAttr puts the server in a process group of its own, so a Ctrl-C on
// the terminal reaches only this process, which then stops the server in
// order; and has the kernel kill the server if this process dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// selfCPU is the user+system CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
