// Package v2dep imports a module whose path ends in a major version.
package v2dep

import (
	"context"

	"github.com/go-playground/validator/v10"
)

var validate = validator.New()

// Check validates s.
//
//trace:span
func Check(ctx context.Context, s any) error {
	return validate.StructCtx(ctx, s)
}
