// Package neither exercises functions that get a context parameter: the
// tool adds ctx context.Context and every caller passes its context.
package neither

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
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
	c.String(http.StatusOK, first(c.Param("name")))
}

// first is the first link.
//
//trace:span
func first(name string) string {
	return second(strings.ToUpper(name)) + "!"
}

// second has its arguments on several lines.
//
//trace:span
func second(
	name string,
) string {
	return third(
		"hello",
		name,
	)
}

// third has unnamed parameters.
//
//trace:span
func third(string, string) string {
	return "hello " + lastName
}

var lastName = "world"

// Nested registers a handler inside a function with a context of its own:
// the handler's request context is nearer to the call.
func Nested(ctx context.Context, r *gin.Engine) {
	//trace:span
	r.GET("/nested", func(c *gin.Context) { c.String(http.StatusOK, third("a", "b")) })
}
