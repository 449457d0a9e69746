// Package neither exercises functions that get a context parameter: the
// tool adds ctx context.Context and every caller passes its context.
package neither

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// Routes registers the handler.
func Routes(r *gin.Engine) {
	r.GET("/greet/:name", Greet)
}

// Greet is an annotated Gin handler at the top of a chain of plain
// functions.
//
//trace:span
func Greet(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "neither.Greet")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, first(c.Request.Context(), c.Param("name")))
}

// first is the first link.
//
//trace:span
func first(ctx context.Context, name string) string {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.first")
	defer span.End(nil)
	//trace:end
	return second(ctx, strings.ToUpper(name)) + "!"
}

// second has its arguments on several lines.
//
//trace:span
func second(
	ctx context.Context,
	name string,
) string {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.second")
	defer span.End(nil)
	//trace:end
	return third(
		ctx,
		"hello",
		name,
	)
}

// third has unnamed parameters.
//
//trace:span
func third(ctx context.Context, _ string, _ string) string {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "neither.third")
	defer span.End(nil)
	//trace:end
	return "hello " + lastName
}

var lastName = "world"

// Nested registers a handler inside a function with a context of its own:
// the handler's request context is nearer to the call.
func Nested(ctx context.Context, r *gin.Engine) {
	//trace:span
	r.GET("/nested", func(c *gin.Context) {
		//trace:begin v=1 body="oneline"
		span := tracegin.Start(c, "neither.Nested.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		c.String(http.StatusOK, third(c.Request.Context(), "a", "b"))
	})
}
