package instr

import "context"

import "github.com/traceinject/traceinject/runtime"

// Count counts; its directive changed after it was instrumented.
//
/* want "Count: instrumentation is stale" */ //trace:span counting
func Count(ctx context.Context, n int) int { // want Count:"traced"
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "instr.Count")
	defer span.End(nil)
	//trace:end
	return n + 1
}
