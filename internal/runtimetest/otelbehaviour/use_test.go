package otelbehaviour

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime/traceotel"
)

// Use(nil, nil): the global tracer provider, including one set after Use,
// and W3C trace context when no global propagator is set.
func TestUseDefaults(t *testing.T) {
	traceotel.Use(nil, nil)
	sr := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)))
	r := &behaviourtest.Recorder{SpanRecorder: sr}

	req := httptest.NewRequest(http.MethodGet, "/user/1", nil)
	req.Header.Set("traceparent", "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01")
	serve(t, req)
	span := r.Span(t, "GET /user/:id")
	if got := span.Parent().SpanID(); got != (trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("parent %s, want the traceparent header's", got)
	}

	// A global propagator set before Use is the one used.
	otel.SetTextMapPropagator(propagation.Baggage{})
	traceotel.Use(nil, nil)
	sr.Reset()
	serve(t, req)
	behaviourtest.WantRoot(t, r.Span(t, "GET /user/:id"))
}
