package neither

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// fact is recursive.
//
//trace:span
func fact(n int) int {
	if n <= 1 {
		return 1
	}
	return n * fact(n-1)
}

// Spawn calls from a closure, a goroutine and a deferred call; its context
// parameter is unnamed.
//
//trace:span
func Spawn(_ context.Context, n int) int {
	var wg sync.WaitGroup
	wg.Add(1)
	go work(&wg)
	defer done()
	f := func() int { return fact(n) }
	wg.Wait()
	return f()
}

// work runs in a goroutine.
//
//trace:span
func work(wg *sync.WaitGroup) { defer wg.Done() }

// done is deferred.
//
//trace:span
func done() {}

// Nearest passes the nearest context: a local one derived from its
// parameter.
func Nearest(parent context.Context) (int, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	return fact(3), ctx
}

// Generic is a generic function.
//
//trace:span
func Generic[T any](v T) T { return v }

// Instantiate calls it explicitly instantiated.
func Instantiate(ctx context.Context) int { return Generic[int](1) + Generic(2) }

// Serve passes the request's context.
func Serve(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, fact(4)) }

// Derived passes the context derived from its parameter, not an unrelated
// one declared later.
//
//trace:span
func Derived(ctx context.Context) int {
	tctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	bg := context.Background()
	_, _ = tctx, bg
	return fact(3)
}

// Unrelated has no parameter: its own local context is the nearest.
func Unrelated() int {
	own := context.Background()
	return fact(1) + len(fmt.Sprint(own))
}
