package otelbehaviour

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegrpc"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// All four RPC kinds through the stubs protoc-gen-go-trace generated for
// testdata/proto/echo, over bufconn.

const service = "traceinject.test.echo.Echo"

// handlers remembers, per method, the span context and the baggage member
// tenant the echo server's handler saw (behaviourtest.EchoServer.Saw).
type handlers struct {
	mu      sync.Mutex
	spans   map[string]trace.SpanContext // by method: the span its handler saw
	baggage map[string]string
}

func (s *handlers) saw(ctx context.Context, method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans[method] = trace.SpanContextFromContext(ctx)
	s.baggage[method] = baggage.FromContext(ctx).Member("tenant").Value()
}

func (s *handlers) seen(method string) (trace.SpanContext, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans[method], s.baggage[method]
}

type env struct {
	*behaviourtest.Recorder
	server *handlers
	client echo.EchoClient
}

func startEcho(t *testing.T, serverOpts, clientOpts []runtime.Option) *env {
	t.Helper()
	r := behaviourtest.Record(t)
	seen := &handlers{spans: map[string]trace.SpanContext{}, baggage: map[string]string{}}
	cc := behaviourtest.Bufconn(t, func(srv *grpc.Server) {
		echo.RegisterEchoServer(srv, echo.NewTracedEchoServer(&behaviourtest.EchoServer{Saw: seen.saw}, serverOpts...))
	})
	return &env{Recorder: r, server: seen, client: echo.NewTracedEchoClient(cc, clientOpts...)}
}

// callerContext carries a span of the caller's and baggage tenant=acme.
func (e *env) callerContext(t *testing.T) (context.Context, trace.Span) {
	ctx, parent := e.Parent(t)
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	ctx, cancel := context.WithCancel(baggage.ContextWithBaggage(ctx, b))
	t.Cleanup(cancel)
	return ctx, parent
}

// pair checks the client and server spans of method and returns them.
func (e *env) pair(t *testing.T, method string, parent trace.Span, code grpccodes.Code) (client, server trace.SpanContext) {
	t.Helper()
	name := service + "/" + method
	c := e.SpanOfKind(t, name, trace.SpanKindClient)
	s := e.SpanOfKind(t, name, trace.SpanKindServer)
	behaviourtest.WantParent(t, c, parent.SpanContext())
	behaviourtest.WantParent(t, s, c.SpanContext())
	want := []attribute.KeyValue{
		attribute.String("rpc.system", "grpc"),
		attribute.String("rpc.service", service),
		attribute.String("rpc.method", method),
		attribute.Int64("rpc.grpc.status_code", int64(code)),
	}
	behaviourtest.WantAttrs(t, c, want...)
	behaviourtest.WantAttrs(t, s, want...)
	sawSpan, sawBaggage := e.server.seen(method)
	if !sawSpan.Equal(s.SpanContext()) {
		t.Errorf("%s: the handler's context carries %s, want the server span %s", method, sawSpan.SpanID(), s.SpanContext().SpanID())
	}
	if sawBaggage != "acme" {
		t.Errorf("%s: the handler saw baggage tenant=%q, want acme", method, sawBaggage)
	}
	return c.SpanContext(), s.SpanContext()
}

