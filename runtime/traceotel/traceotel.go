// Package traceotel makes the traceinject runtime record OpenTelemetry spans
// instead of OpenTracing ones: call Use once, at the start of main, and the
// code traceinject injected and protoc-gen-go-trace generated records native
// OpenTelemetry spans, with no bridge and no change to any source.
//
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
//	otel.SetTracerProvider(tp)
//	traceotel.Use(tp, nil)
//
// Spans follow OpenTelemetry's semantic conventions rather than OpenTracing's
// tag names:
//
//   - Function spans keep their names (p.F, p.T.M); directive tags become
//     attributes of the matching type (string, bool, int64, float64; any
//     other value as fmt.Sprint formats it, Stringers and errors included).
//     A returned error or a panic is recorded with RecordError and sets the
//     status to Error with the error's message; a panic goes on once the span
//     has ended.
//   - gRPC spans (generated stubs) are named "pkg.Service/Method", of kind
//     client or server, with rpc.system=grpc, rpc.service, rpc.method and
//     rpc.grpc.status_code; the codes the runtime counts as errors
//     (runtime/tracegrpc: every non-OK code for clients; Unknown,
//     DeadlineExceeded, Unimplemented, Internal, Unavailable and DataLoss for
//     servers) set the status to Error with the status message.
//   - The Gin span that starts a request's server span is named
//     "METHOD /route/:template" unless the directive names it (kind server),
//     with http.request.method,
//     http.route, url.path (never the query), url.scheme and
//     http.response.status_code; a status of 500 or more, or a panic, sets
//     the status to Error. Gin spans under an existing span are internal
//     spans named like functions (p.F, p.T.M) with the same status handling;
//     c.Errors are recorded as events without failing the span.
//   - Outgoing requests through runtime/tracehttp get client spans named
//     after the method, with http.request.method, url.full (without user
//     information, query or fragment), server.address, server.port and
//     http.response.status_code; a status of 400 or more or a transport
//     error sets the status to Error.
//   - A "follows" directive gives a child span that also links to its
//     parent: OpenTelemetry has no follows-from reference.
//
// Span contexts travel in gRPC metadata and HTTP headers through the
// propagator given to Use. A request that arrives with OpenTracing's Jaeger
// headers (uber-trace-id) joins its trace when that propagator includes
// go.opentelemetry.io/contrib/propagators/jaeger:
//
//	traceotel.Use(tp, propagation.NewCompositeTextMapPropagator(
//		propagation.TraceContext{}, propagation.Baggage{}, jaeger.Jaeger{}))
//
// The package is separate from the runtime so that programs that trace with
// OpenTracing do not link OpenTelemetry.
package traceotel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/internal/backend"
)

// ScopeName is the instrumentation scope of the spans the runtime records.
const ScopeName = "github.com/traceinject/traceinject/runtime"

// Use makes every span the runtime starts from now on an OpenTelemetry span
// from a tracer of tp, propagated with p. A nil tp means
// otel.GetTracerProvider() (which follows later otel.SetTracerProvider
// calls); a nil p means otel.GetTextMapPropagator(), or, when no global
// propagator is set at the time of the call, W3C trace context and baggage.
//
// Generated clients and servers, and tracehttp Transports, given an explicit
// runtime.WithTracer option keep recording to that OpenTracing tracer.
func Use(tp trace.TracerProvider, p propagation.TextMapPropagator) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if p == nil {
		p = otel.GetTextMapPropagator()
		if len(p.Fields()) == 0 {
			p = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
		}
	}
	backend.Set(&tracer{tracer: tp.Tracer(ScopeName), prop: p})
}
