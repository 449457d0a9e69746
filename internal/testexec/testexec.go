// Package testexec starts the child processes of the project's tests (go
// build, protoc, buf, the built commands) so that they never outlive the test
// binary: each runs in its own process group, which is killed when the test's
// context ends. That context ends a little before the -timeout of `go test`,
// so a slow child makes its test fail (and its temporary directories are
// removed by the normal cleanup) instead of the test binary panicking and
// leaving an orphaned compiler and temporary directories behind.
package testexec

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// grace is how long before the test binary's deadline children are killed:
// enough for the test to report the failure and run its cleanups.
const grace = 10 * time.Second

// Command is exec.Command bound to t: the process (and everything it
// started) is killed when t's deadline is near or t finishes.
func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	ctx := Context(t)
	cmd := exec.CommandContext(ctx, name, args...)
	setProcessGroup(cmd)
	cmd.WaitDelay = grace / 2
	return cmd
}

// Context returns a context that is done shortly before t's deadline (the
// -timeout of go test), or when t finishes.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := deadline(t); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-grace))
	}
	t.Cleanup(cancel)
	return ctx
}

func deadline(t testing.TB) (time.Time, bool) {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return dt.Deadline()
	}
	return time.Time{}, false
}
