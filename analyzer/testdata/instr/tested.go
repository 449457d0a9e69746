package instr

// thrice gets a context parameter, and its call in a test an argument:
// the fix would edit a test file, so the command does it.
//
/* want "thrice: not instrumented; it has no context.Context parameter and gets one \\(run traceinject: its callers pass a context\\)" */ //trace:span
func thrice(n int) int                                                                                                                    { return 3 * n } // want thrice:"traced"
