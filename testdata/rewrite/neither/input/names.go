package neither

import "context"

var ctx = context.Background()

// usesGlobal refers to the package-level ctx: the parameter must not shadow it.
//
//trace:span
func usesGlobal() context.Context { return ctx }

// localCtx declares a local named ctx.
//
//trace:span
func localCtx(n int) int {
	ctx := n * 2
	return ctx + fact(n)
}

// traceCtx is taken as well.
//
//trace:span
func bothTaken(traceCtx int) int {
	ctx := traceCtx
	return ctx
}

// Callers without a context of their own pass context.TODO().
func Callers() (context.Context, int, int) {
	return usesGlobal(), localCtx(1), bothTaken(2)
}

// Results has a named context result, which holds nothing at the call.
func Results() (ctx context.Context, n int) {
	n = localCtx(4)
	return context.Background(), n
}
