// Package names has bodies that already use the names the injected code
// would like to declare.
package names

import (
	"context"
	"errors"
)

var span = "package-level span"

// TopLevelErr declares err at the top level of its body, so the error
// result cannot be called err.
//
//trace:span
func TopLevelErr(ctx context.Context) (string, error) {
	err := errors.New("boom")
	if ctx == nil {
		return "", nil
	}
	return span, err
}

// Locals uses span and ctx in nested scopes.
//
//trace:span
func Locals(context.Context) error {
	for ctx := 0; ctx < 1; ctx++ {
		span := ctx
		_ = span
	}
	return nil
}

// Shadowed takes a parameter called runtime.
//
//trace:span tag.runtime=runtime
func Shadowed(ctx context.Context, runtime string) (n int, _ error) {
	n = len(runtime)
	return
}
