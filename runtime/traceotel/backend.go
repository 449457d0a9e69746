package traceotel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/internal/backend"
)

// Attribute keys of OpenTelemetry's semantic conventions.
const (
	keyRPCSystem        = "rpc.system"
	keyRPCService       = "rpc.service"
	keyRPCMethod        = "rpc.method"
	keyRPCGRPCStatus    = "rpc.grpc.status_code"
	keyHTTPMethod       = "http.request.method"
	keyHTTPMethodOrig   = "http.request.method_original"
	keyHTTPRoute        = "http.route"
	keyHTTPStatus       = "http.response.status_code"
	keyURLPath          = "url.path"
	keyURLScheme        = "url.scheme"
	keyURLFull          = "url.full"
	keyServerAddress    = "server.address"
	keyServerPort       = "server.port"
	keyErrorType        = "error.type"
	valueRPCSystemGRPC  = "grpc"
	methodOther         = "_OTHER"
	panicDescriptionPfx = "panic: "
)

// tracer is the backend.Backend that records OpenTelemetry spans. Its span
// values are trace.Span.
type tracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

var _ backend.Backend = (*tracer)(nil)

func (t *tracer) Start(ctx context.Context, name string, follows bool) (context.Context, any) {
	if follows {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			return t.tracer.Start(ctx, name, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	return t.tracer.Start(ctx, name)
}

func (t *tracer) ContextWithSpan(ctx context.Context, span any) context.Context {
	return trace.ContextWithSpan(ctx, span.(trace.Span))
}

// HasSpan reports whether ctx carries a span started in this process (a
// remote span context extracted by a middleware does not count).
func (t *tracer) HasSpan(ctx context.Context) bool {
	sc := trace.SpanContextFromContext(ctx)
	return sc.IsValid() && !sc.IsRemote()
}

// IsActive compares span contexts: span values need not be comparable (the
// SDK's span that is not recording is a struct holding a slice).
func (t *tracer) IsActive(ctx context.Context, span any) bool {
	sc := trace.SpanContextFromContext(ctx)
	return sc.IsValid() && sc.Equal(span.(trace.Span).SpanContext())
}

func (t *tracer) Inject(ctx context.Context, c backend.Carrier) {
	t.prop.Inject(ctx, c)
}

func (t *tracer) SetString(span any, key, value string) {
	span.(trace.Span).SetAttributes(attribute.String(key, value))
}

func (t *tracer) SetInt(span any, key string, value int64) {
	span.(trace.Span).SetAttributes(attribute.Int64(key, value))
}

func (t *tracer) SetBool(span any, key string, value bool) {
	span.(trace.Span).SetAttributes(attribute.Bool(key, value))
}

func (t *tracer) SetFloat(span any, key string, value float64) {
	span.(trace.Span).SetAttributes(attribute.Float64(key, value))
}

func (t *tracer) SetValue(span any, key string, value any) {
	span.(trace.Span).SetAttributes(attributeOf(key, value))
}

// attributeOf returns the attribute a directive's tag KEY=value becomes: of
// type string, bool, int64 or float64 for values of those kinds (named types
// included), else, and for errors and fmt.Stringers, a string formatted by
// fmt.Sprint. Unsigned values beyond int64 become strings.
func attributeOf(key string, value any) attribute.KeyValue {
	switch v := value.(type) {
	case string:
		return attribute.String(key, v)
	case bool:
		return attribute.Bool(key, v)
	case int:
		return attribute.Int(key, v)
	case int64:
		return attribute.Int64(key, v)
	case float64:
		return attribute.Float64(key, v)
	case error, fmt.Stringer:
		return attribute.String(key, fmt.Sprint(v))
	case nil:
		return attribute.String(key, "<nil>")
	}
	switch rv := reflect.ValueOf(value); rv.Kind() {
	case reflect.String:
		return attribute.String(key, rv.String())
	case reflect.Bool:
		return attribute.Bool(key, rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return attribute.Int64(key, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= 1<<63-1 {
			return attribute.Int64(key, int64(u))
		}
		return attribute.String(key, strconv.FormatUint(rv.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return attribute.Float64(key, rv.Float())
	}
	return attribute.String(key, fmt.Sprint(value))
}

func (t *tracer) RecordError(span any, err error) {
	span.(trace.Span).RecordError(err)
}

func (t *tracer) Fail(span any, err error) {
	s := span.(trace.Span)
	s.RecordError(err)
	s.SetStatus(codes.Error, err.Error())
}

// FailPanic records the panic value r as an error, with the stack of the
// panicking goroutine, and sets the status to Error "panic: <r>".
func (t *tracer) FailPanic(span any, r any) {
	s := span.(trace.Span)
	err, ok := r.(error)
	if !ok {
		err = &panicError{r}
	}
	s.RecordError(err, trace.WithStackTrace(true))
	s.SetStatus(codes.Error, panicDescriptionPfx+err.Error())
}

// panicError is a panic value that is not an error.
type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

func (t *tracer) Finish(span any) {
	span.(trace.Span).End()
}

// StartHTTPServer extracts the caller's span context (and baggage) from the
// request headers; a request without a valid one starts a root span.
func (t *tracer) StartHTTPServer(r *http.Request, name, route string, follows bool) (context.Context, any) {
	ctx := t.prop.Extract(r.Context(), backend.HeaderCarrier(r.Header))
	method, original := httpMethod(r.Method)
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs,
		attribute.String(keyHTTPMethod, method),
		attribute.String(keyURLPath, r.URL.EscapedPath()),
		attribute.String(keyURLScheme, scheme(r)))
	if original != "" {
		attrs = append(attrs, attribute.String(keyHTTPMethodOrig, original))
	}
	if route != "" {
		attrs = append(attrs, attribute.String(keyHTTPRoute, route))
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...)}
	if follows {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	return t.tracer.Start(ctx, name, opts...)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// httpMethod returns the method as semantic conventions record it: one of
// the known methods, else "_OTHER" and the original.
func httpMethod(m string) (method, original string) {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m, ""
	case "":
		return http.MethodGet, ""
	}
	return methodOther, m
}

// EndHTTPServer: a server fails with a 5xx status; a 4xx is the client's
// error, not the server's.
func (t *tracer) EndHTTPServer(span any, status int) {
	s := span.(trace.Span)
	if status >= http.StatusInternalServerError {
		s.SetAttributes(attribute.Int(keyHTTPStatus, status), attribute.String(keyErrorType, strconv.Itoa(status)))
		s.SetStatus(codes.Error, "")
		return
	}
	s.SetAttributes(attribute.Int(keyHTTPStatus, status))
}

func (t *tracer) StartHTTPClient(r *http.Request, method, url string) (context.Context, any) {
	m, original := httpMethod(method)
	name := m
	if original != "" {
		name = "HTTP"
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, attribute.String(keyHTTPMethod, m), attribute.String(keyURLFull, url))
	if original != "" {
		attrs = append(attrs, attribute.String(keyHTTPMethodOrig, original))
	}
	if host, port := hostPort(r); host != "" {
		attrs = append(attrs, attribute.String(keyServerAddress, host))
		if port > 0 {
			attrs = append(attrs, attribute.Int(keyServerPort, port))
		}
	}
	return t.tracer.Start(r.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

func hostPort(r *http.Request) (string, int) {
	host := r.URL.Host
	if host == "" {
		host = r.Host
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		h = host
		switch r.URL.Scheme {
		case "http":
			return h, 80
		case "https":
			return h, 443
		}
		return h, 0
	}
	port, _ := strconv.Atoi(p)
	return h, port
}

// EndHTTPClient: a client fails with a 4xx or 5xx status.
func (t *tracer) EndHTTPClient(span any, status int) {
	s := span.(trace.Span)
	if status >= http.StatusBadRequest {
		s.SetAttributes(attribute.Int(keyHTTPStatus, status), attribute.String(keyErrorType, strconv.Itoa(status)))
		s.SetStatus(codes.Error, "")
		return
	}
	s.SetAttributes(attribute.Int(keyHTTPStatus, status))
}

// rpc is what a tracer derives from a backend.RPC once.
type rpc struct {
	name           string // "pkg.Service/Method"
	client, server []trace.SpanStartOption
}

func (t *tracer) rpc(m *backend.RPC) *rpc {
	if c := m.Cache.Load(); c != nil && c.Backend == backend.Backend(t) {
		return c.Value.(*rpc)
	}
	attrs := trace.WithAttributes(
		attribute.String(keyRPCSystem, valueRPCSystemGRPC),
		attribute.String(keyRPCService, m.Service),
		attribute.String(keyRPCMethod, m.Method))
	name := m.FullMethod
	if len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	r := &rpc{
		name:   name,
		client: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), attrs},
		server: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), attrs},
	}
	m.Cache.Store(&backend.Cached{Backend: t, Value: r})
	return r
}

func (t *tracer) StartRPC(ctx context.Context, m *backend.RPC, client bool, md backend.Carrier) (context.Context, any) {
	r := t.rpc(m)
	if client {
		return t.tracer.Start(ctx, r.name, r.client...)
	}
	ctx = t.prop.Extract(ctx, md)
	return t.tracer.Start(ctx, r.name, r.server...)
}

func (t *tracer) EndRPC(span any, code uint32, failed bool, message string) {
	s := span.(trace.Span)
	s.SetAttributes(attribute.Int64(keyRPCGRPCStatus, int64(code)))
	if failed {
		s.SetStatus(codes.Error, message)
	}
}
