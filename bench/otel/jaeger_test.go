package otel

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/propagators/jaeger"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/traceotel"
)

// The README's recipe: with the Jaeger propagator beside W3C's, a request
// from an OpenTracing caller (jaeger-client-go's uber-trace-id header) joins
// the caller's trace under OpenTelemetry. Here rather than in the main module
// so that the propagator's module stays out of the main module's graph.
func TestJaegerHeadersJoin(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	traceotel.Use(tp, propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}, jaeger.Jaeger{}))

	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.GET("/user/:id", annotated)
	req := httptest.NewRequest(http.MethodGet, "/user/1", nil)
	req.Header.Set("uber-trace-id", "0102030405060708090a0b0c0d0e0f10:0102030405060708:0:1")
	e.ServeHTTP(httptest.NewRecorder(), req)

	spans := sr.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	want := trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
	}
	if p := spans[0].Parent(); p.TraceID() != want.TraceID || p.SpanID() != want.SpanID {
		t.Errorf("parent %s/%s, want the uber-trace-id header's", p.TraceID(), p.SpanID())
	}
}
