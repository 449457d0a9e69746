package neither

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/traceinject/traceinject/runtime"
)

// fact is recursive.
//
//trace:span
func fact(ctx context.Context, n int) int {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.fact")
	defer span.End(nil)
	//trace:end
	if n <= 1 {
		return 1
	}
	return n * fact(ctx, n-1)
}

// Spawn calls from a closure, a goroutine and a deferred call; its context
// parameter is unnamed.
//
//trace:span
func Spawn(ctx context.Context, n int) int {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.Spawn")
	defer span.End(nil)
	//trace:end
	var wg sync.WaitGroup
	wg.Add(1)
	go work(ctx, &wg)
	defer done(ctx)
	f := func() int { return fact(ctx, n) }
	wg.Wait()
	return f()
}

// work runs in a goroutine.
//
//trace:span
func work(ctx context.Context, wg *sync.WaitGroup) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "neither.work")
	defer span.End(nil)
	//trace:end
	defer wg.Done()
}

// done is deferred.
//
//trace:span
func done(ctx context.Context) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "neither.done")
	defer span.End(nil)
	//trace:end
}

// Nearest passes the nearest context: a local one derived from its
// parameter.
func Nearest(parent context.Context) (int, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	return fact(ctx, 3), ctx
}

// Generic is a generic function.
//
//trace:span
func Generic[T any](ctx context.Context, v T) T {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "neither.Generic")
	defer span.End(nil)
	//trace:end
	return v
}

// Instantiate calls it explicitly instantiated.
func Instantiate(ctx context.Context) int { return Generic[int](ctx, 1) + Generic(ctx, 2) }

// Serve passes the request's context.
func Serve(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, fact(r.Context(), 4)) }

// Derived passes the context derived from its parameter, not an unrelated
// one declared later.
//
//trace:span
func Derived(ctx context.Context) int {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.Derived")
	defer span.End(nil)
	//trace:end
	tctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	bg := runtime.WithSpan(context.Background(), span)
	_, _ = tctx, bg
	return fact(tctx, 3)
}

// Unrelated has no parameter: its own local context is the nearest.
func Unrelated() int {
	own := context.Background()
	return fact(own, 1) + len(fmt.Sprint(own))
}