func TestGRPCUnary(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	md := metadata.Pairs("x-caller", "1")
	ctx = metadata.NewOutgoingContext(ctx, md)
	if _, err := e.client.Unary(ctx, &echo.Request{Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	e.pair(t, "Unary", parent, grpccodes.OK)
	if len(md) != 1 {
		t.Errorf("the caller's metadata changed: %v", md)
	}
	for _, s := range e.Ended() {
		behaviourtest.WantStatus(t, s, codes.Unset, "")
	}
}

func TestGRPCServerStream(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ServerStream(ctx, &echo.Request{Message: "m", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		// The client span is still open while messages arrive.
		for _, s := range e.Ended() {
			if s.SpanKind() == trace.SpanKindClient {
				t.Fatalf("the client span ended after %d messages, before io.EOF", n)
			}
		}
	}
	e.pair(t, "ServerStream", parent, grpccodes.OK)
}

func TestGRPCClientStream(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := stream.Send(&echo.Request{Message: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stream.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	e.pair(t, "ClientStream", parent, grpccodes.OK)
}

func TestGRPCBidi(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := stream.Send(&echo.Request{Message: "m"}); err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("Recv after CloseSend: %v, want io.EOF unwrapped", err)
	}
	e.pair(t, "Bidi", parent, grpccodes.OK)
}

// Error codes: a client fails on every non-OK code, a server only on the
// codes that mean the server failed; the description is the status message.
func TestGRPCErrors(t *testing.T) {
	for _, tc := range []struct {
		code         grpccodes.Code
		serverFailed bool
	}{
		{grpccodes.NotFound, false},
		{grpccodes.Internal, true},
		{grpccodes.Unavailable, true},
		{grpccodes.InvalidArgument, false},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			e := startEcho(t, nil, nil)
			ctx, parent := e.callerContext(t)
			_, err := e.client.Unary(ctx, &echo.Request{Code: int32(tc.code)})
			if status.Code(err) != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			e.pair(t, "Unary", parent, tc.code)
			name := service + "/Unary"
			behaviourtest.WantStatus(t, e.SpanOfKind(t, name, trace.SpanKindClient), codes.Error, "failed as asked")
			server := e.SpanOfKind(t, name, trace.SpanKindServer)
			if tc.serverFailed {
				behaviourtest.WantStatus(t, server, codes.Error, "failed as asked")
			} else {
				behaviourtest.WantStatus(t, server, codes.Unset, "")
			}
		})
	}
}

// Errors in the middle of streams end both spans with the code.
func TestGRPCStreamError(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echo.Request{Code: int32(grpccodes.DataLoss)}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); status.Code(err) != grpccodes.DataLoss {
		t.Fatalf("Recv: %v", err)
	}
	e.pair(t, "Bidi", parent, grpccodes.DataLoss)
	for _, s := range e.Ended() {
		if s.SpanKind() != trace.SpanKindInternal {
			behaviourtest.WantStatus(t, s, codes.Error, "failed as asked")
		}
	}
}

// A stream whose caller gives up ends its client span when the context is
// done.
func TestGRPCStreamCancelled(t *testing.T) {
	e := startEcho(t, nil, nil)
	ctx, parent := e.callerContext(t)
	ctx, cancel := context.WithCancel(ctx)
	if _, err := e.client.Bidi(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	name := service + "/Bidi"
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		done := false
		for _, s := range e.Ended() {
			done = done || s.SpanKind() == trace.SpanKindClient
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the client span never ended")
		}
	}
	c := e.SpanOfKind(t, name, trace.SpanKindClient)
	behaviourtest.WantParent(t, c, parent.SpanContext())
	if a := behaviourtest.Attrs(c); a["rpc.grpc.status_code"].AsInt64() != int64(grpccodes.Canceled) {
		t.Errorf("status code %v, want Canceled", a["rpc.grpc.status_code"])
	}
	behaviourtest.WantStatus(t, c, codes.Error, "context canceled")
}

// A call without a span in its context starts a root client span.
func TestGRPCRoot(t *testing.T) {
	e := startEcho(t, nil, nil)
	if _, err := e.client.Unary(context.Background(), &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	c := e.SpanOfKind(t, service+"/Unary", trace.SpanKindClient)
	behaviourtest.WantRoot(t, c)
	behaviourtest.WantParent(t, e.SpanOfKind(t, service+"/Unary", trace.SpanKindServer), c.SpanContext())
}

func TestGRPCSkipMethods(t *testing.T) {
	skip := []runtime.Option{tracegrpc.SkipMethods("/" + service + "/Unary")}
	e := startEcho(t, skip, skip)
	ctx, _ := e.callerContext(t)
	if _, err := e.client.Unary(ctx, &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	if spans := e.Ended(); len(spans) != 0 {
		t.Errorf("skipped method recorded %s", behaviourtest.Names(spans))
	}
	// Skipped on both sides: nothing was injected, nothing extracted.
	if sc, _ := e.server.seen("Unary"); sc.IsValid() {
		t.Errorf("the handler of a skipped method sees span %s", sc.SpanID())
	}
}

// The server's panic is recorded and goes on (gRPC itself does not recover
// panics, so EndServer is driven directly, as generated code calls it).
func TestGRPCServerPanic(t *testing.T) {
	r := behaviourtest.Record(t)
	o := runtime.NewOptions()
	m := tracegrpc.NewMethod("/" + service + "/Unary")
	handler := func() (err error) {
		t := o.ActiveTracer(m.FullMethod)
		_, span := tracegrpc.StartServer(context.Background(), t, &m)
		defer tracegrpc.EndServer(span, o, &err)
		panic(errors.New("server exploded"))
	}
	var got any
	func() {
		defer func() { got = recover() }()
		handler()
	}()
	if err, ok := got.(error); !ok || err.Error() != "server exploded" {
		t.Fatalf("recovered %v", got)
	}
	s := r.SpanOfKind(t, service+"/Unary", trace.SpanKindServer)
	behaviourtest.WantStatus(t, s, codes.Error, "panic: server exploded")
	if a := behaviourtest.Attrs(s); a["rpc.grpc.status_code"].AsInt64() != int64(grpccodes.Unknown) {
		t.Errorf("status code %v, want Unknown", a["rpc.grpc.status_code"])
	}
	if ex := behaviourtest.Exceptions(s); len(ex) != 1 {
		t.Errorf("exceptions %q", ex)
	}
}

// A client given runtime.WithTracer keeps recording to that OpenTracing
// tracer under OpenTelemetry; the server, without that option, records an
// OpenTelemetry span.
func TestGRPCExplicitOpenTracingTracer(t *testing.T) {
	mock := mocktracer.New()
	e := startEcho(t, nil, []runtime.Option{runtime.WithTracer(mock)})
	if _, err := e.client.Unary(opentracing.ContextWithSpan(context.Background(), mock.StartSpan("caller")), &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	if n := len(mock.FinishedSpans()); n != 1 {
		t.Errorf("%d OpenTracing spans, want the client's", n)
	}
	e.SpanOfKind(t, service+"/Unary", trace.SpanKindServer)
	if n := len(e.Ended()); n != 1 {
		t.Errorf("%d OpenTelemetry spans, want the server's: %s", n, behaviourtest.Names(e.Ended()))
	}
}
