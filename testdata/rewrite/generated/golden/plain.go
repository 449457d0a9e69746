package generated

import (
	"context"

	"github.com/traceinject/traceinject/runtime"
)

//trace:span
func Plain(ctx context.Context) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "generated.Plain")
	defer span.End(nil)
	//trace:end
}
