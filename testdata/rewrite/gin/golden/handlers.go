// Package ginsvc exercises the Gin shape.
package ginsvc

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// Store is a callee that takes a context.Context.
type Store struct{ sawSpan bool }

// Lookup records whether ctx carried a span.
func (s *Store) Lookup(ctx context.Context, id string) (string, error) {
	s.sawSpan = opentracing.SpanFromContext(ctx) != nil
	if id == "missing" {
		return "", errors.New("no such user")
	}
	return "user " + id, nil
}

// GetUser is a top-level handler.
//
//trace:span tag.user=c.Param("id")
func GetUser(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "ginsvc.GetUser")
	runtime.SetTag(span, "user", c.Param("id"))
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, c.Param("id"))
}

// Handlers has method handlers.
type Handlers struct{ store *Store }

// Lookup names its *gin.Context ctx and passes it on as a context.Context.
//
//trace:span
func (h *Handlers) Lookup(ctx *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(ctx, "ginsvc.Handlers.Lookup")
	defer tracegin.End(ctx, span, nil)
	//trace:end
	name, err := h.store.Lookup(ctx, ctx.Param("id"))
	if err != nil {
		ctx.String(http.StatusInternalServerError, err.Error())
		return
	}
	ctx.String(http.StatusOK, name)
}

// loadUser is a Gin function with an error result.
//
//trace:span "load user"
func loadUser(c *gin.Context, id string) (err error) {
	//trace:begin v=1 results="error"
	span := tracegin.StartNamed(c, "load user")
	defer tracegin.End(c, span, &err)
	//trace:end
	if id == "" {
		return errors.New("empty id")
	}
	c.Set("user", id)
	return nil
}

// Value has a value receiver and calls loadUser.
//
//trace:span follows
func (h Handlers) Value(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.StartFollowsFrom(c, "ginsvc.Handlers.Value")
	defer tracegin.End(c, span, nil)
	//trace:end
	if err := loadUser(c, c.Query("id")); err != nil {
		c.String(http.StatusBadRequest, err.Error())
		return
	}
	c.String(http.StatusOK, c.GetString("user"))
}

// Auth runs before the handler in a chain.
//
//trace:span auth
func Auth(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.StartNamed(c, "auth")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Set("auth", true)
}

// Lang answers in the language the request asks for. Like apache/answer's
// GetLangByCtx, it type-asserts its context to *gin.Context: it must be given
// the handler's *gin.Context itself, not a context wrapping it.
func Lang(ctx context.Context) string {
	if c, ok := ctx.(*gin.Context); ok {
		if l := c.GetHeader("Accept-Language"); l != "" {
			return l
		}
	}
	return "en"
}

// Greet passes its *gin.Context on as a context.Context.
//
//trace:span
func Greet(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "ginsvc.Greet")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "%s %T %s", Lang(c), context.Context(c), userID(c))
}

// userID asserts without checking, as three call sites in apache/answer do:
// a context wrapping c would make it panic.
func userID(ctx context.Context) string {
	return ctx.(*gin.Context).Query("user")
}

// Page is a route handler that calls two annotated Gin helpers.
//
//trace:span
func Page(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "ginsvc.Page")
	defer tracegin.End(c, span, nil)
	//trace:end
	writeHeader(c)
	writeBody(c)
}

// writeHeader is a Gin helper, not a route handler.
//
//trace:span
func writeHeader(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "ginsvc.writeHeader")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Header("X-Page", "1")
}

// writeBody is another.
//
//trace:span
func writeBody(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "ginsvc.writeBody")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "page")
}

func registerRoutes(r *gin.Engine, h *Handlers) {
	r.GET("/greet", Greet)
	r.GET("/page", Page)
	r.GET("/user/:id", GetUser)
	r.GET("/chain/:id", Auth, GetUser)
	r.GET("/lookup/:id", h.Lookup)
	r.GET("/value", h.Value)
	//trace:span tag.kind="health"
	r.GET("/ping", func(c *gin.Context) {
		//trace:begin v=1
		span := tracegin.Start(c, "ginsvc.registerRoutes.func1")
		runtime.SetTag(span, "kind", "health")
		defer tracegin.End(c, span, nil)
		//trace:end
		c.String(http.StatusOK, "pong")
	})
	//trace:span
	r.GET("/boom", func(c *gin.Context) {
		//trace:begin v=1 params="(*gin.Context)" body="oneline"
		span := tracegin.Start(c, "ginsvc.registerRoutes.func2")
		defer tracegin.End(c, span, nil)
		//trace:end
		panic("boom")
	})
}
