package grpcbehaviour_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegrpc"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

const (
	unaryMethod        = "/traceinject.test.echo.Echo/Unary"
	serverStreamMethod = "/traceinject.test.echo.Echo/ServerStream"
	clientStreamMethod = "/traceinject.test.echo.Echo/ClientStream"
	bidiMethod         = "/traceinject.test.echo.Echo/Bidi"
)

// handlers remembers, per method, the span and the metadata the echo
// server's handler saw (behaviourtest.EchoServer.Saw).
type handlers struct {
	mu    sync.Mutex
	spans map[string]opentracing.Span // by method, from ctx or stream.Context()
	md    map[string]metadata.MD
}

func newHandlers() *handlers {
	return &handlers{spans: map[string]opentracing.Span{}, md: map[string]metadata.MD{}}
}

func (s *handlers) saw(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans[method] = opentracing.SpanFromContext(ctx)
	s.md[method] = md
}

func (s *handlers) seen(method string) (opentracing.Span, metadata.MD) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans[method], s.md[method]
}

type env struct {
	tracer *mocktracer.MockTracer
	server *handlers
	client echo.EchoClient
	cc     *grpc.ClientConn
}

// start serves a traced echo server over bufconn and returns a traced client
// for it; both record on one mocktracer unless the options say otherwise.
func start(t *testing.T, serverOpts, clientOpts []runtime.Option) *env {
	t.Helper()
	tracer := mocktracer.New()
	seen := newHandlers()
	cc := behaviourtest.Bufconn(t, func(srv *grpc.Server) {
		impl := &behaviourtest.EchoServer{Saw: seen.saw}
		echo.RegisterEchoServer(srv, echo.NewTracedEchoServer(impl, append([]runtime.Option{runtime.WithTracer(tracer)}, serverOpts...)...))
	})
	client := echo.NewTracedEchoClient(cc, append([]runtime.Option{runtime.WithTracer(tracer)}, clientOpts...)...)
	return &env{tracer: tracer, server: seen, client: client, cc: cc}
}

// callerContext returns a context carrying a span of the caller's, as an
// instrumented caller would.
func (e *env) callerContext(t *testing.T) (context.Context, *mocktracer.MockSpan) {
	parent := e.tracer.StartSpan("caller").(*mocktracer.MockSpan)
	ctx, cancel := context.WithCancel(opentracing.ContextWithSpan(context.Background(), parent))
	t.Cleanup(cancel)
	return ctx, parent
}

