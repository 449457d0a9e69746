package generated

import "context"

//trace:span
func Plain(ctx context.Context) {}
