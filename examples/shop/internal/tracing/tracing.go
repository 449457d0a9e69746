// Package tracing builds the OpenTracing tracer the example shop's programs
// install as opentracing's global tracer. Nothing in the shop's handlers or
// service refers to a tracer: the code traceinject injects and
// protoc-gen-go-trace generates starts spans on the global tracer, so choosing
// a backend is this package's job alone.
//
// Kinds:
//
//	memory  jaeger-client-go with an in-memory reporter: a real tracer with
//	        real header and metadata propagation whose finished spans the
//	        program reads back (the demo prints them as waterfalls).
//	jaeger  jaeger-client-go reporting to a Jaeger collector or agent, as
//	        configured by the client's JAEGER_* environment variables
//	        (JAEGER_ENDPOINT=http://host:14268/api/traces for the collector,
//	        else JAEGER_AGENT_HOST/JAEGER_AGENT_PORT for the agent). All spans
//	        are sampled unless JAEGER_SAMPLER_TYPE says otherwise.
//	otel    the OpenTelemetry SDK exporting over OTLP/gRPC
//	        (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://host:4317), recording
//	        native OpenTelemetry spans through traceotel.Use; W3C trace
//	        context and baggage on the wire.
//	otel-bridge
//	        the same SDK and exporter reached through OpenTracing and
//	        go.opentelemetry.io/otel/bridge/opentracing, for programs that
//	        must stay on OpenTracing.
//	none    opentracing's no-op tracer.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"
	jaegercfg "github.com/uber/jaeger-client-go/config"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otbridge "go.opentelemetry.io/otel/bridge/opentracing"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/traceotel"
)

// Kinds lists the tracer kinds New accepts.
var Kinds = []string{"memory", "jaeger", "otel", "otel-bridge", "none"}

// Tracer is a tracer and what it takes to shut it down.
type Tracer struct {
	// Tracer is the OpenTracing tracer; the no-op tracer for otel.
	opentracing.Tracer
	// Memory holds the finished spans of a memory tracer; nil otherwise.
	Memory *jaeger.InMemoryReporter
	// OTel is the tracer provider and propagator of otel; nil otherwise.
	OTel *OTel

	close func(context.Context) error
}

// Close flushes the spans the tracer still buffers and releases it.
func (t *Tracer) Close(ctx context.Context) error {
	if t.close == nil {
		return nil
	}
	return t.close(ctx)
}

// New builds a tracer of the given kind for the service named service.
// JAEGER_SERVICE_NAME (jaeger) and OTEL_SERVICE_NAME (otel) override service.
func New(ctx context.Context, kind, service string) (*Tracer, error) {
	switch kind {
	case "memory":
		mem := jaeger.NewInMemoryReporter()
		t, closer := jaeger.NewTracer(service, jaeger.NewConstSampler(true), mem)
		return &Tracer{Tracer: t, Memory: mem, close: closeWith(closer)}, nil
	case "jaeger":
		return newJaeger(service)
	case "otel", "otel-bridge":
		return newOTel(ctx, service, kind == "otel-bridge")
	case "none":
		return &Tracer{Tracer: opentracing.NoopTracer{}}, nil
	}
	return nil, fmt.Errorf("unknown tracer %q (want one of %q)", kind, Kinds)
}

// Install builds a tracer like New and makes it the one the traceinject
// runtime records to: opentracing's global tracer, or, for otel, the
// OpenTelemetry tracer provider given to traceotel.Use.
func Install(ctx context.Context, kind, service string) (*Tracer, error) {
	t, err := New(ctx, kind, service)
	if err != nil {
		return nil, err
	}
	opentracing.SetGlobalTracer(t.Tracer)
	if t.OTel != nil {
		traceotel.Use(t.OTel.Provider, t.OTel.Propagator)
	}
	return t, nil
}

// OTel is what traceotel.Use is given.
type OTel struct {
	Provider   trace.TracerProvider
	Propagator propagation.TextMapPropagator
}

func newJaeger(service string) (*Tracer, error) {
	cfg, err := jaegercfg.FromEnv()
	if err != nil {
		return nil, fmt.Errorf("jaeger configuration: %w", err)
	}
	if cfg.ServiceName == "" {
		cfg.ServiceName = service
	}
	// The client's default is a remote sampler that samples almost nothing
	// until it has reached the agent; an example wants every trace.
	if os.Getenv("JAEGER_SAMPLER_TYPE") == "" {
		cfg.Sampler.Type = jaeger.SamplerTypeConst
		cfg.Sampler.Param = 1
	}
	t, closer, err := cfg.NewTracer()
	if err != nil {
		return nil, fmt.Errorf("jaeger tracer: %w", err)
	}
	return &Tracer{Tracer: t, close: closeWith(closer)}, nil
}

func newOTel(ctx context.Context, service string, bridged bool) (*Tracer, error) {
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	name := service
	if env := os.Getenv("OTEL_SERVICE_NAME"); env != "" {
		name = env
	}
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", name)))
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	if !bridged {
		// Code that uses the OpenTelemetry API directly joins the same traces.
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(prop)
		return &Tracer{Tracer: opentracing.NoopTracer{}, OTel: &OTel{Provider: tp, Propagator: prop}, close: tp.Shutdown}, nil
	}
	bridge, wrapped := otbridge.NewTracerPair(tp.Tracer("github.com/traceinject/traceinject/examples/shop"))
	bridge.SetTextMapPropagator(prop)
	// Code that uses the OpenTelemetry API directly joins the same traces.
	otel.SetTracerProvider(wrapped)
	otel.SetTextMapPropagator(prop)
	return &Tracer{Tracer: bridge, close: tp.Shutdown}, nil
}

func closeWith(c io.Closer) func(context.Context) error {
	return func(context.Context) error { return c.Close() }
}

// FromEnv returns $TRACER, or def when it is unset.
func FromEnv(def string) string {
	if k := os.Getenv("TRACER"); k != "" {
		return k
	}
	return def
}

// ErrNoSpans is returned by readers of a memory tracer that holds no spans.
var ErrNoSpans = errors.New("no finished spans")
