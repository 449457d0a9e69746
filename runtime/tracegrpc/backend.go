package tracegrpc

import (
	"context"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/internal/backend"
	"github.com/traceinject/traceinject/runtime/internal/impl"
)

// The spans of the API traceotel.Use installed: the backend names and tags
// them by its own conventions; this file only feeds it gRPC's facts.

func (m *Method) backendRPC() *backend.RPC {
	if m.rpc != nil {
		return m.rpc
	}
	// A Method built without NewMethod.
	service, method := splitMethod(m.FullMethod)
	return &backend.RPC{FullMethod: m.FullMethod, Service: service, Method: method}
}

func startClientBackend(ctx context.Context, m *Method) (context.Context, runtime.Span) {
	b := backend.Current()
	if b == nil { // OpenTracing again since ActiveTracer looked
		return ctx, runtime.Span{}
	}
	sctx, span := b.StartRPC(ctx, m.backendRPC(), true, nil)
	carrier := new(appendCarrier)
	b.Inject(sctx, carrier)
	if len(carrier.kv) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, carrier.kv...)
	}
	return ctx, runtime.Span(impl.BackendSpan(backend.Span{B: b, V: span}))
}

func startServerBackend(ctx context.Context, m *Method) (context.Context, runtime.Span) {
	b := backend.Current()
	if b == nil {
		return ctx, runtime.Span{}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	ctx, span := b.StartRPC(ctx, m.backendRPC(), false, metadataCarrier(md))
	return ctx, runtime.Span(impl.BackendSpan(backend.Span{B: b, V: span}))
}

func endBackend(s backend.Span, err error, o *runtime.Options, isError func(*runtime.Options, codes.Code) bool) {
	if s.B == nil {
		return
	}
	c := codes.OK
	if err != nil && err != io.EOF {
		c = status.Code(err)
	}
	failed := c != codes.OK && isError(o, c)
	var message string
	if failed {
		st, _ := status.FromError(err)
		message = st.Message()
	}
	s.B.EndRPC(s.V, uint32(c), failed, message)
	s.B.Finish(s.V)
}

// endServerBackend is EndServer's second half; r is what EndServer
// recovered.
func endServerBackend(s backend.Span, o *runtime.Options, errp *error, r any) {
	if r != nil {
		if s.B != nil {
			s.B.EndRPC(s.V, uint32(codes.Unknown), false, "")
			s.B.FailPanic(s.V, r)
			s.B.Finish(s.V)
		}
		panic(r)
	}
	endBackend(s, *errp, o, isServerError)
}
