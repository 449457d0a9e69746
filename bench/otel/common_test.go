package otel

import (
	"context"
	"io"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// provider is the SDK every benchmark records to: every span sampled, ended
// spans handed synchronously to an exporter that drops them.
func provider() *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(tracetest.NewNoopExporter()))
}

var w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

//go:noinline
func work(ctx context.Context, id string) (string, error) {
	if ctx == nil {
		return "", io.EOF
	}
	return id, nil
}
