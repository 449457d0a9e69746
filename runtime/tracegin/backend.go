package tracegin

import (
	"context"
	stdlog "log"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/internal/backend"
	"github.com/traceinject/traceinject/runtime/internal/impl"
)

// The spans of the API traceotel.Use installed: the backend names and tags
// them by its own conventions; this file only feeds it Gin's facts.

func startBackend(b backend.Backend, c *gin.Context, name string, follows, named bool) runtime.Span {
	if c == nil || c.Request == nil {
		return runtime.Span{}
	}
	req := c.Request
	var span any
	ctx := req.Context()
	step, stepOK := handlerStep(c)
	var giveBack *started
	if b.HasSpan(ctx) {
		if name == "" {
			name = defaultOperation(c)
		}
		if p := stepParent(ctx, b, step, stepOK); p != nil && b.IsActive(ctx, p.span) {
			giveBack = p
		}
		ctx, span = b.Start(ctx, name, follows)
	} else {
		if !named || name == "" {
			name = defaultOperation(c)
		}
		ctx, span = b.StartHTTPServer(req, name, c.FullPath(), follows)
	}
	if stepOK {
		ctx = context.WithValue(ctx, stepKey{}, &started{span: span, b: b, step: step})
	}
	c.Request = req.WithContext(ctx)
	if !unreachableLogged.Load() && !b.HasSpan(c) && unreachableLogged.CompareAndSwap(false, true) {
		stdlog.Print(unreachableMessage)
	}
	x := impl.BackendSpan(backend.Span{B: b, V: span})
	if giveBack != nil {
		x = x.WithParent(giveBack)
	}
	return runtime.Span(x)
}

// endBackend is End for a backend's span; parent is the *started to give
// back (see restoreParent), nil for none, and r is what End recovered.
func endBackend(c *gin.Context, s backend.Span, parent any, errp *error, r any) {
	if r != nil {
		status := http.StatusInternalServerError
		if c.Writer.Written() {
			status = c.Writer.Status()
		}
		s.B.EndHTTPServer(s.V, status)
		recordGinErrors(c, s)
		s.B.FailPanic(s.V, r)
		s.B.Finish(s.V)
		restoreBackendParent(c, s, parent)
		panic(r)
	}
	s.B.EndHTTPServer(s.V, c.Writer.Status())
	recordGinErrors(c, s)
	if errp != nil && *errp != nil {
		s.B.Fail(s.V, *errp)
	}
	s.B.Finish(s.V)
	restoreBackendParent(c, s, parent)
}

// restoreBackendParent is restoreParent for a backend's span.
func restoreBackendParent(c *gin.Context, s backend.Span, parent any) {
	p, _ := parent.(*started)
	if p == nil || p.b != s.B || c.Request == nil {
		return
	}
	if ctx := c.Request.Context(); s.B.IsActive(ctx, s.V) {
		c.Request = c.Request.WithContext(context.WithValue(s.B.ContextWithSpan(ctx, p.span), stepKey{}, p))
	}
}

// recordGinErrors is logGinErrors for a backend's span: each of c.Errors is
// recorded once per request, without marking the span failed.
func recordGinErrors(c *gin.Context, s backend.Span) {
	if len(c.Errors) == 0 {
		return
	}
	v, _ := c.Get(loggedErrorsKey)
	logged, _ := v.(int)
	if logged >= len(c.Errors) {
		return
	}
	for _, e := range c.Errors[logged:] {
		s.B.RecordError(s.V, e.Err)
	}
	c.Set(loggedErrorsKey, len(c.Errors))
}
