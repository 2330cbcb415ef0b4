//go:build !linux

package intakeload

import (
	"syscall"
	"time"
)

// childAttr has nothing to add outside Linux; the figures read from /proc
// are then zero.
func childAttr() *syscall.SysProcAttr { return nil }

// selfCPU is not measured outside Linux.
func selfCPU() time.Duration { return 0 }
