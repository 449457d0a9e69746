// Package bridge measures the same code as package otel under OpenTracing,
// through go.opentelemetry.io/otel/bridge/opentracing into the same SDK: what
// a program pays when it reaches OpenTelemetry through the bridge instead of
// traceotel.Use. A package of its own because traceotel.Use, once called,
// holds for the whole test binary.
package bridge

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	otbridge "go.opentelemetry.io/otel/bridge/opentracing"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

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

type echoServer struct{ echo.UnimplementedEchoServer }

func (echoServer) Unary(_ context.Context, req *echo.Request) (*echo.Response, error) {
	return &echo.Response{Message: req.GetMessage()}, nil
}

func (echoServer) ServerStream(req *echo.Request, stream grpc.ServerStreamingServer[echo.Response]) error {
	for range req.GetCount() {
		if err := stream.Send(&echo.Response{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkGRPC(b *testing.B) {
	t := install(b)
	parent := t.StartSpan("parent")
	defer parent.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), parent)

	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	echo.RegisterEchoServer(s, echo.NewTracedEchoServer(echoServer{}))
	go s.Serve(lis)
	defer s.Stop()
	cc, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Close()
	client := echo.NewTracedEchoClient(cc)
	b.Run("api=bridge/stubs=traceinject/rpc=unary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Unary(ctx, &echo.Request{Message: "hi"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("api=bridge/stubs=traceinject/rpc=stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			stream, err := client.ServerStream(ctx, &echo.Request{Message: "hi", Count: 3})
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := stream.Recv(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
