//go:build unix

package testexec

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChildrenDieWithTheTest: when the test that started a command ends, the
// command and the processes it started (as go build starts the compiler)
// are killed, not left running.
func TestChildrenDieWithTheTest(t *testing.T) {
	var grandchild int
	var cmd *exec.Cmd
	start := time.Now()
	t.Run("start", func(t *testing.T) {
		cmd = Command(t, "sh", "-c", "sleep 60 & echo $!; wait")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if grandchild, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
			t.Fatal(err)
		}
	})
	if grandchild == 0 {
		t.Fatal("no grandchild started")
	}
	cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for alive(grandchild) {
		if time.Now().After(deadline) {
			syscall.Kill(grandchild, syscall.SIGKILL)
			t.Fatalf("process %d, started by the command, outlived its test", grandchild)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the command ran for %v: it was not killed when its test ended", d)
	}
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its reaper has).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: trust kill
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}
