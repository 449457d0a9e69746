package otelbehaviour

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime/tracegin"
	"github.com/traceinject/traceinject/runtime/traceotel"
)

// Gin helpers called one after another from one handler, under the API
// traceotel.Use installed: siblings under the handler's span, as under
// OpenTracing (runtime/tracegin's siblings_test.go).

func loadUser(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.loadUser")
	defer tracegin.End(c, span, nil)
	//trace:end
}

func loadCart(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.loadCart")
	defer tracegin.End(c, span, nil)
	//trace:end
}

type tenantKey struct{}

// readBody changes the request: a new Body, a value added to its context.
func readBody(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.readBody")
	defer tracegin.End(c, span, nil)
	//trace:end
	b, _ := io.ReadAll(c.Request.Body)
	c.Request.Body = io.NopCloser(strings.NewReader("read: " + string(b)))
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), tenantKey{}, "acme"))
}

// ownSpan installs a span of its own in the request's context.
func ownSpan(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "otelbehaviour.ownSpan")
	defer tracegin.End(c, span, nil)
	//trace:end
	ctx, own := trace.SpanFromContext(c.Request.Context()).TracerProvider().Tracer("own").Start(c.Request.Context(), "own")
	c.Request = c.Request.WithContext(ctx)
	own.End()
}

// timed is an annotated middleware: its span covers the rest of the chain.
func timed(c *gin.Context) {
	//trace:begin
	span := tracegin.StartNamed(c, "timed")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Next()
}

