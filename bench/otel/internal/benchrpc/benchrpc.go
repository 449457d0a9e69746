// Package benchrpc is the gRPC side the benchmarks of this module share:
// a bare echo service over bufconn and the calls they measure.
package benchrpc

import (
	"context"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// EchoServer answers Unary and ServerStream with the request's message and
// nothing else: the service the benchmarks call.
type EchoServer struct{ echo.UnimplementedEchoServer }

func (EchoServer) Unary(_ context.Context, req *echo.Request) (*echo.Response, error) {
	return &echo.Response{Message: req.GetMessage()}, nil
}

func (EchoServer) ServerStream(req *echo.Request, stream grpc.ServerStreamingServer[echo.Response]) error {
	for range req.GetCount() {
		if err := stream.Send(&echo.Response{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
	return nil
}

// Dial serves srv over bufconn with srvOpts and returns a connection to
// it; both end with the benchmark.
func Dial(b *testing.B, srv echo.EchoServer, srvOpts []grpc.ServerOption, dialOpts []grpc.DialOption) *grpc.ClientConn {
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

// RPCs runs a unary call (rpc=unary) and a server stream of three messages
// (rpc=stream) through client, under a context carrying ctx's span.
func RPCs(b *testing.B, ctx context.Context, client echo.EchoClient) {
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
