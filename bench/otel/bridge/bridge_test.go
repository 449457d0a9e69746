// Package bridge measures the same code as package otel under OpenTracing,
// through go.opentelemetry.io/otel/bridge/opentracing into the same SDK: what
// a program pays when it reaches OpenTelemetry through the bridge instead of
// traceotel.Use. A package of its own because traceotel.Use, once called,
// holds for the whole test binary.
package bridge

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	otbridge "go.opentelemetry.io/otel/bridge/opentracing"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/traceinject/traceinject/bench/otel/internal/benchrpc"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// install makes the bridge, over an SDK like package otel's, opentracing's
// global tracer.
func install(b *testing.B) opentracing.Tracer {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSyncer(tracetest.NewNoopExporter()))
	bt, _ := otbridge.NewTracerPair(tp.Tracer("bench"))
	bt.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(bt)
	b.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	return bt
}

//go:noinline
func work(ctx context.Context, id string) (string, error) {
	if ctx == nil {
		return "", io.EOF
	}
	return id, nil
}

//go:noinline
func instrumented(ctx context.Context, id string) (_ string, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "bench.instrumented")
	runtime.SetTag(span, "id", id)
	defer span.End(&err)
	//trace:end
	return work(ctx, id)
}

func BenchmarkContextFunction(b *testing.B) {
	t := install(b)
	parent := t.StartSpan("parent")
	defer parent.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	b.Run("api=bridge/func=traceinject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := instrumented(ctx, "42"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func annotated(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "bridge.annotated")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, c.Param("id"))
}

func BenchmarkGinRequest(b *testing.B) {
	install(b)
	gin.SetMode(gin.ReleaseMode)
	b.Run("api=bridge/handler=traceinject", func(b *testing.B) {
		e := gin.New()
		e.GET("/user/:id", annotated)
		req := httptest.NewRequest(http.MethodGet, "/user/42", nil)
		req.Header.Set("traceparent", "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01")
		w := httptest.NewRecorder()
		b.ReportAllocs()
		for b.Loop() {
			w.Body.Reset()
			e.ServeHTTP(w, req)
		}
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	})
}

func BenchmarkGRPC(b *testing.B) {
	t := install(b)
	parent := t.StartSpan("parent")
	defer parent.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	b.Run("api=bridge/stubs=traceinject", func(b *testing.B) {
		cc := benchrpc.Dial(b, echo.NewTracedEchoServer(benchrpc.EchoServer{}), nil, nil)
		benchrpc.RPCs(b, ctx, echo.NewTracedEchoClient(cc))
	})
}
