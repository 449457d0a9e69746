package imports

import "context"

import "github.com/traceinject/traceinject/runtime"

//trace:span
func Single(ctx context.Context) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "imports.Single")
	defer span.End(nil)
	//trace:end
}
