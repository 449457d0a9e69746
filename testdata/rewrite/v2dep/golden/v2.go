// Package v2dep imports a module whose path ends in a major version.
package v2dep

import (
	"context"

	"github.com/go-playground/validator/v10"
	"github.com/traceinject/traceinject/runtime"
)

var validate = validator.New()

// Check validates s.
//
//trace:span
func Check(ctx context.Context, s any) (err error) {
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "v2dep.Check")
	defer span.End(&err)
	//trace:end
	return validate.StructCtx(ctx, s)
}
