package imports

import (
	"context"

	"github.com/traceinject/traceinject/runtime"
)

//trace:span
func Single(ctx context.Context) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "imports.Single")
	defer span.End(nil)
	//trace:end
}
