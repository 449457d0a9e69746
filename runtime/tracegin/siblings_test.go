package tracegin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime/tracegin"
)

// Gin helpers called one after another from one handler: each span ends
// before the next starts, so they are siblings under the handler's span.

func cartPage(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.cartPage")
	defer tracegin.End(c, span, nil)
	//trace:end
	loadUser(c)
	loadCart(c)
	afterHelpers = opentracing.SpanFromContext(c.Request.Context())
	c.String(http.StatusOK, "cart")
}

// afterHelpers is the span the last caller of loadUser and loadCart saw in
// its request's context once they had returned.
var afterHelpers opentracing.Span

func loadUser(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.loadUser")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Set("user", "ada")
}

func loadCart(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.loadCart")
	defer tracegin.End(c, span, nil)
	//trace:end
	c.Set("cart", 3)
}

type tenantKey struct{}

// readBody is a helper that changes the request: it consumes the body and
// puts back a copy, and adds a value to the request's context.
func readBody(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.readBody")
	defer tracegin.End(c, span, nil)
	//trace:end
	b, _ := io.ReadAll(c.Request.Body)
	c.Request.Body = io.NopCloser(strings.NewReader("read: " + string(b)))
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), tenantKey{}, "acme"))
	c.Request.Host = "changed.example"
}

// ownSpan is a helper that starts a span of its own and installs it in the
// request's context, which it then owns.
func ownSpan(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.ownSpan")
	defer tracegin.End(c, span, nil)
	//trace:end
	own, ctx := opentracing.StartSpanFromContext(c.Request.Context(), "own")
	c.Request = c.Request.WithContext(ctx)
	own.Finish()
}

func TestSiblingHelpers(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/cart", cartPage)
	req, parent := requestFrom(t, tr, http.MethodGet, "/cart")
	if w := serve(r, req); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	handler := spanNamed(t, tr, "GET /cart")
	wantChildOf(t, handler, parent)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadUser"), handler)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadCart"), handler)
	if afterHelpers != handler {
		t.Errorf("after the helpers the request's context carries %v, want the handler's span", afterHelpers)
	}
}

func TestHelperChangesToRequestKept(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	var body, host string
	var tenant any
	var active opentracing.Span
	r.POST("/upload", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "tracegin_test.TestHelperChangesToRequestKept.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		readBody(c)
		loadCart(c)
		b, _ := io.ReadAll(c.Request.Body)
		body, host = string(b), c.Request.Host
		tenant = c.Request.Context().Value(tenantKey{})
		active = opentracing.SpanFromContext(c.Request.Context())
	})
	serve(r, httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader("payload")))
	handler := spanNamed(t, tr, "POST /upload")
	if body != "read: payload" || host != "changed.example" || tenant != "acme" {
		t.Errorf("after the helper: body %q, host %q, tenant %v; want the helper's changes kept", body, host, tenant)
	}
	if active != handler {
		t.Errorf("after the helper the request's context carries %v, want the handler's span", active)
	}
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.readBody"), handler)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadCart"), handler)
}

func TestHelperWithOwnSpanLeftAlone(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	var active opentracing.Span
	r.GET("/own", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "tracegin_test.TestHelperWithOwnSpanLeftAlone.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		ownSpan(c)
		active = opentracing.SpanFromContext(c.Request.Context())
	})
	serve(r, httptest.NewRequest(http.MethodGet, "/own", nil))
	own := spanNamed(t, tr, "own")
	wantChildOf(t, own, spanNamed(t, tr, "tracegin_test.ownSpan"))
	if active != own {
		t.Errorf("after the helper the request's context carries %v, want the span the helper installed", active)
	}
}

// TestChainTrees: an annotated middleware calling c.Next() covers the
// handlers after it; each annotated handler of the chain is the child of the
// annotated handler before it, whose span stays active for the handlers
// after it: End gives a span's parent back only to a helper's caller, never
// across the chain's handlers.
func TestChainTrees(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	var last opentracing.Span
	seeLast := func(c *gin.Context) { last = opentracing.SpanFromContext(c.Request.Context()) }
	r.GET("/next", timing, cartPage)
	r.GET("/chain", timing, authenticate, showProfile, seeLast)
	r.GET("/contrib", contribMiddleware(tr), authenticate, showProfile, seeLast)
	r.GET("/first", authenticate, showProfile, seeLast)

	serve(r, httptest.NewRequest(http.MethodGet, "/next", nil))
	mw := spanNamed(t, tr, "timing")
	h := spanNamed(t, tr, "tracegin_test.cartPage")
	wantChildOf(t, h, mw)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadUser"), h)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadCart"), h)

	for _, c := range []struct{ path, top string }{
		{"/chain", "timing"},
		{"/contrib", "HTTP GET"},
		{"/first", ""},
	} {
		tr.Reset()
		last = nil
		serve(r, httptest.NewRequest(http.MethodGet, c.path, nil))
		auth := spanNamed(t, tr, "auth")
		profile := spanNamed(t, tr, "tracegin_test.showProfile")
		if c.top != "" {
			wantChildOf(t, auth, spanNamed(t, tr, c.top))
		}
		wantChildOf(t, profile, auth)
		if last != profile {
			t.Errorf("%s: the last handler saw %v, want the span of the annotated handler before it", c.path, last)
		}
	}
}

// cartStep is an annotated handler calling helpers, for a chain.
func cartStep(c *gin.Context) {
	//trace:begin
	span := tracegin.Start(c, "tracegin_test.cartStep")
	defer tracegin.End(c, span, nil)
	//trace:end
	loadUser(c)
	loadCart(c)
}

