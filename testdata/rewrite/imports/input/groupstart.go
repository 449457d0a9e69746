package imports

import (
	"context"

	// errgroup sorts after the runtime package, in a group of its own.
	"golang.org/x/sync/errgroup"
)

//trace:span
func GroupStart(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return ctx.Err() })
	return g.Wait()
}
