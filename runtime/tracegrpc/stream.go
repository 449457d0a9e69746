package tracegrpc

import (
	"context"
	"io"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/traceinject/traceinject/runtime"
)

// streamSpan is the span of a client stream. It ends exactly once: at the
// first end of the stream the wrapper sees, or when the call's context is
// done, through context.AfterFunc rather than a goroutine per stream.
type streamSpan struct {
	span runtime.Span
	opts *runtime.Options
	ctx  context.Context
	stop func() bool // deregisters the AfterFunc; nil if ctx is never done
	done atomic.Bool
}

func (s *streamSpan) init(ctx context.Context, span runtime.Span, o *runtime.Options) {
	s.span, s.opts, s.ctx = span, o, ctx
	if ctx.Done() != nil {
		s.stop = context.AfterFunc(ctx, s.expire)
	}
}

// end finishes the span with the stream's outcome err (io.EOF: success).
func (s *streamSpan) end(err error) {
	if s.done.Swap(true) {
		return
	}
	if s.stop != nil {
		s.stop()
	}
	EndClient(s.span, s.opts, err)
}

// expire finishes the span of a stream its caller gave up on.
func (s *streamSpan) expire() {
	if s.done.Swap(true) {
		return
	}
	EndClient(s.span, s.opts, status.FromContextError(s.ctx.Err()).Err())
}

// recvEnds is what a receive tells about the end of a stream whose server
// sends many messages: an error (io.EOF included) ends it, a message does not.
func (s *streamSpan) recvEnds(err error) {
	if err != nil {
		s.end(err)
	}
}

// sendEnds: io.EOF from a send means the stream is over but its status is
// still to be received, so only other errors end the span.
func (s *streamSpan) sendEnds(err error) {
	if err != nil && err != io.EOF {
		s.end(err)
	}
}

// WrapServerStreamingClient returns stream with its span ending at the end
// of the stream; ctx is the context the call was made with.
func WrapServerStreamingClient[Res any](ctx context.Context, stream grpc.ServerStreamingClient[Res], span runtime.Span, o *runtime.Options) grpc.ServerStreamingClient[Res] {
	x := &serverStreamingClient[Res]{ServerStreamingClient: stream}
	x.init(ctx, span, o)
	return x
}

type serverStreamingClient[Res any] struct {
	grpc.ServerStreamingClient[Res]
	streamSpan
}

func (x *serverStreamingClient[Res]) Recv() (*Res, error) {
	m, err := x.ServerStreamingClient.Recv()
	x.recvEnds(err)
	return m, err
}

func (x *serverStreamingClient[Res]) RecvMsg(m any) error {
	err := x.ServerStreamingClient.RecvMsg(m)
	x.recvEnds(err)
	return err
}

// WrapClientStreamingClient returns stream with its span ending when the
// response (or an error) is received; ctx is the context the call was made
// with.
func WrapClientStreamingClient[Req, Res any](ctx context.Context, stream grpc.ClientStreamingClient[Req, Res], span runtime.Span, o *runtime.Options) grpc.ClientStreamingClient[Req, Res] {
	x := &clientStreamingClient[Req, Res]{ClientStreamingClient: stream}
	x.init(ctx, span, o)
	return x
}

type clientStreamingClient[Req, Res any] struct {
	grpc.ClientStreamingClient[Req, Res]
	streamSpan
}

func (x *clientStreamingClient[Req, Res]) Send(m *Req) error {
	err := x.ClientStreamingClient.Send(m)
	x.sendEnds(err)
	return err
}

func (x *clientStreamingClient[Req, Res]) SendMsg(m any) error {
	err := x.ClientStreamingClient.SendMsg(m)
	x.sendEnds(err)
	return err
}

func (x *clientStreamingClient[Req, Res]) CloseAndRecv() (*Res, error) {
	m, err := x.ClientStreamingClient.CloseAndRecv()
	x.end(err)
	return m, err
}

// RecvMsg ends the span whatever it returns: the server sends one message,
// and gRPC has read the status by the time it returns it.
func (x *clientStreamingClient[Req, Res]) RecvMsg(m any) error {
	err := x.ClientStreamingClient.RecvMsg(m)
	x.end(err)
	return err
}

// WrapBidiStreamingClient returns stream with its span ending at the end of
// the stream; ctx is the context the call was made with.
func WrapBidiStreamingClient[Req, Res any](ctx context.Context, stream grpc.BidiStreamingClient[Req, Res], span runtime.Span, o *runtime.Options) grpc.BidiStreamingClient[Req, Res] {
	x := &bidiStreamingClient[Req, Res]{BidiStreamingClient: stream}
	x.init(ctx, span, o)
	return x
}

type bidiStreamingClient[Req, Res any] struct {
	grpc.BidiStreamingClient[Req, Res]
	streamSpan
}

func (x *bidiStreamingClient[Req, Res]) Send(m *Req) error {
	err := x.BidiStreamingClient.Send(m)
	x.sendEnds(err)
	return err
}

func (x *bidiStreamingClient[Req, Res]) SendMsg(m any) error {
	err := x.BidiStreamingClient.SendMsg(m)
	x.sendEnds(err)
	return err
}

func (x *bidiStreamingClient[Req, Res]) Recv() (*Res, error) {
	m, err := x.BidiStreamingClient.Recv()
	x.recvEnds(err)
	return m, err
}

func (x *bidiStreamingClient[Req, Res]) RecvMsg(m any) error {
	err := x.BidiStreamingClient.RecvMsg(m)
	x.recvEnds(err)
	return err
}

// WrapServerStreamingServer returns stream with Context returning ctx, the
// handler's context carrying the server span.
func WrapServerStreamingServer[Res any](ctx context.Context, stream grpc.ServerStreamingServer[Res]) grpc.ServerStreamingServer[Res] {
	return &serverStreamingServer[Res]{stream, ctx}
}

type serverStreamingServer[Res any] struct {
	grpc.ServerStreamingServer[Res]
	ctx context.Context
}

func (s *serverStreamingServer[Res]) Context() context.Context { return s.ctx }

// WrapClientStreamingServer returns stream with Context returning ctx, the
// handler's context carrying the server span.
func WrapClientStreamingServer[Req, Res any](ctx context.Context, stream grpc.ClientStreamingServer[Req, Res]) grpc.ClientStreamingServer[Req, Res] {
	return &clientStreamingServer[Req, Res]{stream, ctx}
}

type clientStreamingServer[Req, Res any] struct {
	grpc.ClientStreamingServer[Req, Res]
	ctx context.Context
}

func (s *clientStreamingServer[Req, Res]) Context() context.Context { return s.ctx }

// WrapBidiStreamingServer returns stream with Context returning ctx, the
// handler's context carrying the server span.
func WrapBidiStreamingServer[Req, Res any](ctx context.Context, stream grpc.BidiStreamingServer[Req, Res]) grpc.BidiStreamingServer[Req, Res] {
	return &bidiStreamingServer[Req, Res]{stream, ctx}
}

type bidiStreamingServer[Req, Res any] struct {
	grpc.BidiStreamingServer[Req, Res]
	ctx context.Context
}

func (s *bidiStreamingServer[Req, Res]) Context() context.Context { return s.ctx }
