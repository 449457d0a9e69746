//go:build !unix

package testexec

import "os/exec"

// setProcessGroup leaves cmd as it is: without process groups, cancellation
// kills only cmd itself.
func setProcessGroup(cmd *exec.Cmd) {}
