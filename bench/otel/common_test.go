package otel

import (
	"context"
	"io"
	"net"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/testdata/proto/echo"
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

// dial serves srv over bufconn with srvOpts and returns a connection to it.
func dial(b *testing.B, srv echo.EchoServer, srvOpts []grpc.ServerOption, dialOpts []grpc.DialOption) *grpc.ClientConn {
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer(srvOpts...)
	echo.RegisterEchoServer(s, srv)
	go s.Serve(lis)
	b.Cleanup(s.Stop)
	cc, err := grpc.NewClient("passthrough:///bufconn", append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dialOpts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	return cc
}

// rpcs runs a unary call and a server stream of three messages through
// client, under a context carrying ctx's span.
func rpcs(b *testing.B, ctx context.Context, client echo.EchoClient) {
	b.Run("rpc=unary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Unary(ctx, &echo.Request{Message: "hi"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rpc=stream", func(b *testing.B) {
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
