// Package tracegin is the Gin half of the traceinject runtime: traceinject
// injects calls to Start (or StartFollowsFrom) and a deferred End at the top of
// every annotated function that has a *gin.Context parameter. It is a separate
// package so that only programs that use Gin link Gin.
//
// The injected shape is
//
//	span := tracegin.Start(c, "p.F")
//	defer tracegin.End(c, span, nil)
//
// or StartNamed when the directive names the operation.
//
// Gin functions called one after another from one handler get sibling spans:
// End makes the span active before Start active again in c.Request's context
// when that span was started at the same step of the handler chain. The
// handlers of a chain are not helpers of one another: each annotated handler
// is the child of the annotated handler before it (see End).
//
// With opentracing's no-op tracer both calls do nothing and allocate nothing.
// After traceotel.Use (package runtime/traceotel) the spans are OpenTelemetry
// spans following its semantic conventions (see that package), and the
// caller's span context is extracted through the propagator given to Use.
package tracegin

import (
	"context"
	stdlog "log"
	"net/http"
	"reflect"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/log"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/internal/backend"
	"github.com/traceinject/traceinject/runtime/internal/impl"
)

// component is the value of the component tag of every span started here.
const component = "gin"

// Start starts the span of a Gin function and makes c.Request carry it, so
// that the later handlers in the chain and everything the function calls with
// c or c.Request.Context() see it (End takes a helper's span back: see End).
// Code given c itself as a context.Context
// sees it too when the engine's ContextWithFallback is true; when it is
// false, the first span started logs, once per process, how to fix that.
//
// If the request's context already carries a span (an earlier annotated
// handler, a tracing middleware, or the handler that called this function),
// the new span is its child, named name: the function's own name (p.F,
// p.T.M), which tells helpers apart. Otherwise the span starts the request's
// server span (span.kind=server): the child of the caller's span when the
// request headers carry a valid one, a root otherwise; it is named
// "<METHOD> <route template>", such as "GET /user/:id" (the raw path would
// give every user a name of its own), or "<METHOD>" alone when no route
// matched. An empty name means the route-template name in both cases.
//
// Tags: component=gin, http.method, and http.url, which is the request path
// only: the query string, where tokens travel, is never recorded; nor are
// headers or cookies.
//
// Start returns the zero runtime.Span and does nothing when the global tracer
// is opentracing's no-op tracer, or when c has no request.
func Start(c *gin.Context, name string) runtime.Span {
	return start(c, name, false, false)
}

// StartFollowsFrom is Start for a function whose span FollowsFrom the span in
// the request's context (or, without one, the span extracted from the request
// headers) instead of being its child.
func StartFollowsFrom(c *gin.Context, name string) runtime.Span {
	return start(c, name, true, false)
}

// StartNamed is Start for a function whose directive names its operation:
// the span is named operation whether or not it starts the request's server
// span.
func StartNamed(c *gin.Context, operation string) runtime.Span {
	return start(c, operation, false, true)
}

// StartNamedFollowsFrom is StartFollowsFrom with a named operation, as
// StartNamed.
func StartNamedFollowsFrom(c *gin.Context, operation string) runtime.Span {
	return start(c, operation, true, true)
}

