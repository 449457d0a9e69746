package instr

import "context"

// Double calls Compute: its file changes with Compute's callers, so the
// command instruments it.
//
/* want "Double: not instrumented \\(run traceinject\\)" */ //trace:span
func Double(ctx context.Context) int                        { return Compute(2) } // want Double:"traced"
