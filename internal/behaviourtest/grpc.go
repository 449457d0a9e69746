package behaviourtest

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// EchoServer is the Echo service of testdata/proto/echo as the behaviour
// tests use it. Every method answers with the request's message (Unary
// also sends the header x-answer: 42; ClientStream answers once with the
// messages joined by commas), fails with the status code a request carries
// (Request.Code, "failed as asked"), and calls Saw, when set, with its
// context first: what a handler sees is what the tests check. A
// ServerStream request with the message "hold" waits for the client to
// give up after its responses.
type EchoServer struct {
	echo.UnimplementedEchoServer

	Saw func(ctx context.Context, method string)
}

func (s *EchoServer) saw(ctx context.Context, method string) {
	if s.Saw != nil {
		s.Saw(ctx, method)
	}
}

func failAsAsked(req *echo.Request) error {
	if req.GetCode() != 0 {
		return status.Error(codes.Code(req.GetCode()), "failed as asked")
	}
	return nil
}

func (s *EchoServer) Unary(ctx context.Context, req *echo.Request) (*echo.Response, error) {
	s.saw(ctx, "Unary")
	if err := grpc.SetHeader(ctx, metadata.Pairs("x-answer", "42")); err != nil {
		return nil, err
	}
	if err := failAsAsked(req); err != nil {
		return nil, err
	}
	return &echo.Response{Message: req.GetMessage()}, nil
}

func (s *EchoServer) ServerStream(req *echo.Request, stream grpc.ServerStreamingServer[echo.Response]) error {
	s.saw(stream.Context(), "ServerStream")
	for range req.GetCount() {
		if err := stream.Send(&echo.Response{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
	if req.GetMessage() == "hold" { // until the client gives up
		<-stream.Context().Done()
		return status.FromContextError(stream.Context().Err()).Err()
	}
	return failAsAsked(req)
}

func (s *EchoServer) ClientStream(stream grpc.ClientStreamingServer[echo.Request, echo.Response]) error {
	s.saw(stream.Context(), "ClientStream")
	var msgs []string
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&echo.Response{Message: strings.Join(msgs, ",")})
		}
		if err != nil {
			return err
		}
		if err := failAsAsked(req); err != nil {
			return err
		}
		msgs = append(msgs, req.GetMessage())
	}
}

func (s *EchoServer) Bidi(stream grpc.BidiStreamingServer[echo.Request, echo.Response]) error {
	s.saw(stream.Context(), "Bidi")
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := failAsAsked(req); err != nil {
			return err
		}
		if err := stream.Send(&echo.Response{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
}

// Bufconn serves what register registers on a new gRPC server over an
// in-memory bufconn listener until the test ends, and returns a client
// connection to it, closed when the test ends.
func Bufconn(t testing.TB, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	register(srv)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}
