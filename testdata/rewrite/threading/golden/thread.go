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
	//trace:begin v=1
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
		//trace:begin v=1
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
	//trace:begin v=1 results="(*http.Request, error)"
	ctx, span := runtime.Start(ctx, "threading.NewRequest")
	defer span.End(&err)
	//trace:end
	return http.NewRequestWithContext(runtime.Background(span), http.MethodGet, url, nil)
}

// WithBackground builds a request with the context it chose itself, as the
// instrumented http.NewRequest nearly looks: -remove must tell them apart.
//
//trace:span
func WithBackground(ctx context.Context, url string) (_ *http.Request, err error) {
	//trace:begin v=1 results="(*http.Request, error)"
	ctx, span := runtime.Start(ctx, "threading.WithBackground")
	defer span.End(&err)
	//trace:end
	return http.NewRequestWithContext(runtime.WithSpan(context.Background(), span), http.MethodGet, url, nil)
}

// Handler uses every threading rule in a Gin body.
//
//trace:span
func Handler(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "threading.Handler")
	defer tracegin.End(c, span, nil)
	//trace:end
	see(c, "gin")
	bg := runtime.WithSpan(context.Background(), span)
	see(bg, "gin-background")
	req, err := http.NewRequestWithContext(runtime.Background(span), http.MethodGet, "http://example.invalid/", nil)
	if err != nil {
		c.Status(http.StatusInternalServerError)
		return
	}
	see(req.Context(), "gin-request")
	c.Set("bg", bg)
	c.Status(http.StatusNoContent)
}

// Jobs receives the outcome of the requests that Later and Fetch make after
// the handler that started them has returned.
var Jobs = make(chan string, 2)

// Later builds a request in the handler and sends it from a goroutine once
// the handler has returned (its request context is then cancelled).
//
//trace:span
func Later(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "threading.Later")
	defer tracegin.End(c, span, nil)
	//trace:end
	req, err := http.NewRequestWithContext(runtime.Background(span), http.MethodGet, c.Query("url"), nil)
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	handled := c.Request.Context()
	go func() {
		<-handled.Done()
		Jobs <- do(req)
	}()
	c.Status(http.StatusAccepted)
}

// Schedule starts a job with the handler's request context, as
// gin-vue-admin's TriggerTimedTask does; the job runs after the handler has
// returned.
//
//trace:span
func Schedule(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "threading.Schedule")
	defer tracegin.End(c, span, nil)
	//trace:end
	ctx, url := c.Request.Context(), c.Query("url")
	go func() {
		<-ctx.Done()
		Jobs <- Fetch(ctx, url)
	}()
	c.Status(http.StatusAccepted)
}

// Fetch makes a request with http.NewRequest, whose context is
// context.Background() whatever ctx is.
//
//trace:span
func Fetch(ctx context.Context, url string) string {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "threading.Fetch")
	defer span.End(nil)
	//trace:end
	req, err := http.NewRequestWithContext(runtime.Background(span), http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	return do(req)
}

func do(req *http.Request) string {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return resp.Status
}

// untouched is not annotated: nothing in it changes.
func untouched(c *gin.Context) (*http.Request, error) {
	see(c, "untouched")
	return http.NewRequest(http.MethodGet, "/", nil)
}