// span returns the one finished span named op of the given kind.
func (e *env) span(t *testing.T, op, kind string) *mocktracer.MockSpan {
	t.Helper()
	var found []*mocktracer.MockSpan
	for _, s := range e.tracer.FinishedSpans() {
		if s.OperationName == op && fmt.Sprint(s.Tag("span.kind")) == kind {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d finished %s spans named %s, want 1 (all: %v)", len(found), kind, op, e.tracer.FinishedSpans())
	}
	return found[0]
}

func (e *env) finished(op, kind string) bool {
	for _, s := range e.tracer.FinishedSpans() {
		if s.OperationName == op && fmt.Sprint(s.Tag("span.kind")) == kind {
			return true
		}
	}
	return false
}

// waitFinished waits for a span finished by context.AfterFunc's goroutine.
func (e *env) waitFinished(t *testing.T, op, kind string) *mocktracer.MockSpan {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !e.finished(op, kind); {
		if time.Now().After(deadline) {
			t.Fatalf("the %s span of %s never finished", kind, op)
		}
		time.Sleep(time.Millisecond)
	}
	return e.span(t, op, kind)
}

// checkPair checks the client span is a child of parent, the server span a
// child of the client span, both with the contract's tags, and that the
// handler saw the server span.
func (e *env) checkPair(t *testing.T, op, method string, parent *mocktracer.MockSpan, code codes.Code, clientErr, serverErr bool) {
	t.Helper()
	client := e.span(t, op, "client")
	server := e.span(t, op, "server")
	if client.ParentID != parent.SpanContext.SpanID || client.SpanContext.TraceID != parent.SpanContext.TraceID {
		t.Errorf("client span %+v is not a child of the caller's span %+v", client.SpanContext, parent.SpanContext)
	}
	if server.ParentID != client.SpanContext.SpanID || server.SpanContext.TraceID != client.SpanContext.TraceID {
		t.Errorf("server span (parent %d) is not a child of the client span %d", server.ParentID, client.SpanContext.SpanID)
	}
	for _, s := range []struct {
		span  *mocktracer.MockSpan
		isErr bool
	}{{client, clientErr}, {server, serverErr}} {
		want := map[string]any{
			"component":            "gRPC",
			"rpc.system":           "grpc",
			"rpc.service":          "traceinject.test.echo.Echo",
			"rpc.method":           method,
			"rpc.grpc.status_code": int(code),
		}
		for k, v := range want {
			if got := s.span.Tag(k); got != v {
				t.Errorf("%s span: tag %s = %#v, want %#v", s.span.Tag("span.kind"), k, got, v)
			}
		}
		if got := s.span.Tag("error"); s.isErr && got != true || !s.isErr && got != nil {
			t.Errorf("%s span: error tag = %#v, want error=%v", s.span.Tag("span.kind"), got, s.isErr)
		}
	}
	seen, _ := e.server.seen(method)
	if seen == nil || seen.(*mocktracer.MockSpan).SpanContext.SpanID != server.SpanContext.SpanID {
		t.Errorf("the handler's context carries %v, want the server span", seen)
	}
}

func TestUnary(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	md := metadata.Pairs("x-user", "ann")
	ctx = metadata.NewOutgoingContext(ctx, md)
	var header metadata.MD
	res, err := e.client.Unary(ctx, &echo.Request{Message: "hi"}, grpc.Header(&header))
	if err != nil || res.GetMessage() != "hi" {
		t.Fatalf("Unary = %v, %v", res, err)
	}
	e.checkPair(t, unaryMethod, "Unary", parent, codes.OK, false, false)
	// The call option reached gRPC.
	if got := header.Get("x-answer"); len(got) != 1 || got[0] != "42" {
		t.Errorf("header = %v: the grpc.Header call option was lost", header)
	}
	// The caller's metadata reached the server and was not modified.
	if len(md) != 1 || len(md["x-user"]) != 1 {
		t.Errorf("caller's metadata changed to %v", md)
	}
	if _, got := e.server.seen("Unary"); len(got.Get("x-user")) != 1 || got.Get("x-user")[0] != "ann" {
		t.Errorf("server saw metadata %v, want x-user=ann", got)
	}
}

func TestUnaryErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		code                 codes.Code
		serverOpts           []runtime.Option
		clientOpts           []runtime.Option
		clientErr, serverErr bool
	}{
		{name: "not found", code: codes.NotFound, clientErr: true},
		{name: "internal", code: codes.Internal, clientErr: true, serverErr: true},
		{name: "chosen codes", code: codes.NotFound,
			serverOpts: []runtime.Option{tracegrpc.WithServerErrorCodes(codes.NotFound)},
			clientOpts: []runtime.Option{tracegrpc.WithClientErrorCodes(codes.Internal)},
			serverErr:  true},
		{name: "no codes", code: codes.Internal,
			serverOpts: []runtime.Option{tracegrpc.WithServerErrorCodes()},
			clientOpts: []runtime.Option{tracegrpc.WithClientErrorCodes()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, tc.serverOpts, tc.clientOpts)
			ctx, parent := e.callerContext(t)
			_, err := e.client.Unary(ctx, &echo.Request{Code: int32(tc.code)})
			if status.Code(err) != tc.code {
				t.Fatalf("Unary error %v, want code %v", err, tc.code)
			}
			e.checkPair(t, unaryMethod, "Unary", parent, tc.code, tc.clientErr, tc.serverErr)
			if tc.clientErr {
				if logs := e.span(t, unaryMethod, "client").Logs(); len(logs) == 0 || logs[0].Fields[0].ValueString != "error" {
					t.Errorf("client span logs %v, want event=error", logs)
				}
			}
		})
	}
}

