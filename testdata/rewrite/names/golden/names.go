// Package names has bodies that already use the names the injected code
// would like to declare.
package names

import (
	"context"
	"errors"

	traceruntime "github.com/traceinject/traceinject/runtime"
)

var span = "package-level span"

// TopLevelErr declares err at the top level of its body, so the error
// result cannot be called err.
//
//trace:span
func TopLevelErr(ctx context.Context) (_ string, traceErr error) {
	//trace:begin v=1 results="(string, error)"
	ctx, traceSpan := traceruntime.Start(ctx, "names.TopLevelErr")
	defer traceSpan.End(&traceErr)
	//trace:end
	err := errors.New("boom")
	if ctx == nil {
		return "", nil
	}
	return span, err
}

// Locals uses span and ctx in nested scopes.
//
//trace:span
func Locals(traceCtx context.Context) (err error) {
	//trace:begin v=1 params="(context.Context)" results="error"
	traceCtx, traceSpan := traceruntime.Start(traceCtx, "names.Locals")
	defer traceSpan.End(&err)
	//trace:end
	for ctx := 0; ctx < 1; ctx++ {
		span := ctx
		_ = span
	}
	return nil
}

// Shadowed takes a parameter called runtime.
//
//trace:span tag.runtime=runtime
func Shadowed(ctx context.Context, runtime string) (n int, err error) {
	//trace:begin v=1 results="(n int, _ error)"
	ctx, span := traceruntime.Start(ctx, "names.Shadowed")
	traceruntime.SetTag(span, "runtime", runtime)
	defer span.End(&err)
	//trace:end
	n = len(runtime)
	return
}
