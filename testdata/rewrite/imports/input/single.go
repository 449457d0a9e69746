package imports

import "context"

//trace:span
func Single(ctx context.Context) {}