func TestServerStreamEndsAtEOF(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ServerStream(ctx, &echo.Request{Message: "m", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := stream.Recv(); err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
	}
	// The server is done, but the client has not seen the end yet.
	if e.finished(serverStreamMethod, "client") {
		t.Fatal("the client span ended before Recv returned io.EOF")
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("last Recv error %#v, want io.EOF itself", err)
	}
	e.checkPair(t, serverStreamMethod, "ServerStream", parent, codes.OK, false, false)
}

func TestServerStreamError(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ServerStream(ctx, &echo.Request{Count: 1, Code: int32(codes.Unavailable)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv()
	if st, ok := status.FromError(err); !ok || st.Code() != codes.Unavailable || st.Message() != "failed as asked" {
		t.Fatalf("Recv error %v, want the server's status as is", err)
	}
	e.checkPair(t, serverStreamMethod, "ServerStream", parent, codes.Unavailable, true, true)
}

func TestAbandonedStreamEnds(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	ctx, cancel := context.WithCancel(ctx)
	stream, err := e.client.ServerStream(ctx, &echo.Request{Message: "hold", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel() // and never call Recv again
	client := e.waitFinished(t, serverStreamMethod, "client")
	if client.ParentID != parent.SpanContext.SpanID {
		t.Errorf("client span parent %d, want %d", client.ParentID, parent.SpanContext.SpanID)
	}
	if got := client.Tag("rpc.grpc.status_code"); got != int(codes.Canceled) {
		t.Errorf("status code tag %v, want Canceled", got)
	}
	if client.Tag("error") != true {
		t.Error("a canceled client span is an error by default")
	}
	server := e.waitFinished(t, serverStreamMethod, "server")
	if server.Tag("error") != nil {
		t.Error("Canceled is not a server error by default")
	}
}

func TestClientStream(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"a", "b", "c"} {
		if err := stream.Send(&echo.Request{Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	if e.finished(clientStreamMethod, "client") {
		t.Fatal("the client span ended before the response")
	}
	res, err := stream.CloseAndRecv()
	if err != nil || res.GetMessage() != "a,b,c" {
		t.Fatalf("CloseAndRecv = %v, %v", res, err)
	}
	e.checkPair(t, clientStreamMethod, "ClientStream", parent, codes.OK, false, false)
}

func TestClientStreamError(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The server fails on the first message; a later Send may see io.EOF,
	// which must not end the span: the status is still to be received.
	for range 3 {
		if err := stream.Send(&echo.Request{Code: int32(codes.DataLoss)}); err != nil && err != io.EOF {
			t.Fatalf("Send: %v", err)
		}
	}
	if _, err := stream.CloseAndRecv(); status.Code(err) != codes.DataLoss {
		t.Fatalf("CloseAndRecv error %v, want DataLoss", err)
	}
	e.checkPair(t, clientStreamMethod, "ClientStream", parent, codes.DataLoss, true, true)
}

func TestBidiEndsAtEOFNotCloseSend(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"a", "b"} {
		if err := stream.Send(&echo.Request{Message: m}); err != nil {
			t.Fatal(err)
		}
		if res, err := stream.Recv(); err != nil || res.GetMessage() != m {
			t.Fatalf("Recv = %v, %v", res, err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if e.finished(bidiMethod, "client") {
		t.Fatal("the client span ended at CloseSend")
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("Recv error %#v, want io.EOF itself", err)
	}
	e.checkPair(t, bidiMethod, "Bidi", parent, codes.OK, false, false)
	// The wrapper still gives access to the stream's own context and headers.
	if stream.Context() == nil {
		t.Error("stream.Context() is nil")
	}
}

func TestBidiError(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ctx, parent := e.callerContext(t)
	stream, err := e.client.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echo.Request{Code: int32(codes.Unimplemented)}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); status.Code(err) != codes.Unimplemented {
		t.Fatalf("Recv error %v, want Unimplemented", err)
	}
	e.checkPair(t, bidiMethod, "Bidi", parent, codes.Unimplemented, true, true)
}

func TestNoParentSpan(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	if _, err := e.client.Unary(context.Background(), &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	client := e.span(t, unaryMethod, "client")
	server := e.span(t, unaryMethod, "server")
	if client.ParentID != 0 || server.ParentID != client.SpanContext.SpanID {
		t.Errorf("client parent %d (want a root span), server parent %d (want %d)", client.ParentID, server.ParentID, client.SpanContext.SpanID)
	}
}

func TestSkip(t *testing.T) {
	t.Parallel()
	e := start(t, []runtime.Option{tracegrpc.SkipMethods(unaryMethod), tracegrpc.SkipHealthChecks()},
		[]runtime.Option{tracegrpc.SkipHealthChecks(), runtime.WithSkip(func(op string) bool { return op == unaryMethod })})
	ctx, _ := e.callerContext(t)
	if _, err := e.client.Unary(ctx, &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	if spans := e.tracer.FinishedSpans(); len(spans) != 0 {
		t.Errorf("skipped method recorded %v", spans)
	}
	if _, md := e.server.seen("Unary"); len(md.Get("mockpfx-ids-traceid")) != 0 {
		t.Errorf("skipped method sent span context %v", md)
	}
}

// TestNoopTracer runs every kind with opentracing's default no-op global
// tracer: calls work, and nothing is injected or put into contexts.
func TestNoopTracer(t *testing.T) {
	// Not parallel with anything that sets the global tracer (nothing here does).
	if _, noop := opentracing.GlobalTracer().(opentracing.NoopTracer); !noop {
		t.Skip("the global tracer is not the no-op tracer")
	}
	seen := newHandlers()
	cc := behaviourtest.Bufconn(t, func(srv *grpc.Server) {
		echo.RegisterEchoServer(srv, echo.NewTracedEchoServer(&behaviourtest.EchoServer{Saw: seen.saw}))
	})
	client := echo.NewTracedEchoClient(cc)
	ctx := context.Background()
	if res, err := client.Unary(ctx, &echo.Request{Message: "x"}); err != nil || res.GetMessage() != "x" {
		t.Fatalf("Unary = %v, %v", res, err)
	}
	ss, err := client.ServerStream(ctx, &echo.Request{Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = ss.Recv()
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	cs, err := client.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	bs, err := client.Bidi(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	for _, m := range []string{"Unary", "ServerStream", "ClientStream", "Bidi"} {
		span, md := seen.seen(m)
		if span != nil {
			t.Errorf("%s: handler context carries a span under the no-op tracer", m)
		}
		for k := range md {
			if strings.HasPrefix(k, "mockpfx") || strings.Contains(k, "trace") {
				t.Errorf("%s: metadata %s injected under the no-op tracer", m, k)
			}
		}
	}
}

// TestRegisterChecksEmbedding keeps protoc-gen-go-grpc's check that a server
// embeds UnimplementedEchoServer by value, through the traced wrapper.
func TestRegisterChecksEmbedding(t *testing.T) {
	t.Parallel()
	type byPointer struct{ *echo.UnimplementedEchoServer }
	defer func() {
		if recover() == nil {
			t.Error("registering a server that embeds a nil *UnimplementedEchoServer did not panic")
		}
	}()
	echo.RegisterEchoServer(grpc.NewServer(), echo.NewTracedEchoServer(byPointer{}))
}

// binTracer is a mocktracer that also injects a binary "-bin" key and a
// mixed-case key, and records what it extracts.
type binTracer struct {
	*mocktracer.MockTracer
	mu        sync.Mutex
	extracted map[string]string
}

const binaryValue = "\x00\x01\xfe\xff trace"

func (b *binTracer) Inject(sc opentracing.SpanContext, format, carrier any) error {
	w := carrier.(opentracing.TextMapWriter)
	w.Set("X-Trace-Bin", binaryValue)
	w.Set("X-Trace-Id", "abc")
	return b.MockTracer.Inject(sc, format, carrier)
}

func (b *binTracer) Extract(format, carrier any) (opentracing.SpanContext, error) {
	b.mu.Lock()
	carrier.(opentracing.TextMapReader).ForeachKey(func(k, v string) error {
		b.extracted[k] = v
		return nil
	})
	b.mu.Unlock()
	return b.MockTracer.Extract(format, carrier)
}

// TestBinaryMetadata: what a tracer injects into the outgoing metadata of a
// traced client, a "-bin" key with binary bytes included, reaches the traced
// server's Extract over a real connection, byte for byte and lower-cased.
func TestBinaryMetadata(t *testing.T) {
	t.Parallel()
	tracer := &binTracer{MockTracer: mocktracer.New(), extracted: map[string]string{}}
	e := start(t, []runtime.Option{runtime.WithTracer(tracer)}, []runtime.Option{runtime.WithTracer(tracer)})
	if _, err := e.client.Unary(context.Background(), &echo.Request{}); err != nil {
		t.Fatal(err)
	}
	tracer.mu.Lock()
	defer tracer.mu.Unlock()
	if got := tracer.extracted; got["x-trace-bin"] != binaryValue || got["x-trace-id"] != "abc" {
		t.Errorf("the server's tracer extracted %q", got)
	}
	if spans := tracer.FinishedSpans(); len(spans) != 2 || spans[0].ParentID != spans[1].SpanContext.SpanID {
		t.Errorf("spans %v: want the server's span a child of the client's", spans)
	}
}

func TestEndServerRecordsPanic(t *testing.T) {
	t.Parallel()
	tracer := mocktracer.New()
	o := runtime.NewOptions()
	m := tracegrpc.NewMethod("/a.B/C")
	handler := func() (err error) {
		_, span := tracegrpc.StartServer(context.Background(), tracer, &m)
		defer tracegrpc.EndServer(span, o, &err)
		panic(errors.New("boom"))
	}
	func() {
		defer func() {
			if r := recover(); r == nil || r.(error).Error() != "boom" {
				t.Errorf("recovered %v, want the original panic", r)
			}
		}()
		handler()
	}()
	spans := tracer.FinishedSpans()
	if len(spans) != 1 || spans[0].Tag("error") != true || spans[0].Tag("rpc.service") != "a.B" || spans[0].Tag("rpc.method") != "C" {
		t.Fatalf("spans %v", spans)
	}
}
