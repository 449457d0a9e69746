//go:build unix

package rewriter

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, waiting for it when wait is set;
// it reports whether it holds the lock. The kernel releases it when the
// process ends, however it ends.
func lockFile(f *os.File, wait bool) bool {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err == nil
		}
	}
}

// owner returns the file's user and group ids.
func owner(fi fs.FileInfo) (uid, gid int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

func isEINVAL(err error) bool { return errors.Is(err, syscall.EINVAL) }
