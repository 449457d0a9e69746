package neither

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/traceinject/traceinject/runtime"
)

// Counter has methods with value and pointer receivers.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Add has a pointer receiver.
//
//trace:span
func (c *Counter) Add(ctx context.Context, n int) {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.Counter.Add")
	defer span.End(nil)
	//trace:end
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += n
}

// Value has a value receiver and an error result.
//
//trace:span
func (c *Counter) Value(ctx context.Context) (_ int, err error) {
	//trace:begin v=1 results="(int, error)"
	ctx, span := runtime.Start(ctx, "neither.Counter.Value")
	defer span.End(&err)
	//trace:end
	if c.n < 0 {
		return 0, errors.New("negative")
	}
	return c.n, nil
}

// Title has a value receiver.
//
//trace:span
func (l Label) Title(ctx context.Context) string {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "neither.Label.Title")
	defer span.End(nil)
	//trace:end
	return strings.ToTitle(string(l))
}

// Label is a named string.
type Label string

// Wrapped embeds a *Counter and a Label: their methods are promoted.
type Wrapped struct {
	*Counter
	Label
}

// Use calls the methods through a variable and through embedding.
//
//trace:span
func Use(ctx context.Context, w *Wrapped) (_ string, traceErr error) {
	//trace:begin v=1 results="(string, error)"
	ctx, span := runtime.Start(ctx, "neither.Use")
	defer span.End(&traceErr)
	//trace:end
	var c Counter
	c.Add(ctx, 1)
	w.Add(ctx, 2)
	w.Counter.Add(ctx, 3)
	if _, err := c.Value(ctx); err != nil {
		return "", err
	}
	n, err := w.Value(ctx)
	if err != nil {
		return "", err
	}
	return w.Title(ctx) + Label("=").Title(ctx) + strconv.Itoa(n), nil
}
