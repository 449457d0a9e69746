package imports

import (
	"context"
	"strings"

	"github.com/traceinject/traceinject/runtime"
)

//trace:span
func StdOnly(ctx context.Context, s string) string {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "imports.StdOnly")
	defer span.End(nil)
	//trace:end
	return strings.ToUpper(s)
}
