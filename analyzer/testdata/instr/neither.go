package instr

// Compute gets a context parameter from traceinject, and its callers an
// argument: no fix here.
//
/* want "Compute: not instrumented; it has no context.Context parameter and gets one \\(run traceinject: its callers, in other packages too, pass a context\\)" */ //trace:span
func Compute(n int) int                                                                                                                                            { return n * 2 } // want Compute:"traced"