func start(c *gin.Context, name string, follows, named bool) runtime.Span {
	if b := backend.Current(); b != nil {
		return startBackend(b, c, name, follows, named)
	}
	t := impl.GlobalTracer()
	if t == nil || c == nil || c.Request == nil {
		return runtime.Span{}
	}
	req := c.Request
	ctx := req.Context()
	var span opentracing.Span
	step, stepOK := handlerStep(c)
	var giveBack *started
	if parent := opentracing.SpanFromContext(ctx); parent != nil {
		if name == "" {
			name = defaultOperation(c)
		}
		if p := stepParent(ctx, nil, step, stepOK); p != nil {
			if ps, _ := p.span.(opentracing.Span); sameSpan(ps, parent) {
				giveBack = p
			}
		}
		span = t.StartSpan(name, reference(parent.Context(), follows))
	} else {
		if !named || name == "" {
			name = defaultOperation(c)
		}
		// A missing or malformed header gives a root span: the request is
		// served either way, and the headers are the caller's business.
		// Tracers return a span context with their error (mocktracer's has
		// trace ID 0); a child of it would start a trace that the next
		// hop rejects, splitting the request's trace in two.
		remote, err := t.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header))
		if err != nil {
			remote = nil
		}
		if remote != nil && follows {
			span = t.StartSpan(name, opentracing.FollowsFrom(remote), ext.SpanKindRPCServer)
		} else {
			span = t.StartSpan(name, ext.RPCServerOption(remote))
		}
	}
	ext.Component.Set(span, component)
	ext.HTTPMethod.Set(span, req.Method)
	ext.HTTPUrl.Set(span, req.URL.EscapedPath())
	ctx = opentracing.ContextWithSpan(ctx, span)
	if stepOK {
		ctx = context.WithValue(ctx, stepKey{}, &started{span: span, step: step})
	}
	c.Request = req.WithContext(ctx)
	if !unreachableLogged.Load() && opentracing.SpanFromContext(c) == nil && unreachableLogged.CompareAndSwap(false, true) {
		stdlog.Print(unreachableMessage)
	}
	s := impl.OpenTracingSpan(span)
	if giveBack != nil {
		s = s.WithParent(giveBack)
	}
	return runtime.Span(s)
}

// RequestContext is c.Request.Context(), or context.Background() when c or
// its Request is nil, as in tests that build a *gin.Context with
// gin.CreateTestContext and set no request. traceinject passes it to a
// function it gave a context parameter when the caller's context is a
// *gin.Context: the span in the request's context (the caller's own span,
// when the caller is an annotated Gin function) becomes the parent of the
// callee's, and the call does not panic where the original code, which read
// nothing from c, did not.
func RequestContext(c *gin.Context) context.Context {
	if c == nil || c.Request == nil {
		return context.Background()
	}
	return c.Request.Context()
}

// unreachableLogged is set once unreachableMessage has been logged: once per
// process is enough to tell the user, and costs nothing afterwards.
var unreachableLogged atomic.Bool

// unreachableMessage is logged when the span does not reach code that is
// given the *gin.Context itself as a context.Context. traceinject passes c on
// unchanged (callees may type-assert it), so the span reaches such code only
// through gin's fallback from c.Value to c.Request.Context().
const unreachableMessage = "tracegin: spans do not reach code given a *gin.Context as its context.Context, because gin.Engine.ContextWithFallback is false: set it to true (gin v1.8.1 or later), or pass c.Request.Context() (logged once)"

func reference(parent opentracing.SpanContext, follows bool) opentracing.StartSpanOption {
	if follows {
		return opentracing.FollowsFrom(parent)
	}
	return opentracing.ChildOf(parent)
}

func defaultOperation(c *gin.Context) string {
	if route := c.FullPath(); route != "" {
		return c.Request.Method + " " + route
	}
	return c.Request.Method
}