func TestGinSiblingHelpers(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var after trace.SpanContext
	var body string
	var tenant any
	e.POST("/cart", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "otelbehaviour.TestGinSiblingHelpers.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		loadUser(c)
		readBody(c)
		loadCart(c)
		b, _ := io.ReadAll(c.Request.Body)
		body, tenant = string(b), c.Request.Context().Value(tenantKey{})
		after = trace.SpanContextFromContext(c.Request.Context())
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/cart", strings.NewReader("payload")))
	handler := r.SpanOfKind(t, "POST /cart", trace.SpanKindServer)
	for _, name := range []string{"otelbehaviour.loadUser", "otelbehaviour.readBody", "otelbehaviour.loadCart"} {
		behaviourtest.WantParent(t, r.Span(t, name), handler.SpanContext())
	}
	if !after.Equal(handler.SpanContext()) {
		t.Errorf("after the helpers the request's context carries span %s, want the handler's", after.SpanID())
	}
	if body != "read: payload" || tenant != "acme" {
		t.Errorf("after the helpers: body %q, tenant %v; want readBody's changes kept", body, tenant)
	}
}

func TestGinHelperWithOwnSpanLeftAlone(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var after trace.SpanContext
	e.GET("/own", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "otelbehaviour.TestGinHelperWithOwnSpanLeftAlone.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		ownSpan(c)
		after = trace.SpanContextFromContext(c.Request.Context())
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/own", nil))
	own := r.Span(t, "own")
	behaviourtest.WantParent(t, own, r.Span(t, "otelbehaviour.ownSpan").SpanContext())
	if !after.Equal(own.SpanContext()) {
		t.Errorf("after the helper the request's context carries span %s, want the one it installed", after.SpanID())
	}
}

// An annotated middleware calling c.Next() covers the handlers after it;
// each annotated handler of the chain is the child of the annotated handler
// before it, whose span the handlers after it see: a span's parent is given
// back only to a helper's caller, never across the chain's handlers.
func TestGinChainTrees(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var last trace.SpanContext
	seeLast := func(c *gin.Context) { last = trace.SpanContextFromContext(c.Request.Context()) }
	e.GET("/next", timed, loadUser, loadCart, seeLast)
	e.GET("/first", loadUser, loadCart, seeLast)

	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/next", nil))
	mw := r.SpanOfKind(t, "timed", trace.SpanKindServer)
	user := r.Span(t, "otelbehaviour.loadUser")
	cart := r.Span(t, "otelbehaviour.loadCart")
	behaviourtest.WantParent(t, user, mw.SpanContext())
	behaviourtest.WantParent(t, cart, user.SpanContext())
	if !last.Equal(cart.SpanContext()) {
		t.Errorf("/next: the last handler saw span %s, want loadCart's %s", last.SpanID(), cart.SpanContext().SpanID())
	}

	r2 := behaviourtest.Record(t)
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/first", nil))
	first := r2.SpanOfKind(t, "GET /first", trace.SpanKindServer)
	cart = r2.Span(t, "otelbehaviour.loadCart")
	behaviourtest.WantParent(t, cart, first.SpanContext())
	if !last.Equal(cart.SpanContext()) {
		t.Errorf("/first: the last handler saw span %s, want loadCart's %s", last.SpanID(), cart.SpanContext().SpanID())
	}
}

// cartStep is an annotated handler calling helpers, for a chain.
func cartStep(c *gin.Context) {
	//trace:begin
	span := tracegin.StartNamed(c, "cartStep")
	defer tracegin.End(c, span, nil)
	//trace:end
	loadUser(c)
	loadCart(c)
}

// In the chain [mw, A, B], where mw started the server span and called
// c.Next(), B is A's child, while the helpers A calls one after another are
// siblings under A.
func TestGinChainStepsNestHelpersSideBySide(t *testing.T) {
	r := behaviourtest.Record(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var inB trace.SpanContext
	b := func(c *gin.Context) {
		//trace:begin
		span := tracegin.StartNamed(c, "B")
		defer tracegin.End(c, span, nil)
		//trace:end
		inB = trace.SpanContextFromContext(c.Request.Context())
	}
	e.GET("/x", timed, cartStep, b)
	if w := serve2(e, httptest.NewRequest(http.MethodGet, "/x", nil)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	mw := r.SpanOfKind(t, "timed", trace.SpanKindServer)
	a := r.Span(t, "cartStep")
	bSpan := r.Span(t, "B")
	behaviourtest.WantParent(t, a, mw.SpanContext())
	behaviourtest.WantParent(t, bSpan, a.SpanContext())
	behaviourtest.WantParent(t, r.Span(t, "otelbehaviour.loadUser"), a.SpanContext())
	behaviourtest.WantParent(t, r.Span(t, "otelbehaviour.loadCart"), a.SpanContext())
	if !inB.Equal(bSpan.SpanContext()) {
		t.Errorf("B ran with span %s in its request's context, want its own", inB.SpanID())
	}
}

// Spans the sampler drops are siblings too: the SDK's span that is not
// recording is a struct holding a slice, which == cannot compare.
func TestGinSiblingHelpersNotSampled(t *testing.T) {
	traceotel.Use(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())), propagation.TraceContext{})
	gin.SetMode(gin.TestMode)
	e := gin.New()
	var handler, inCart, after trace.SpanContext
	e.GET("/cart", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "otelbehaviour.TestGinSiblingHelpersNotSampled.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		handler = trace.SpanContextFromContext(c.Request.Context())
		loadUser(c)
		func() {
			//trace:begin
			span := tracegin.Start(c, "otelbehaviour.TestGinSiblingHelpersNotSampled.func1.1")
			defer tracegin.End(c, span, nil)
			//trace:end
			inCart = trace.SpanContextFromContext(c.Request.Context())
		}()
		after = trace.SpanContextFromContext(c.Request.Context())
	})
	if w := serve2(e, httptest.NewRequest(http.MethodGet, "/cart", nil)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if !handler.IsValid() || handler.IsSampled() {
		t.Fatalf("handler's span context %v, want a valid unsampled one", handler)
	}
	if !after.Equal(handler) {
		t.Errorf("after the helpers the request's context carries span %s, want the handler's %s", after.SpanID(), handler.SpanID())
	}
	if !inCart.IsValid() || inCart.Equal(handler) {
		t.Errorf("the second helper ran under span %s, want one of its own", inCart.SpanID())
	}
}

func serve2(e *gin.Engine, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}