// TestChainStepsNestHelpersSideBySide: in the chain [mw, A, B], where mw
// started the server span and called c.Next(), B is A's child (A is an
// earlier handler of the chain), while the helpers each of them calls one
// after another are siblings under it. The same whether mw is annotated or
// not, and whether it calls helpers of its own before c.Next().
func TestChainStepsNestHelpersSideBySide(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	var inB opentracing.Span
	helpersThenNext := func(c *gin.Context) {
		//trace:begin
		span := tracegin.StartNamed(c, "mw")
		defer tracegin.End(c, span, nil)
		//trace:end
		loadUser(c)
		loadCart(c)
		c.Next()
	}
	b := func(c *gin.Context) {
		//trace:begin
		span := tracegin.StartNamed(c, "B")
		defer tracegin.End(c, span, nil)
		//trace:end
		inB = opentracing.SpanFromContext(c.Request.Context())
		loadUser(c)
		loadCart(c)
	}
	r.GET("/annotated", timing, cartStep, b)
	r.GET("/contrib", contribMiddleware(tr), cartStep, b)
	r.GET("/helpers", helpersThenNext, cartStep, b)

	for _, c := range []struct{ path, mw string }{
		{"/annotated", "timing"},
		{"/contrib", "HTTP GET"},
		{"/helpers", "mw"},
	} {
		tr.Reset()
		if w := serve(r, httptest.NewRequest(http.MethodGet, c.path, nil)); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", c.path, w.Code)
		}
		mw := spanNamed(t, tr, c.mw)
		a := spanNamed(t, tr, "tracegin_test.cartStep")
		bSpan := spanNamed(t, tr, "B")
		wantChildOf(t, a, mw)
		wantChildOf(t, bSpan, a)
		if inB != bSpan {
			t.Errorf("%s: B ran with %v in its request's context, want its own span", c.path, inB)
		}
		// Each function's helpers are its children side by side.
		byParent := map[int][]string{}
		for _, s := range tr.FinishedSpans() {
			if s.OperationName == "tracegin_test.loadUser" || s.OperationName == "tracegin_test.loadCart" {
				byParent[s.ParentID] = append(byParent[s.ParentID], s.OperationName)
			}
		}
		want := map[int]int{a.SpanContext.SpanID: 2, bSpan.SpanContext.SpanID: 2}
		if c.path == "/helpers" {
			want[mw.SpanContext.SpanID] = 2
		}
		for id, n := range want {
			if len(byParent[id]) != n {
				t.Errorf("%s: helpers under span %d: %q, want %d", c.path, id, byParent[id], n)
			}
		}
		if len(byParent) != len(want) {
			t.Errorf("%s: helpers by parent %v, want only under %v", c.path, byParent, want)
		}
	}
}

// TestHelperPanicRecovered: a handler that recovers a helper's panic goes on
// under its own span.
func TestHelperPanicRecovered(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/p", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "tracegin_test.TestHelperPanicRecovered.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		func() {
			defer func() { _ = recover() }()
			explode(c)
		}()
		loadCart(c)
	})
	serve(r, httptest.NewRequest(http.MethodGet, "/p", nil))
	h := spanNamed(t, tr, "GET /p")
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.explode"), h)
	wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadCart"), h)
}

// valueTracer starts spans of a type that == cannot compare (a struct
// holding a slice), as a tracer may: End must not panic comparing them.
type valueTracer struct{ *mocktracer.MockTracer }

type valueSpan struct {
	*mocktracer.MockSpan
	notes []string
}

func (t valueTracer) StartSpan(operation string, opts ...opentracing.StartSpanOption) opentracing.Span {
	return valueSpan{MockSpan: t.MockTracer.StartSpan(operation, opts...).(*mocktracer.MockSpan)}
}

func TestSpansThatCannotBeCompared(t *testing.T) {
	tr := valueTracer{mocktracer.New()}
	useTracer(t, tr)
	r := gin.New()
	r.GET("/cart", cartPage)
	if w := serve(r, httptest.NewRequest(http.MethodGet, "/cart", nil)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if n := len(tr.FinishedSpans()); n != 3 {
		t.Errorf("%d finished spans, want 3", n)
	}
}

// TestHelpersNestWhereTheStepIsUnknown: what the README documents as the
// limits of giving parents back. Helpers a middleware calls after c.Next()
// (gin's position has moved past the middleware's), and helpers called under
// a span no annotated function started, nest as they start.
func TestHelpersNestWhereTheStepIsUnknown(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	after := func(c *gin.Context) {
		//trace:begin
		span := tracegin.StartNamed(c, "after")
		defer tracegin.End(c, span, nil)
		//trace:end
		c.Next()
		loadUser(c)
		loadCart(c)
	}
	plain := func(c *gin.Context) { loadUser(c); loadCart(c) }
	r.GET("/after", after, func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/contrib", contribMiddleware(tr), plain)

	for _, c := range []struct{ path, top string }{{"/after", "after"}, {"/contrib", "HTTP GET"}} {
		tr.Reset()
		serve(r, httptest.NewRequest(http.MethodGet, c.path, nil))
		user := spanNamed(t, tr, "tracegin_test.loadUser")
		wantChildOf(t, user, spanNamed(t, tr, c.top))
		wantChildOf(t, spanNamed(t, tr, "tracegin_test.loadCart"), user)
	}
}
