// Package threading checks that the span reaches what annotated bodies call.
package threading

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
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
	bg := context.Background()
	see(bg, "background")
	see(context.TODO(), "todo")
	done := make(chan struct{})
	go func() {
		see(context.Background(), "goroutine")
		close(done)
	}()
	<-done
	//trace:span
	inner := func(ctx context.Context) {
		see(context.Background(), "inner")
	}
	inner(ctx)
	return bg
}

// NewRequest builds an outgoing request.
//
//trace:span
func NewRequest(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequest(http.MethodGet, url, nil)
}

// WithBackground builds a request with the context it chose itself, as the
// instrumented http.NewRequest nearly looks: -remove must tell them apart.
//
//trace:span
func WithBackground(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
}

// Handler uses every threading rule in a Gin body.
//
//trace:span
func Handler(c *gin.Context) {
	see(c, "gin")
	bg := context.Background()
	see(bg, "gin-background")
	req, err := http.NewRequest(http.MethodGet, "http://example.invalid/", nil)
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
	req, err := http.NewRequest(http.MethodGet, c.Query("url"), nil)
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
	req, err := http.NewRequest(http.MethodGet, url, nil)
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
