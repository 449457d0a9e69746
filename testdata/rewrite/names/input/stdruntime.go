package names

import (
	"context"
	"runtime"
)

// Procs imports the standard runtime package.
//
//trace:span tag.procs=runtime.GOMAXPROCS(0)
func Procs(ctx context.Context) int {
	return runtime.NumCPU()
}
