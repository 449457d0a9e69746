// Package threading checks that the span reaches what annotated bodies call.
package threading

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// Seen records the span each callee saw, by name, and Contexts the context
// it was given.
var (
	Seen     = map[string]opentracing.Span{}
	Contexts = map[string]context.Context{}
)

func see(ctx context.Context, name string) {
	Seen[name] = opentracing.SpanFromContext(ctx)
	Contexts[name] = ctx
}

// Background hands a fresh context to a callee.
//
//trace:span
func Background(ctx context.Context) context.Context {
	//trace:begin
	ctx, span := runtime.Start(ctx, "threading.Background")
	defer span.End(nil)
	//trace:end
	bg := runtime.WithSpan(context.Background(), span)
	see(bg, "background")
	see(runtime.WithSpan(context.TODO(), span), "todo")
	done := make(chan struct{})
	go func() {
		see(runtime.WithSpan(context.Background(), span), "goroutine")
		close(done)
	}()
	<-done
	//trace:span
	inner := func(ctx context.Context) {
		//trace:begin
		ctx, span := runtime.Start(ctx, "threading.Background.func2")
		defer span.End(nil)
		//trace:end
		see(runtime.WithSpan(context.Background(), span), "inner")
	}
	inner(ctx)
	return bg
}

// NewRequest builds an outgoing request.
//
//trace:span
func NewRequest(ctx context.Context, url string) (_ *http.Request, err error) {
	//trace:begin results="(*http.Request, error)"
	ctx, span := runtime.Start(ctx, "threading.NewRequest")
	defer span.End(&err)
	//trace:end
	return http.NewRequestWithContext(runtime.WithSpan(ctx, span), http.MethodGet, url, nil)
}

// Handler uses every threading rule in a Gin body.
//
//trace:span
func Handler(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "")
	defer tracegin.End(c, span, nil)
	//trace:end
	see(c, "gin")
	bg := runtime.WithSpan(context.Background(), span)
	see(bg, "gin-background")
	req, err := http.NewRequestWithContext(runtime.WithSpan(c.Request.Context(), span), http.MethodGet, "http://example.invalid/", nil)
	if err != nil {
		c.Status(http.StatusInternalServerError)
		return
	}
	see(req.Context(), "gin-request")
	c.Set("bg", bg)
	c.Status(http.StatusNoContent)
}

// untouched is not annotated: nothing in it changes.
func untouched(c *gin.Context) (*http.Request, error) {
	see(c, "untouched")
	return http.NewRequest(http.MethodGet, "/", nil)
}
