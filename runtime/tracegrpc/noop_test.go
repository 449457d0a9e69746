package tracegrpc_test

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"google.golang.org/grpc"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegrpc"
	"github.com/traceinject/traceinject/runtime/tracegrpc/internal/greetpb"
)

// nopConn answers every call at once, without a network.
type nopConn struct{}

func (nopConn) Invoke(context.Context, string, any, any, ...grpc.CallOption) error { return nil }

func (nopConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	panic("not used")
}

// TestNoopAllocatesNothing: under the no-op tracer, and for a skipped
// method, a generated client and server allocate nothing beyond what the
// stubs they wrap allocate.
func TestNoopAllocatesNothing(t *testing.T) {
	if _, noop := opentracing.GlobalTracer().(opentracing.NoopTracer); !noop {
		t.Skip("the global tracer is not the no-op tracer")
	}
	ctx := context.Background()
	req := &greetpb.HelloRequest{Name: "ann"}
	skipped := []runtime.Option{
		runtime.WithTracer(mocktracer.New()), // would record, but for the skip
		tracegrpc.SkipMethods(greetpb.Greeter_Hello_FullMethodName),
	}

	bare := greetpb.NewGreeterClient(nopConn{})
	bareClient := testing.AllocsPerRun(100, func() { bare.Hello(ctx, req) })
	bareServer := testing.AllocsPerRun(100, func() { greeter{}.Hello(ctx, req) })
	for name, opts := range map[string][]runtime.Option{"no-op tracer": nil, "skipped": skipped} {
		client := greetpb.NewTracedGreeterClient(nopConn{}, opts...)
		server := greetpb.NewTracedGreeterServer(greeter{}, opts...)
		tracedClient := testing.AllocsPerRun(100, func() { client.Hello(ctx, req) })
		tracedServer := testing.AllocsPerRun(100, func() { server.Hello(ctx, req) })
		if tracedClient != bareClient {
			t.Errorf("%s: the traced client allocates %v times per call, the bare one %v", name, tracedClient, bareClient)
		}
		if tracedServer != bareServer {
			t.Errorf("%s: the traced server allocates %v times per call, the bare one %v", name, tracedServer, bareServer)
		}
	}
}
