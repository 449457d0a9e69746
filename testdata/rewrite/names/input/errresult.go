package names

import (
	"context"
	"errors"
	"strconv"
)

// ErrNotNumber is returned for input that is not a number.
var ErrNotNumber = errors.New("not a number")

// NestedErr declares err only in nested blocks, so its error result is
// called err and those declarations shadow it, as they would by hand.
//
//trace:span
func NestedErr(ctx context.Context, s string) (int, error) {
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
func PackageErr(ctx context.Context) error {
	return err
}

// Enclosed returns a function whose body refers to the enclosing err.
func Enclosed() func(context.Context) error {
	err := errors.New("enclosing err")
	//trace:span enclosed
	f := func(ctx context.Context) error {
		return err
	}
	return f
}
