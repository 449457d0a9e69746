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

// untouched is not annotated: nothing in it changes.
func untouched(c *gin.Context) (*http.Request, error) {
	see(c, "untouched")
	return http.NewRequest(http.MethodGet, "/", nil)
}
