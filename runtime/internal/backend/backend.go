// Package backend is the hook through which the traceinject runtime records
// spans with a tracing API other than OpenTracing. The runtime and its
// subpackages dispatch through the Backend installed here (one atomic load per
// span); when none is installed they use OpenTracing, the default.
//
// The interface speaks only in standard-library types, so that a package
// implementing it (runtime/traceotel) need not import Gin or gRPC, and the
// runtime need not import the implementation's API.
package backend

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/opentracing/opentracing-go"
)

// Backend records spans. Span values it returns are opaque to the runtime,
// which hands them back to the same Backend.
//
// Start methods return a context carrying the new span and the span; none of
// them returns a nil span.
type Backend interface {
	// Start starts an internal span named name, a child of the span in ctx
	// (or, with follows, a span that follows from it: work the caller does
	// not wait for).
	Start(ctx context.Context, name string, follows bool) (context.Context, any)
	// ContextWithSpan returns ctx carrying span.
	ContextWithSpan(ctx context.Context, span any) context.Context
	// HasSpan reports whether ctx carries a span of this backend.
	HasSpan(ctx context.Context) bool
	// IsActive reports whether span is the span ctx carries.
	IsActive(ctx context.Context, span any) bool
	// Inject writes the span context (and whatever else the backend
	// propagates) of ctx into c.
	Inject(ctx context.Context, c Carrier)

	// Attributes, typed where the runtime knows the type.
	SetString(span any, key, value string)
	SetInt(span any, key string, value int64)
	SetBool(span any, key string, value bool)
	SetFloat(span any, key string, value float64)
	SetValue(span any, key string, value any)

	// RecordError adds err to span without marking the span failed.
	RecordError(span any, err error)
	// Fail records err and marks span failed.
	Fail(span any, err error)
	// FailPanic records the panic value r and marks span failed.
	FailPanic(span any, r any)
	// Finish ends span.
	Finish(span any)

	// StartHTTPServer starts the server span of r, named name, joined to the
	// caller's trace through the request headers; route is the matched
	// route template ("" when none matched).
	StartHTTPServer(r *http.Request, name, route string, follows bool) (context.Context, any)
	// EndHTTPServer records the response status on the span of a Gin
	// function (the server span, or a span under it).
	EndHTTPServer(span any, status int)
	// StartHTTPClient starts the client span of r (method normalised), a child of
	// the span in r's context; url is r's URL without secrets.
	StartHTTPClient(r *http.Request, method, url string) (context.Context, any)
	// EndHTTPClient records the response status of a client span.
	EndHTTPClient(span any, status int)

	// StartRPC starts the span of a call to m. A client span is a child of
	// the span in ctx (md is nil). A server span is a child of the span
	// context extracted from md, else of the span in ctx.
	StartRPC(ctx context.Context, m *RPC, client bool, md Carrier) (context.Context, any)
	// EndRPC records the status code of a call; failed marks the span
	// failed with message.
	EndRPC(span any, code uint32, failed bool, message string)
}

// RPC describes one gRPC method. Backends may cache what they derive from it
// in Cache.
type RPC struct {
	FullMethod string // "/pkg.Service/Method"
	Service    string // "pkg.Service"
	Method     string // "Method"

	Cache atomic.Pointer[Cached]
}

// Cached is what a Backend derived from an RPC.
type Cached struct {
	Backend Backend
	Value   any
}

// Carrier reads and writes propagation fields: OpenTelemetry's
// propagation.TextMapCarrier has the same methods.
type Carrier interface {
	Get(key string) string
	Set(key, value string)
	Keys() []string
}

// HeaderCarrier is a Carrier over HTTP headers.
type HeaderCarrier http.Header

func (h HeaderCarrier) Get(key string) string { return http.Header(h).Get(key) }
func (h HeaderCarrier) Set(key, value string) { http.Header(h).Set(key, value) }
func (h HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// Span is a span of a Backend: the backend and its opaque span value.
type Span struct {
	B Backend
	V any
}

type holder struct{ b Backend }

var current atomic.Pointer[holder]

// Current returns the installed Backend, or nil when spans go to
// OpenTracing.
func Current() Backend {
	if h := current.Load(); h != nil {
		return h.b
	}
	return nil
}

// Set installs b; nil restores OpenTracing.
func Set(b Backend) {
	if b == nil {
		current.Store(nil)
		return
	}
	current.Store(&holder{b})
}

// End ends s, a function's span: with a panic when r is not nil (then End
// panics again with r once the span is finished), else with the error *errp.
func (s Span) End(errp *error, r any) {
	if r != nil {
		s.B.FailPanic(s.V, r)
		s.B.Finish(s.V)
		panic(r)
	}
	if errp != nil && *errp != nil {
		s.B.Fail(s.V, *errp)
	}
	s.B.Finish(s.V)
}

// Tracer stands for the installed Backend where the runtime's API returns an
// opentracing.Tracer (runtime.Options.ActiveTracer): it is not nil, so
// generated code goes on to start a span, and the subpackages' Start
// functions recognise it. Used as a tracer, it is the no-op tracer.
type Tracer struct{ opentracing.NoopTracer }
