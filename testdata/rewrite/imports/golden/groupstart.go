package imports

import (
	"context"

	"github.com/traceinject/traceinject/runtime"
	// errgroup sorts after the runtime package, in a group of its own.
	"golang.org/x/sync/errgroup"
)

//trace:span
func GroupStart(ctx context.Context) (err error) {
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "imports.GroupStart")
	defer span.End(&err)
	//trace:end
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return ctx.Err() })
	return g.Wait()
}
