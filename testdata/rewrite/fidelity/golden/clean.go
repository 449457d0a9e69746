package fidelity

import "context"

import "github.com/traceinject/traceinject/runtime"

// Blank lines inside annotated bodies survive instrumentation and -remove.
//
//trace:span
func Blank(ctx context.Context) int {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "fidelity.Blank")
	defer span.End(nil)
	//trace:end

	a := 1

	b := 2

	return a + b

}

//trace:span
func Commented(ctx context.Context) { // why
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "fidelity.Commented")
	defer span.End(nil)
	//trace:end
	// first
	_ = ctx
}

//trace:span
func OnlyComment(ctx context.Context) {
	// nothing to do
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "fidelity.OnlyComment")
	defer span.End(nil)
	//trace:end
}

//trace:span
func Empty(ctx context.Context) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "fidelity.Empty")
	defer span.End(nil)
	//trace:end
}

func Literal(ctx context.Context) func() {
	//trace:span
	f := func(ctx context.Context) {
		//trace:begin v=1
		ctx, span := runtime.Start(ctx, "fidelity.Literal.func1")
		defer span.End(nil)
		//trace:end

		_ = ctx

	}
	return func() { f(ctx) }
}
