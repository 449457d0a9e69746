package instr

// twice gets a context parameter, and its one call, in Fetch, Fetch's
// context: all in this package, so the fix makes those edits too.
//
/* want "twice: not instrumented; it has no context.Context parameter and gets one \\(run traceinject\\)" */ //trace:span
func twice(n int) int                                                                                        { return 2 * n } // want twice:"traced"
