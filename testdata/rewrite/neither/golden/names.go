package neither

import "context"

import "github.com/traceinject/traceinject/runtime"

var ctx = context.Background()

// usesGlobal refers to the package-level ctx: the parameter must not shadow it.
//
//trace:span
func usesGlobal(traceCtx context.Context) context.Context {
	//trace:begin v=1 body="oneline"
	traceCtx, span := runtime.Start(traceCtx, "neither.usesGlobal")
	defer span.End(nil)
	//trace:end
	return ctx
}

// localCtx declares a local named ctx.
//
//trace:span
func localCtx(traceCtx context.Context, n int) int {
	//trace:begin v=1
	traceCtx, span := runtime.Start(traceCtx, "neither.localCtx")
	defer span.End(nil)
	//trace:end
	ctx := n * 2
	return ctx + fact(traceCtx, n)
}

// traceCtx is taken as well.
//
//trace:span
func bothTaken(traceCtx1 context.Context, traceCtx int) int {
	//trace:begin v=1
	traceCtx1, span := runtime.Start(traceCtx1, "neither.bothTaken")
	defer span.End(nil)
	//trace:end
	ctx := traceCtx
	return ctx
}

// Callers without a context of their own pass context.TODO().
func Callers() (context.Context, int, int) {
	return usesGlobal(context.TODO()), localCtx(context.TODO(), 1), bothTaken(context.TODO(), 2)
}

// Results has a named context result, which holds nothing at the call.
func Results() (ctx context.Context, n int) {
	n = localCtx(context.TODO(), 4)
	return context.Background(), n
}
