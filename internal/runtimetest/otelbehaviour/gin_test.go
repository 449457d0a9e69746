package otelbehaviour

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// The Gin shape, as traceinject writes it (templates/inject/gin.tmpl), in a
// real gin.Engine served by httptest. The name passed is the function's; the
// span that starts the request's server span is named after the route.

// handlerSaw is what the last handler saw in its request's context.
var handlerSaw struct {
	span    trace.SpanContext
	baggage string
}

func user(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.user")
	runtime.SetTag(span, "user", c.Param("id"))
	defer tracegin.End(c, span, nil)
	//trace:end
	ctx := c.Request.Context()
	handlerSaw.span = trace.SpanContextFromContext(ctx)
	handlerSaw.baggage = baggage.FromContext(ctx).Member("tenant").Value()
	switch c.Param("id") {
	case "broken":
		c.String(http.StatusInternalServerError, "broken")
	case "missing":
		c.Error(errors.New("no such user"))
		c.String(http.StatusNotFound, "missing")
	case "panic":
		panic("handler exploded")
	default:
		lookup(ctx)
		c.String(http.StatusOK, "ok")
	}
}

// lookup is a context function the handler calls: a child of its span.
func lookup(ctx context.Context) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "p.lookup")
	defer span.End(nil)
	//trace:end
	_ = ctx
}

// audit is a later handler of the chain, under the span of the first.
func audit(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.audit")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.String(http.StatusAccepted, "audited")
}

func engine() *gin.Engine {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.Use(gin.Recovery())
	e.GET("/user/:id", user)
	e.POST("/audit/:id", user, audit)
	return e
}

func serve(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	engine().ServeHTTP(w, req)
	return w
}

func TestGinServerSpan(t *testing.T) {
	r := behaviourtest.Record(t)
	w := serve(t, httptest.NewRequest(http.MethodGet, "/user/42?token=secret", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	span := r.Span(t, "GET /user/:id")
	if span.SpanKind() != trace.SpanKindServer {
		t.Errorf("kind %s, want server", span.SpanKind())
	}
	behaviourtest.WantRoot(t, span)
	behaviourtest.WantAttrs(t, span,
		attribute.String("http.request.method", "GET"),
		attribute.String("http.route", "/user/:id"),
		attribute.String("url.path", "/user/42"),
		attribute.String("url.scheme", "http"),
		attribute.Int("http.response.status_code", 200),
		attribute.String("user", "42"))
	behaviourtest.WantStatus(t, span, codes.Unset, "")
	if !handlerSaw.span.Equal(span.SpanContext()) {
		t.Errorf("the handler's request context carries %s, want the server span", handlerSaw.span.SpanID())
	}
	behaviourtest.WantParent(t, r.Span(t, "p.lookup"), span.SpanContext())
}

// A request with W3C headers joins the caller's trace, and its baggage
// reaches the handler.
func TestGinIncomingHeaders(t *testing.T) {
	r := behaviourtest.Record(t)
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	req := httptest.NewRequest(http.MethodGet, "/user/7", nil)
	req.Header.Set("traceparent", "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01")
	req.Header.Set("baggage", "tenant=acme")
	serve(t, req)
	span := r.Span(t, "GET /user/:id")
	behaviourtest.WantParent(t, span, remote)
	if !span.Parent().IsRemote() {
		t.Error("the parent is not remote")
	}
	if handlerSaw.baggage != "acme" {
		t.Errorf("the handler saw baggage tenant=%q, want acme", handlerSaw.baggage)
	}
}

// A malformed traceparent gives a root span; the request is served.
func TestGinMalformedHeaders(t *testing.T) {
	r := behaviourtest.Record(t)
	req := httptest.NewRequest(http.MethodGet, "/user/7", nil)
	req.Header.Set("traceparent", "00-zz-01")
	if w := serve(t, req); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	behaviourtest.WantRoot(t, r.Span(t, "GET /user/:id"))
}

func TestGinStatus(t *testing.T) {
	r := behaviourtest.Record(t)
	serve(t, httptest.NewRequest(http.MethodGet, "/user/broken", nil))
	serve(t, httptest.NewRequest(http.MethodGet, "/user/missing", nil))
	var broken, missing bool
	for _, s := range r.Ended() {
		switch behaviourtest.Attrs(s)["user"].AsString() {
		case "broken":
			broken = true
			behaviourtest.WantStatus(t, s, codes.Error, "")
			if a := behaviourtest.Attrs(s); a["http.response.status_code"].AsInt64() != 500 || a["error.type"].AsString() != "500" {
				t.Errorf("broken: attributes %v", a)
			}
		case "missing":
			missing = true
			// A 404 is the client's error: the server span does not fail,
			// and the error the handler attached is an event.
			behaviourtest.WantStatus(t, s, codes.Unset, "")
			if a := behaviourtest.Attrs(s); a["http.response.status_code"].AsInt64() != 404 {
				t.Errorf("missing: attributes %v", a)
			}
			if ex := behaviourtest.Exceptions(s); len(ex) != 1 || ex[0] != "no such user" {
				t.Errorf("missing: exceptions %q", ex)
			}
		}
	}
	if !broken || !missing {
		t.Fatalf("spans: %s", behaviourtest.Names(r.Ended()))
	}
}

// A panic fails the span and goes on to gin.Recovery, which answers 500.
func TestGinPanic(t *testing.T) {
	r := behaviourtest.Record(t)
	w := serve(t, httptest.NewRequest(http.MethodGet, "/user/panic", nil))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want gin.Recovery's 500", w.Code)
	}
	span := r.Span(t, "GET /user/:id")
	behaviourtest.WantStatus(t, span, codes.Error, "panic: handler exploded")
	if a := behaviourtest.Attrs(span); a["http.response.status_code"].AsInt64() != 500 {
		t.Errorf("attributes %v", a)
	}
	if ex := behaviourtest.Exceptions(span); len(ex) != 1 || ex[0] != "handler exploded" {
		t.Errorf("exceptions %q", ex)
	}
}

// A later handler in the chain is a child of the first handler's server
// span, not a server span of its own.
func TestGinChain(t *testing.T) {
	r := behaviourtest.Record(t)
	w := serve(t, httptest.NewRequest(http.MethodPost, "/audit/9", nil))
	body, _ := io.ReadAll(w.Body)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q", w.Code, body)
	}
	server := r.SpanOfKind(t, "POST /audit/:id", trace.SpanKindServer)
	child := r.SpanOfKind(t, "otelbehaviour.audit", trace.SpanKindInternal)
	behaviourtest.WantParent(t, child, server.SpanContext())
	if _, ok := behaviourtest.Attrs(child)["http.route"]; ok {
		t.Error("the child span has http.route")
	}
}

