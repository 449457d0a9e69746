// Package tracehttp traces outgoing HTTP requests: its Transport, an
// http.RoundTripper, gives each request a client span that is a child of the
// span in the request's context and sends that span to the server in the
// request headers, where a traced server (a Gin handler annotated for
// traceinject, for example) joins the trace.
//
//	client := &http.Client{Transport: tracehttp.NewTransport(http.DefaultTransport)}
//	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
//	...
//	resp, err := client.Do(req)
//
// Inside a function annotated for traceinject, http.NewRequest is rewritten to
// http.NewRequestWithContext with the function's span, so the client span
// joins the function's trace without further changes.
//
// After traceotel.Use (package runtime/traceotel) the client spans are
// OpenTelemetry spans following its semantic conventions (see that package),
// injected through the propagator given to Use.
//
// It is part of the traceinject runtime and imports neither Gin nor gRPC.
package tracehttp

import (
	"io"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/log"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/internal/backend"
	"github.com/traceinject/traceinject/runtime/internal/impl"
)

// component is the value of the component tag of every span started here.
const component = "net/http"

// Transport is an http.RoundTripper that traces each request it sends through
// its base RoundTripper.
//
// The span is named "HTTP <METHOD>" (the name runtime.WithSkip sees), is a
// child of the span in the request's context (a root span when there is none)
// and carries span.kind=client, component=net/http, http.method, http.url
// (scheme, host and path: never the query string or user information),
// http.status_code, and error=true for a status of 500 or more or a transport
// error. It is injected into the headers of a clone of the request: the
// caller's request is never modified.
//
// The span ends when the response body is read to its end or fails, when it is
// closed, or when the request fails; a response without a body ends it at
// once. Close response bodies, as net/http asks, or spans stay open.
//
// With opentracing's no-op tracer, or for a skipped operation, the request goes
// to the base RoundTripper untouched.
type Transport struct {
	base http.RoundTripper
	opts *impl.Options
}

// NewTransport returns a Transport that sends requests through base
// (http.DefaultTransport when nil). Without runtime.WithTracer, spans start on
// opentracing's global tracer as it is when each request is sent.
func NewTransport(base http.RoundTripper, opts ...runtime.Option) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{base: base, opts: (*impl.Options)(runtime.NewOptions(opts...))}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	operation := operationName(method)
	tracer := t.opts.ActiveTracer(operation)
	if tracer == nil {
		return t.base.RoundTrip(req)
	}
	if _, ok := tracer.(backend.Tracer); ok {
		return t.roundTripBackend(req, method)
	}

	ctx := req.Context()
	var span opentracing.Span
	if parent := opentracing.SpanFromContext(ctx); parent != nil {
		span = tracer.StartSpan(operation, opentracing.ChildOf(parent.Context()), ext.SpanKindRPCClient)
	} else {
		span = tracer.StartSpan(operation, ext.SpanKindRPCClient)
	}
	ext.Component.Set(span, component)
	ext.HTTPMethod.Set(span, method)
	ext.HTTPUrl.Set(span, redact(req.URL))

	// Clone deep-copies the headers, so the caller's request stays as it was
	// (RoundTrippers must not modify it) and can be sent again.
	out := req.Clone(opentracing.ContextWithSpan(ctx, span))
	if err := tracer.Inject(span.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(out.Header)); err != nil {
		// The request still goes out; only the server's half of the trace is lost.
		span.LogFields(log.String("event", "inject failed"), log.Error(err))
	}

	resp, err := t.base.RoundTrip(out)
	if err != nil {
		ext.LogError(span, err)
		span.Finish()
		return resp, err
	}
	ext.HTTPStatusCode.Set(span, uint16(resp.StatusCode))
	if resp.StatusCode >= http.StatusInternalServerError {
		ext.Error.Set(span, true)
	}
	endWithBody(resp, span, backend.Span{})
	return resp, nil
}

// endWithBody makes resp's body finish the span (span, or x when span is
// nil), or finishes it now when there is no body.
func endWithBody(resp *http.Response, span opentracing.Span, x backend.Span) {
	switch {
	case resp.Body == nil || resp.Body == http.NoBody:
		if span != nil {
			span.Finish()
		} else {
			x.B.Finish(x.V)
		}
	case resp.StatusCode == http.StatusSwitchingProtocols:
		// The body of a 101 response is the upgraded connection, which
		// callers write to: keep it writable.
		if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
			resp.Body = &upgradedBody{body{rc: rwc, span: span, x: x}, rwc}
			break
		}
		resp.Body = &body{rc: resp.Body, span: span, x: x}
	default:
		resp.Body = &body{rc: resp.Body, span: span, x: x}
	}
}

// CloseIdleConnections closes the idle connections of the base RoundTripper
// if it has any, so that http.Client.CloseIdleConnections keeps working.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// operationName returns "HTTP <method>" without allocating for the standard
// methods, so that a skipped request costs nothing.
func operationName(method string) string {
	switch method {
	case http.MethodGet:
		return "HTTP GET"
	case http.MethodHead:
		return "HTTP HEAD"
	case http.MethodPost:
		return "HTTP POST"
	case http.MethodPut:
		return "HTTP PUT"
	case http.MethodPatch:
		return "HTTP PATCH"
	case http.MethodDelete:
		return "HTTP DELETE"
	case http.MethodOptions:
		return "HTTP OPTIONS"
	}
	return "HTTP " + method
}

// redact returns u without user information, query and fragment.
func redact(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// body finishes its span once: at the end of the body, at a read error, or at
// Close, whichever comes first.
type body struct {
	rc   io.ReadCloser
	span opentracing.Span
	x    backend.Span // when span is nil
	done atomic.Bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err)
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.finish(nil)
	return err
}

func (b *body) finish(err error) {
	if !b.done.CompareAndSwap(false, true) {
		return
	}
	if b.span == nil {
		if err != nil && err != io.EOF {
			b.x.B.Fail(b.x.V, err)
		}
		b.x.B.Finish(b.x.V)
		return
	}
	if err != nil && err != io.EOF {
		ext.LogError(b.span, err)
	}
	b.span.Finish()
}

type upgradedBody struct {
	body
	w io.Writer
}

func (b *upgradedBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// roundTripBackend is RoundTrip under the API traceotel.Use installed.
func (t *Transport) roundTripBackend(req *http.Request, method string) (*http.Response, error) {
	b := backend.Current()
	if b == nil { // OpenTracing again since ActiveTracer looked
		return t.base.RoundTrip(req)
	}
	ctx, span := b.StartHTTPClient(req, method, redact(req.URL))
	out := req.Clone(ctx)
	b.Inject(ctx, backend.HeaderCarrier(out.Header))
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		b.Fail(span, err)
		b.Finish(span)
		return resp, err
	}
	b.EndHTTPClient(span, resp.StatusCode)
	endWithBody(resp, nil, backend.Span{B: b, V: span})
	return resp, nil
}
