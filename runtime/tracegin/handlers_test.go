package tracegin_test

// The handlers below are written by hand in exactly the shape traceinject
// injects (between the //trace:begin and //trace:end markers), so that these
// tests exercise the runtime the way rewritten programs call it.

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// getUser is a top-level handler.
func getUser(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.getUser")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "user %s", c.Param("id"))
}

// getUserNamed is a top-level handler with an operation name in its directive.
func getUserNamed(c *gin.Context) {
	//trace:begin
	span := tracegin.StartNamed(c, "users.get")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "user %s", c.Param("id"))
}

type userStore struct{ name string }

// get is a method handler on a pointer receiver.
func (s *userStore) get(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.userStore.get")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "%s %s", s.name, c.Param("id"))
}

// list is a method handler on a value receiver.
func (s userStore) list(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.userStore.list")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "%s list", s.name)
}

// registerPing registers an annotated function literal, as Gin services do
// inside their route setup.
func registerPing(r gin.IRoutes) {
	//trace:span
	r.GET("/ping", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "tracegin_test.registerPing.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		c.String(http.StatusOK, "pong")
	})
}

// listItems names its *gin.Context ctx and passes it on as a context.Context,
// threaded through runtime.WithSpan as traceinject rewrites it.
func listItems(ctx *gin.Context) {
	//trace:begin
	span := tracegin.Start(ctx, "tracegin_test.listItems")
	defer tracegin.End(ctx, span, nil)
	//trace:end
	n, err := countItems(runtime.WithSpan(ctx, span), ctx.Param("owner"))
	if err != nil {
		_ = ctx.AbortWithError(http.StatusInternalServerError, err)
		return
	}
	ctx.String(http.StatusOK, "%d items", n)
}

// countItems is an annotated context function called by listItems.
func countItems(ctx context.Context, owner string) (n int, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "tracegin_test.countItems")
	defer span.End(&err)
	//trace:end
	_ = ctx
	if owner == "nobody" {
		return 0, errors.New("no such owner")
	}
	return len(owner), nil
}

// loadAccount is a Gin function that is not a handler itself: it has a
// *gin.Context parameter and an error result.
func loadAccount(c *gin.Context, id string) (err error) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.loadAccount")
	defer tracegin.End(c, span, &err)
	//trace:end
	if id == "0" {
		return errors.New("account 0 is closed")
	}
	return nil
}

func getAccount(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.getAccount")
	defer tracegin.End(c, span, nil)
	//trace:end
	if err := loadAccount(c, c.Param("id")); err != nil {
		c.String(http.StatusNotFound, "no account")
		return
	}
	c.String(http.StatusOK, "account")
}

// authenticate and showProfile are two annotated handlers of one chain.
func authenticate(c *gin.Context) {
	//trace:begin
	span := tracegin.StartNamed(c, "auth")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Set("user", "ada")
}

func showProfile(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.showProfile")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, "profile of %s", c.GetString("user"))
}

// timing is an annotated middleware: its span covers the rest of the chain.
func timing(c *gin.Context) {
	//trace:begin
	span := tracegin.StartNamed(c, "timing")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Next()
}

// fail answers 500 and attaches the cause to the request.
func fail(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.fail")
	defer tracegin.End(c, span, nil)
	//trace:end
	_ = c.AbortWithError(http.StatusInternalServerError, errors.New("database is down"))
}

// reject answers 400 and attaches the cause to the request.
func reject(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.reject")
	defer tracegin.End(c, span, nil)
	//trace:end
	_ = c.AbortWithError(http.StatusBadRequest, errors.New("bad id"))
}

// explode panics.
func explode(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.explode")
	defer tracegin.End(c, span, nil)
	//trace:end
	panic("boom")
}

// notify is annotated with `follows`.
func notify(c *gin.Context) {
	//trace:begin
	span := tracegin.StartFollowsFrom(c, "tracegin_test.notify")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Status(http.StatusAccepted)
}

// legacy has the shape earlier versions of traceinject injected for a Gin
// function without a name in its directive.
func legacy(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Status(http.StatusNoContent)
}
