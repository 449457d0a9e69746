package fidelity

import "context"

// Blank lines inside annotated bodies survive instrumentation and -remove.
//
//trace:span
func Blank(ctx context.Context) int {

	a := 1

	b := 2

	return a + b

}

//trace:span
func Commented(ctx context.Context) { // why
	// first
	_ = ctx
}

//trace:span
func OnlyComment(ctx context.Context) {
	// nothing to do
}

//trace:span
func Empty(ctx context.Context) {}

func Literal(ctx context.Context) func() {
	//trace:span
	f := func(ctx context.Context) {

		_ = ctx

	}
	return func() { f(ctx) }
}
