// Package imports checks that the import block keeps its groups.
package imports

import (
	"context"
	"fmt"

	"github.com/opentracing/opentracing-go"
	"github.com/traceinject/traceinject/runtime"

	"github.com/traceinject/traceinject/testdata/rewrite/imports/local"
)

//trace:span
func Groups(ctx context.Context) string {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "imports.Groups")
	defer span.End(nil)
	//trace:end
	return fmt.Sprint(opentracing.SpanFromContext(ctx) != nil, local.Name)
}
