package generated

import "context"

import "github.com/traceinject/traceinject/runtime"

//trace:span
func Plain(ctx context.Context) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "generated.Plain")
	defer span.End(nil)
	//trace:end
}
