package names

import (
	"context"
	"errors"
	"strconv"

	"github.com/traceinject/traceinject/runtime"
)

// ErrNotNumber is returned for input that is not a number.
var ErrNotNumber = errors.New("not a number")

// NestedErr declares err only in nested blocks, so its error result is
// called err and those declarations shadow it, as they would by hand.
//
//trace:span
func NestedErr(ctx context.Context, s string) (_ int, err error) {
	//trace:begin v=1 results="(int, error)"
	ctx, span := runtime.Start(ctx, "names.NestedErr")
	defer span.End(&err)
	//trace:end
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	return 0, ErrNotNumber
}

// err is a package-level error under the name the result would like.
var err = errors.New("package-level err")

// PackageErr returns the package-level err, which an error result called
// err would shadow.
//
//trace:span
func PackageErr(ctx context.Context) (traceErr error) {
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "names.PackageErr")
	defer span.End(&traceErr)
	//trace:end
	return err
}

// Enclosed returns a function whose body refers to the enclosing err.
func Enclosed() func(context.Context) error {
	err := errors.New("enclosing err")
	//trace:span enclosed
	f := func(ctx context.Context) (traceErr error) {
		//trace:begin v=1 results="error"
		ctx, span := runtime.Start(ctx, "enclosed")
		defer span.End(&traceErr)
		//trace:end
		return err
	}
	return f
}
