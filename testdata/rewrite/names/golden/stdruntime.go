package names

import (
	"context"
	"runtime"

	traceruntime "github.com/traceinject/traceinject/runtime"
)

// Procs imports the standard runtime package.
//
//trace:span tag.procs=runtime.GOMAXPROCS(0)
func Procs(ctx context.Context) int {
	//trace:begin v=1
	ctx, span := traceruntime.Start(ctx, "names.Procs")
	traceruntime.SetTag(span, "procs", runtime.GOMAXPROCS(0))
	defer span.End(nil)
	//trace:end
	return runtime.NumCPU()
}