// Gin under a span a middleware already put into the request's context: the
// handler's span is its child.
func TestGinUnderMiddlewareSpan(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var mw trace.Span
	e.Use(func(c *gin.Context) {
		ctx, span := r.Provider.Tracer("mw").Start(c.Request.Context(), "middleware", trace.WithSpanKind(trace.SpanKindServer))
		mw = span
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		span.End()
	})
	e.GET("/user/:id", user)
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/user/3", nil))
	if mw == nil {
		t.Fatal("middleware did not run")
	}
	span := r.SpanOfKind(t, "otelbehaviour.user", trace.SpanKindInternal)
	behaviourtest.WantParent(t, span, mw.SpanContext())
}

// Code given the *gin.Context itself as its context.Context sees the span
// through gin's ContextWithFallback, as under OpenTracing.
func TestGinContextFallback(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.ContextWithFallback = true
	var saw trace.SpanContext
	e.GET("/x", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "otelbehaviour.TestGinContextFallback.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		saw = trace.SpanContextFromContext(c)
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if span := r.Span(t, "GET /x"); !saw.Equal(span.SpanContext()) {
		t.Errorf("c as a context carries %s, want the handler's span", saw.SpanID())
	}
}

// A name in the directive names the span whether or not it starts the
// request's server span.
func TestGinNamed(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.GET("/x", func(c *gin.Context) {
		//trace:begin
		span := tracegin.StartNamed(c, "fetch x")
		defer tracegin.End(c, span, nil)
		//trace:end
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if s := r.SpanOfKind(t, "fetch x", trace.SpanKindServer); behaviourtest.Attrs(s)["http.route"].AsString() != "/x" {
		t.Errorf("http.route %v", behaviourtest.Attrs(s)["http.route"])
	}
}

// TestGinWithoutRequest: after traceotel.Use, an annotated Gin function run
// on a *gin.Context built by hand without a request (gin.CreateTestContext,
// as handler tests do) answers as without tracing and starts no span, and
// what traceinject passes to the functions it gave a context parameter is
// context.Background(), not a panic.
func TestGinWithoutRequest(t *testing.T) {
	r := behaviourtest.Record(t)
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Params = gin.Params{{Key: "id", Value: "7"}}
	var passed context.Context
	func() {
		//trace:begin
		span := tracegin.Start(c, "otelbehaviour.handler")
		defer tracegin.End(c, span, nil)
		//trace:end
		passed = tracegin.RequestContext(c)
		c.String(http.StatusOK, c.Param("id"))
	}()
	if w.Code != http.StatusOK || w.Body.String() != "7" || c.Request != nil {
		t.Errorf("response %d %q, request %v", w.Code, w.Body, c.Request)
	}
	if passed != context.Background() {
		t.Errorf("RequestContext = %v, want context.Background()", passed)
	}
	if spans := r.Ended(); len(spans) != 0 {
		t.Errorf("spans without a request: %s", behaviourtest.Names(spans))
	}
}
