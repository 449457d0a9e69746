package imports

import (
	"context"
	"strings"
)

//trace:span
func StdOnly(ctx context.Context, s string) string { return strings.ToUpper(s) }
