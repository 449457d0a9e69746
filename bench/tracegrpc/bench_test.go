package tracegrpc_test

import (
	"context"
	"io"
	"net"
	"testing"

	grpc_opentracing "github.com/grpc-ecosystem/go-grpc-middleware/tracing/opentracing"
	otgrpc "github.com/opentracing-contrib/go-grpc"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// Round trips over bufconn through bare protoc-gen-go-grpc stubs, our traced
// stubs, and the two OpenTracing interceptor libraries, each under the no-op
// tracer and under mocktracer:
//
//	cd bench && go test -run '^$' -bench . -benchmem -count 6 ./tracegrpc

type stack struct {
	name  string
	setup func(t opentracing.Tracer) (srvOpts []grpc.ServerOption, dialOpts []grpc.DialOption, wrapSrv func(echo.EchoServer) echo.EchoServer, wrapCli func(grpc.ClientConnInterface) echo.EchoClient)
}

var stacks = []stack{
	{"bare", func(opentracing.Tracer) ([]grpc.ServerOption, []grpc.DialOption, func(echo.EchoServer) echo.EchoServer, func(grpc.ClientConnInterface) echo.EchoClient) {
		return nil, nil, func(s echo.EchoServer) echo.EchoServer { return s }, echo.NewEchoClient
	}},
	{"traced", func(t opentracing.Tracer) ([]grpc.ServerOption, []grpc.DialOption, func(echo.EchoServer) echo.EchoServer, func(grpc.ClientConnInterface) echo.EchoClient) {
		var opts []runtime.Option
		if _, noop := t.(opentracing.NoopTracer); !noop {
			opts = append(opts, runtime.WithTracer(t))
		} // else: the default, opentracing's global no-op tracer
		return nil, nil,
			func(s echo.EchoServer) echo.EchoServer { return echo.NewTracedEchoServer(s, opts...) },
			func(cc grpc.ClientConnInterface) echo.EchoClient { return echo.NewTracedEchoClient(cc, opts...) }
	}},
	{"otgrpc", func(t opentracing.Tracer) ([]grpc.ServerOption, []grpc.DialOption, func(echo.EchoServer) echo.EchoServer, func(grpc.ClientConnInterface) echo.EchoClient) {
		return []grpc.ServerOption{
				grpc.UnaryInterceptor(otgrpc.OpenTracingServerInterceptor(t)),
				grpc.StreamInterceptor(otgrpc.OpenTracingStreamServerInterceptor(t)),
			}, []grpc.DialOption{
				grpc.WithUnaryInterceptor(otgrpc.OpenTracingClientInterceptor(t)),
				grpc.WithStreamInterceptor(otgrpc.OpenTracingStreamClientInterceptor(t)),
			},
			func(s echo.EchoServer) echo.EchoServer { return s }, echo.NewEchoClient
	}},
	{"middleware", func(t opentracing.Tracer) ([]grpc.ServerOption, []grpc.DialOption, func(echo.EchoServer) echo.EchoServer, func(grpc.ClientConnInterface) echo.EchoClient) {
		o := grpc_opentracing.WithTracer(t)
		return []grpc.ServerOption{
				grpc.UnaryInterceptor(grpc_opentracing.UnaryServerInterceptor(o)),
				grpc.StreamInterceptor(grpc_opentracing.StreamServerInterceptor(o)),
			}, []grpc.DialOption{
				grpc.WithUnaryInterceptor(grpc_opentracing.UnaryClientInterceptor(o)),
				grpc.WithStreamInterceptor(grpc_opentracing.StreamClientInterceptor(o)),
			},
			func(s echo.EchoServer) echo.EchoServer { return s }, echo.NewEchoClient
	}},
}

func benchClient(b *testing.B, st stack, tracer opentracing.Tracer) echo.EchoClient {
	srvOpts, dialOpts, wrapSrv, wrapCli := st.setup(tracer)
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(srvOpts...)
	echo.RegisterEchoServer(srv, wrapSrv(benchServer{}))
	go srv.Serve(lis)
	b.Cleanup(srv.Stop)
	cc, err := grpc.NewClient("passthrough:///bufconn", append(dialOpts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	return wrapCli(cc)
}

// benchServer answers without bookkeeping, which would
// dominate the allocations measured.
type benchServer struct{ echo.UnimplementedEchoServer }

func (benchServer) Unary(_ context.Context, req *echo.Request) (*echo.Response, error) {
	return &echo.Response{Message: req.GetMessage()}, nil
}

func (benchServer) ServerStream(req *echo.Request, stream grpc.ServerStreamingServer[echo.Response]) error {
	return stream.Send(&echo.Response{Message: req.GetMessage()})
}

func forEachStack(b *testing.B, run func(b *testing.B, client echo.EchoClient, reset func())) {
	for _, st := range stacks {
		for _, tr := range []string{"noop", "mock"} {
			b.Run(st.name+"/"+tr, func(b *testing.B) {
				var tracer opentracing.Tracer = opentracing.NoopTracer{}
				reset := func() {}
				if tr == "mock" {
					mt := mocktracer.New()
					tracer, reset = mt, mt.Reset
				}
				client := benchClient(b, st, tracer)
				b.ReportAllocs()
				b.ResetTimer()
				run(b, client, reset)
			})
		}
	}
}

func BenchmarkUnary(b *testing.B) {
	forEachStack(b, func(b *testing.B, client echo.EchoClient, reset func()) {
		ctx := context.Background()
		req := &echo.Request{Message: "ping"}
		for i := 0; b.Loop(); i++ {
			if _, err := client.Unary(ctx, req); err != nil {
				b.Fatal(err)
			}
			if i%1024 == 0 {
				reset() // mocktracer keeps every finished span
			}
		}
	})
}

// BenchmarkServerStream opens a server stream, receives its one message and
// then io.EOF.
func BenchmarkServerStream(b *testing.B) {
	forEachStack(b, func(b *testing.B, client echo.EchoClient, reset func()) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := &echo.Request{Message: "ping"}
		for i := 0; b.Loop(); i++ {
			stream, err := client.ServerStream(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := stream.Recv(); err != nil {
				b.Fatal(err)
			}
			if _, err := stream.Recv(); err != io.EOF {
				b.Fatal(err)
			}
			if i%1024 == 0 {
				reset()
			}
		}
	})
}

// nopConn answers every unary call at once, so that BenchmarkStubOverhead
// measures what the stubs themselves cost, without the transport's noise.
type nopConn struct{}

func (nopConn) Invoke(context.Context, string, any, any, ...grpc.CallOption) error { return nil }

func (nopConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	panic("not used")
}

func BenchmarkStubOverhead(b *testing.B) {
	for _, st := range []struct {
		name   string
		client echo.EchoClient
	}{
		{"bare", echo.NewEchoClient(nopConn{})},
		{"traced/noop", echo.NewTracedEchoClient(nopConn{})},
	} {
		b.Run(st.name, func(b *testing.B) {
			ctx := context.Background()
			req := &echo.Request{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.client.Unary(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
