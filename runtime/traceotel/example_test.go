package traceotel_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/tracehttp"
	"github.com/traceinject/traceinject/runtime/traceotel"
)

// Call Use once, at the start of main, after setting up the OpenTelemetry
// SDK. The same injected and generated code then records OpenTelemetry spans.
func ExampleUse() {
	// tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
	// defer tp.Shutdown(ctx)
	// otel.SetTracerProvider(tp)

	// nil, nil: otel.GetTracerProvider(), and otel.GetTextMapPropagator() or,
	// when none is set, W3C trace context and baggage.
	traceotel.Use(nil, nil)
}

// Span contexts travel through the propagator given to Use: here W3C trace
// context, from the caller's span to the server through a
// tracehttp.Transport.
func ExampleUse_propagation() {
	// With no SDK installed the global provider records nothing, but spans
	// still carry their parent's span context, so the trace is propagated.
	traceotel.Use(nil, propagation.TraceContext{})

	server := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		fmt.Println("traceparent:", r.Header.Get("traceparent"))
	}))
	defer server.Close()

	// The caller's span, as a traced handler's context would carry it.
	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), parent)

	client := &http.Client{Transport: tracehttp.NewTransport(nil)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	// Output:
	// traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
}