// End finishes s. Defer it directly, as `defer tracegin.End(c, span, nil)`, or
// with the address of the handler's error result as `(c, span, &err)`.
//
// It sets http.status_code to the response status, and error=true when that
// is 500 or more. It logs, with event=error, the errors attached to c (c.Error)
// that no span ended earlier in the request has logged, without setting
// error=true for them: a handler that aborts with 400 did its job. A non-nil
// *errp is recorded as an error.
//
// If the handler panics, End sets error=true, logs the panic, finishes the
// span and panics again with the same value, so that gin.Recovery (or
// net/http) handles it as it would without tracing. The status recorded then
// is the one already written, or 500 (what gin.Recovery answers) when nothing
// was written yet.
//
// The span is finished exactly once. End does nothing for the zero Span.
//
// When s was started under a span that a Gin function started at the same
// step of the handler chain (the same position in it, as gin counts them:
// s is the span of a helper called, directly or not, from the function that
// started that span), and c.Request's context still carries s, End makes that
// span active again, as c.Request = c.Request.WithContext(...) on the request
// as the function left it: only the span changes, not its Body, Host or
// context values. Gin helpers called one after another are thus siblings, not
// each the child of the one before. Across steps nothing is given back: the
// span of the server span's function, and of any handler the chain runs, stays
// active for the handlers after it, which are its children. A span the
// function made active itself stays too. Nothing is given back either under a
// span the function's caller did not start with tracegin (a tracing
// middleware's), after c.Next() or c.Abort() moved gin's position, or with a
// gin whose Context has no index field: the spans then nest as each starts.
func End(c *gin.Context, s runtime.Span, errp *error) {
	span := (*impl.Span)(&s).OpenTracing()
	if span == nil {
		if x := (*impl.Span)(&s).Backend(); x.B != nil {
			endBackend(c, x, (*impl.Span)(&s).Parent(), errp, recover())
		}
		return
	}
	if r := recover(); r != nil {
		impl.RecordPanic(span, r)
		status := http.StatusInternalServerError
		if c.Writer.Written() {
			status = c.Writer.Status()
		}
		ext.HTTPStatusCode.Set(span, uint16(status))
		logGinErrors(c, span)
		span.Finish()
		restoreParent(c, span, (*impl.Span)(&s).Parent())
		panic(r)
	}
	status := c.Writer.Status()
	ext.HTTPStatusCode.Set(span, uint16(status))
	if status >= http.StatusInternalServerError {
		ext.Error.Set(span, true)
	}
	logGinErrors(c, span)
	if errp != nil && *errp != nil {
		ext.LogError(span, *errp)
	}
	span.Finish()
	restoreParent(c, span, (*impl.Span)(&s).Parent())
}

// restoreParent makes parent, the span that was active when span started,
// active again in c.Request's context if span still is, so that the next
// Gin function the caller calls is span's sibling, not its child. parent is
// nil, and nothing is given back, unless it was started at the same step of
// the chain as span (see step.go): the server span, and the span of any
// handler the chain ran after the one that started parent, stay active for
// the handlers after it. It swaps only the span, in the request as it is
// now: whatever the function changed in the request (its Body, values added
// to its context) stays. A span the function made active itself is left
// alone.
func restoreParent(c *gin.Context, span opentracing.Span, parent any) {
	p, _ := parent.(*started)
	if p == nil || c.Request == nil {
		return
	}
	ps, _ := p.span.(opentracing.Span)
	if ps == nil {
		return
	}
	ctx := c.Request.Context()
	if active := opentracing.SpanFromContext(ctx); !sameSpan(active, span) {
		return
	}
	c.Request = c.Request.WithContext(context.WithValue(opentracing.ContextWithSpan(ctx, ps), stepKey{}, p))
}

// sameSpan is a == b for spans of any tracer: comparing interfaces whose
// dynamic type is not comparable would panic.
func sameSpan(a, b opentracing.Span) bool {
	if a == nil || b == nil {
		return a == b
	}
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// loggedErrorsKey keys, in c.Keys, how many of c.Errors a span has logged
// already, so that each error is logged once per request rather than again by
// every later handler's span. It is a string, namespaced by the import path,
// because c.Keys is keyed by string up to gin v1.10 (and by any from v1.11).
const loggedErrorsKey = "github.com/traceinject/traceinject/runtime/tracegin.loggedErrors"

func logGinErrors(c *gin.Context, span opentracing.Span) {
	if len(c.Errors) == 0 {
		return
	}
	v, _ := c.Get(loggedErrorsKey)
	logged, _ := v.(int)
	if logged >= len(c.Errors) {
		return
	}
	for _, e := range c.Errors[logged:] {
		span.LogFields(log.Event("error"), log.Error(e.Err))
	}
	c.Set(loggedErrorsKey, len(c.Errors))
}
