package otel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/traceinject/traceinject/bench/otel/internal/benchrpc"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
	"github.com/traceinject/traceinject/runtime/traceotel"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// Under OpenTelemetry (traceotel.Use with the SDK), side by side with
// OpenTelemetry's own instrumentation recording the same spans.

//go:noinline
func bare(ctx context.Context, id string) (string, error) {
	return work(ctx, id)
}

// instrumented is what traceinject injects for
// `//trace:span tag.id=id`.
//
//go:noinline
func instrumented(ctx context.Context, id string) (_ string, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "bench.instrumented")
	runtime.SetTag(span, "id", id)
	defer span.End(&err)
	//trace:end
	return work(ctx, id)
}

var tracer trace.Tracer

// handWritten is OpenTelemetry's documented pattern, with the same
// attribute and the same error recording.
//
//go:noinline
func handWritten(ctx context.Context, id string) (_ string, err error) {
	ctx, span := tracer.Start(ctx, "bench.handWritten")
	span.SetAttributes(attribute.String("id", id))
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(2, err.Error())
		}
		span.End()
	}()
	return work(ctx, id)
}

// handWrittenPlain is the pattern as most code writes it: no attribute, no
// error recording.
//
//go:noinline
func handWrittenPlain(ctx context.Context, id string) (string, error) {
	ctx, span := tracer.Start(ctx, "bench.handWrittenPlain")
	defer span.End()
	return work(ctx, id)
}

func BenchmarkContextFunction(b *testing.B) {
	tp := provider()
	traceotel.Use(tp, w3c)
	tracer = tp.Tracer("bench")
	ctx, parent := tracer.Start(context.Background(), "parent")
	defer parent.End()
	for _, fn := range []struct {
		name string
		f    func(context.Context, string) (string, error)
	}{
		{"bare", bare},
		{"traceinject", instrumented},
		{"handwritten", handWritten},
		{"handwritten-plain", func(ctx context.Context, id string) (string, error) { return handWrittenPlain(ctx, id) }},
	} {
		b.Run("api=otel/func="+fn.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fn.f(ctx, "42"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func annotated(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otel.annotated")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusOK, c.Param("id"))
}

func plain(c *gin.Context) { c.String(http.StatusOK, c.Param("id")) }

// BenchmarkGinRequest: one request through gin.Engine.ServeHTTP, with a W3C
// traceparent header, for the route GET /user/:id.
func BenchmarkGinRequest(b *testing.B) {
	tp := provider()
	traceotel.Use(tp, w3c)
	gin.SetMode(gin.ReleaseMode)
	for _, h := range []struct {
		name  string
		setup func(*gin.Engine) gin.HandlerFunc
	}{
		{"bare", func(*gin.Engine) gin.HandlerFunc { return plain }},
		{"traceinject", func(*gin.Engine) gin.HandlerFunc { return annotated }},
		{"otelgin", func(e *gin.Engine) gin.HandlerFunc {
			e.Use(otelgin.Middleware("bench", otelgin.WithTracerProvider(tp), otelgin.WithPropagators(w3c),
				otelgin.WithMeterProvider(metricnoop.NewMeterProvider())))
			return plain
		}},
	} {
		b.Run("api=otel/handler="+h.name, func(b *testing.B) {
			e := gin.New()
			e.GET("/user/:id", h.setup(e))
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
}

// BenchmarkGRPC: a unary call and a server stream of three messages over
// bufconn, the caller's context carrying a span: bare stubs, the traced
// stubs, and bare stubs with otelgrpc's stats handlers on both sides.
func BenchmarkGRPC(b *testing.B) {
	tp := provider()
	traceotel.Use(tp, w3c)
	ctx, parent := tp.Tracer("bench").Start(context.Background(), "parent")
	defer parent.End()
	b.Run("api=otel/stubs=bare", func(b *testing.B) {
		benchrpc.RPCs(b, ctx, echo.NewEchoClient(benchrpc.Dial(b, benchrpc.EchoServer{}, nil, nil)))
	})
	b.Run("api=otel/stubs=traceinject", func(b *testing.B) {
		cc := benchrpc.Dial(b, echo.NewTracedEchoServer(benchrpc.EchoServer{}), nil, nil)
		benchrpc.RPCs(b, ctx, echo.NewTracedEchoClient(cc))
	})
	b.Run("api=otel/stubs=otelgrpc", func(b *testing.B) {
		opts := []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(w3c),
			otelgrpc.WithMeterProvider(metricnoop.NewMeterProvider())}
		cc := benchrpc.Dial(b, benchrpc.EchoServer{},
			[]grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(opts...))},
			[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(opts...))})
		benchrpc.RPCs(b, ctx, echo.NewEchoClient(cc))
	})
}
