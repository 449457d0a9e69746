package tracegin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

// The tests set opentracing's global tracer, as programs do, so none of them
// runs in parallel with another.

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// useTracer makes tr the global tracer for the rest of the test.
func useTracer(t *testing.T, tr opentracing.Tracer) {
	t.Helper()
	prev := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(prev) })
}

func useMockTracer(t *testing.T) *mocktracer.MockTracer {
	t.Helper()
	tr := mocktracer.New()
	useTracer(t, tr)
	return tr
}

// requestFrom returns a request whose headers carry a finished client span of
// tr, as an instrumented caller would send it.
func requestFrom(t *testing.T, tr opentracing.Tracer, method, target string) (*http.Request, *mocktracer.MockSpan) {
	t.Helper()
	parent := tr.StartSpan("caller", ext.SpanKindRPCClient).(*mocktracer.MockSpan)
	req := httptest.NewRequest(method, target, nil)
	if err := tr.Inject(parent.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
		t.Fatalf("Inject: %v", err)
	}
	parent.Finish()
	return req, parent
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// spanNamed returns the one finished span named operation, failing the test
// when there are none or several (a span finished twice is reported twice).
func spanNamed(t *testing.T, tr *mocktracer.MockTracer, operation string) *mocktracer.MockSpan {
	t.Helper()
	var found []*mocktracer.MockSpan
	var names []string
	for _, s := range tr.FinishedSpans() {
		names = append(names, s.OperationName)
		if s.OperationName == operation {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("finished spans named %q: %d, want 1 (finished: %q)", operation, len(found), names)
	}
	return found[0]
}

func wantTag(t *testing.T, s *mocktracer.MockSpan, key string, want any) {
	t.Helper()
	if got, ok := s.Tags()[key]; !ok || got != want {
		t.Errorf("span %q: tag %s = %#v (set: %v), want %#v", s.OperationName, key, got, ok, want)
	}
}

func wantNoTag(t *testing.T, s *mocktracer.MockSpan, key string) {
	t.Helper()
	if got, ok := s.Tags()[key]; ok {
		t.Errorf("span %q: tag %s = %#v, want it unset", s.OperationName, key, got)
	}
}

func wantChildOf(t *testing.T, child, parent *mocktracer.MockSpan) {
	t.Helper()
	pc := parent.Context().(mocktracer.MockSpanContext)
	cc := child.Context().(mocktracer.MockSpanContext)
	if child.ParentID != pc.SpanID || cc.TraceID != pc.TraceID {
		t.Errorf("span %q: parent %d trace %d, want parent %q (%d) trace %d",
			child.OperationName, child.ParentID, cc.TraceID, parent.OperationName, pc.SpanID, pc.TraceID)
	}
}

// wantServerSpan checks what every first span of a request carries.
func wantServerSpan(t *testing.T, s *mocktracer.MockSpan, method, url string, status int) {
	t.Helper()
	wantTag(t, s, string(ext.SpanKind), ext.SpanKindRPCServerEnum)
	wantTag(t, s, string(ext.Component), "gin")
	wantTag(t, s, string(ext.HTTPMethod), method)
	wantTag(t, s, string(ext.HTTPUrl), url)
	wantTag(t, s, string(ext.HTTPStatusCode), uint16(status))
}

// errorLogs returns the error.object values of s's event=error logs.
func errorLogs(s *mocktracer.MockSpan) []string {
	var errs []string
	for _, rec := range s.Logs() {
		var event, obj string
		for _, f := range rec.Fields {
			switch f.Key {
			case "event":
				event = f.ValueString
			case "error.object":
				obj = f.ValueString
			}
		}
		if event == "error" {
			errs = append(errs, obj)
		}
	}
	return errs
}

func TestTopLevelHandler(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)

	req, parent := requestFrom(t, tr, http.MethodGet, "/user/42")
	w := serve(r, req)
	if w.Code != http.StatusOK || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q, want 200 \"user 42\"", w.Code, w.Body)
	}
	s := spanNamed(t, tr, "GET /user/:id")
	wantChildOf(t, s, parent)
	wantServerSpan(t, s, "GET", "/user/42", http.StatusOK)
	wantNoTag(t, s, string(ext.Error))
	if len(s.Logs()) != 0 {
		t.Errorf("logs = %v, want none", s.Logs())
	}
	if n := len(tr.FinishedSpans()); n != 2 {
		t.Errorf("%d finished spans, want 2 (caller and handler)", n)
	}
}

func TestRootSpanWithoutHeaders(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)

	serve(r, httptest.NewRequest(http.MethodGet, "/user/7", nil))
	s := spanNamed(t, tr, "GET /user/:id")
	// A root of its own trace, not a child of the empty span context
	// Extract returns with its error (trace ID 0, which the next hop
	// rejects: the trace would split).
	if s.ParentID != 0 || s.SpanContext.TraceID == 0 {
		t.Errorf("ParentID = %d, TraceID = %d: want a root span of a new trace", s.ParentID, s.SpanContext.TraceID)
	}
	wantServerSpan(t, s, "GET", "/user/7", http.StatusOK)
}

func TestMalformedHeadersGiveRootSpan(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)

	req := httptest.NewRequest(http.MethodGet, "/user/7", nil)
	req.Header.Set("Mockpfx-Ids-Traceid", "not a number")
	req.Header.Set("Mockpfx-Ids-Spanid", "x")
	if w := serve(r, req); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if s := spanNamed(t, tr, "GET /user/:id"); s.ParentID != 0 || s.SpanContext.TraceID == 0 {
		t.Errorf("ParentID = %d, TraceID = %d: want a root span of a new trace", s.ParentID, s.SpanContext.TraceID)
	}
}

func TestMethodHandlers(t *testing.T) {
	tr := useMockTracer(t)
	store := &userStore{name: "store"}
	r := gin.New()
	r.GET("/users/:id", store.get)
	r.GET("/users", store.list)

	for _, tc := range []struct{ target, op, body string }{
		{"/users/5", "GET /users/:id", "store 5"},
		{"/users", "GET /users", "store list"},
	} {
		req, parent := requestFrom(t, tr, http.MethodGet, tc.target)
		if w := serve(r, req); w.Body.String() != tc.body {
			t.Errorf("GET %s: body %q, want %q", tc.target, w.Body, tc.body)
		}
		s := spanNamed(t, tr, tc.op)
		wantChildOf(t, s, parent)
		wantServerSpan(t, s, "GET", tc.target, http.StatusOK)
	}
}

func TestLiteralHandlerInRouteGroup(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	registerPing(r.Group("/v1"))

	req, parent := requestFrom(t, tr, http.MethodGet, "/v1/ping")
	if w := serve(r, req); w.Body.String() != "pong" {
		t.Fatalf("body %q, want pong", w.Body)
	}
	s := spanNamed(t, tr, "GET /v1/ping")
	wantChildOf(t, s, parent)
	wantServerSpan(t, s, "GET", "/v1/ping", http.StatusOK)
}

func TestCtxNamedHandlerThreadsSpanToCallee(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/owners/:owner/items", listItems)

	req, parent := requestFrom(t, tr, http.MethodGet, "/owners/ada/items")
	if w := serve(r, req); w.Body.String() != "3 items" {
		t.Fatalf("body %q, want \"3 items\"", w.Body)
	}
	handler := spanNamed(t, tr, "GET /owners/:owner/items")
	callee := spanNamed(t, tr, "tracegin_test.countItems")
	wantChildOf(t, handler, parent)
	wantChildOf(t, callee, handler)

	// The callee's error reaches both spans: its own through its error
	// result, the handler's through c.Errors and the 500.
	tr.Reset()
	w := serve(r, httptest.NewRequest(http.MethodGet, "/owners/nobody/items", nil))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	callee = spanNamed(t, tr, "tracegin_test.countItems")
	wantTag(t, callee, string(ext.Error), true)
	handler = spanNamed(t, tr, "GET /owners/:owner/items")
	wantTag(t, handler, string(ext.Error), true)
	if got := errorLogs(handler); !slices.Equal(got, []string{"no such owner"}) {
		t.Errorf("handler error logs = %q, want [\"no such owner\"]", got)
	}
}

func TestGinFunctionWithErrorResult(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/accounts/:id", getAccount)

	serve(r, httptest.NewRequest(http.MethodGet, "/accounts/0", nil))
	handler := spanNamed(t, tr, "GET /accounts/:id")
	inner := spanNamed(t, tr, "tracegin_test.loadAccount")
	wantChildOf(t, inner, handler)
	wantTag(t, inner, string(ext.Error), true)
	if got := errorLogs(inner); !slices.Equal(got, []string{"account 0 is closed"}) {
		t.Errorf("error logs = %q", got)
	}
	// Only the request's first span is server-kind.
	wantTag(t, handler, string(ext.SpanKind), ext.SpanKindRPCServerEnum)
	wantNoTag(t, inner, string(ext.SpanKind))
	wantTag(t, handler, string(ext.HTTPStatusCode), uint16(http.StatusNotFound))
	wantNoTag(t, handler, string(ext.Error))

	tr.Reset()
	serve(r, httptest.NewRequest(http.MethodGet, "/accounts/1", nil))
	inner = spanNamed(t, tr, "tracegin_test.loadAccount")
	wantNoTag(t, inner, string(ext.Error))
}

func TestChainOfAnnotatedHandlers(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	var seen opentracing.Span
	r.GET("/profile", authenticate, showProfile, func(c *gin.Context) {
		// A handler without annotation sees the span of the one before it.
		seen = opentracing.SpanFromContext(c.Request.Context())
	})

	req, parent := requestFrom(t, tr, http.MethodGet, "/profile")
	if w := serve(r, req); w.Body.String() != "profile of ada" {
		t.Fatalf("body %q", w.Body)
	}
	first := spanNamed(t, tr, "auth")
	// A later handler in the chain runs under a span: it is named like any
	// function, not after the route.
	second := spanNamed(t, tr, "tracegin_test.showProfile")
	wantChildOf(t, first, parent)
	wantChildOf(t, second, first)
	wantTag(t, first, string(ext.SpanKind), ext.SpanKindRPCServerEnum)
	wantNoTag(t, second, string(ext.SpanKind))
	wantTag(t, second, string(ext.Component), "gin")
	wantTag(t, second, string(ext.HTTPUrl), "/profile")
	if seen != second {
		t.Errorf("last handler saw span %v, want %v", seen, second)
	}
}

func TestAnnotatedMiddlewareCoversChain(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.Use(timing)
	r.GET("/user/:id", getUser)
	r.GET("/fail", fail)

	req, parent := requestFrom(t, tr, http.MethodGet, "/user/1")
	serve(r, req)
	mw := spanNamed(t, tr, "timing")
	h := spanNamed(t, tr, "tracegin_test.getUser")
	wantChildOf(t, mw, parent)
	wantChildOf(t, h, mw)
	wantServerSpan(t, mw, "GET", "/user/1", http.StatusOK)

	// The middleware's span ends after the handler's, and sees its status.
	tr.Reset()
	serve(r, httptest.NewRequest(http.MethodGet, "/fail", nil))
	mw = spanNamed(t, tr, "timing")
	wantTag(t, mw, string(ext.HTTPStatusCode), uint16(http.StatusInternalServerError))
	wantTag(t, mw, string(ext.Error), true)
	// The error is logged once, by the span of the handler that attached it.
	if got := errorLogs(spanNamed(t, tr, "tracegin_test.fail")); len(got) != 1 {
		t.Errorf("handler error logs = %q, want one", got)
	}
	if got := errorLogs(mw); len(got) != 0 {
		t.Errorf("middleware error logs = %q, want none", got)
	}
}

func TestServerError(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/fail", fail)

	req, parent := requestFrom(t, tr, http.MethodGet, "/fail")
	if w := serve(r, req); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	s := spanNamed(t, tr, "GET /fail")
	wantChildOf(t, s, parent)
	wantServerSpan(t, s, "GET", "/fail", http.StatusInternalServerError)
	wantTag(t, s, string(ext.Error), true)
	if got := errorLogs(s); !slices.Equal(got, []string{"database is down"}) {
		t.Errorf("error logs = %q, want [\"database is down\"]", got)
	}
}

func TestClientErrorIsNotSpanError(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/reject", reject)

	if w := serve(r, httptest.NewRequest(http.MethodGet, "/reject", nil)); w.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", w.Code)
	}
	s := spanNamed(t, tr, "GET /reject")
	wantServerSpan(t, s, "GET", "/reject", http.StatusBadRequest)
	wantNoTag(t, s, string(ext.Error))
	if got := errorLogs(s); !slices.Equal(got, []string{"bad id"}) {
		t.Errorf("error logs = %q, want [\"bad id\"]", got)
	}
}

func TestPanicUnderRecovery(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	r.GET("/explode", explode)

	req, parent := requestFrom(t, tr, http.MethodGet, "/explode")
	if w := serve(r, req); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from gin.Recovery", w.Code)
	}
	s := spanNamed(t, tr, "GET /explode") // also proves it finished once
	wantChildOf(t, s, parent)
	wantServerSpan(t, s, "GET", "/explode", http.StatusInternalServerError)
	wantTag(t, s, string(ext.Error), true)
	if got := errorLogs(s); !slices.Equal(got, []string{"boom"}) {
		t.Errorf("error logs = %q, want [\"boom\"]", got)
	}
}

func TestPanicReachesCaller(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New() // no Recovery: the panic must reach the caller unchanged
	r.GET("/explode", explode)

	func() {
		defer func() {
			if got := recover(); got != "boom" {
				t.Errorf("recovered %#v, want \"boom\"", got)
			}
		}()
		serve(r, httptest.NewRequest(http.MethodGet, "/explode", nil))
	}()
	wantTag(t, spanNamed(t, tr, "GET /explode"), string(ext.Error), true)
}

func TestQueryStringAndCredentialsNotRecorded(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)

	req, _ := requestFrom(t, tr, http.MethodGet, "/user/42?token=secret-token&x=1")
	req.Header.Set("Authorization", "Bearer secret-bearer")
	req.AddCookie(&http.Cookie{Name: "session", Value: "secret-cookie"})
	serve(r, req)
	s := spanNamed(t, tr, "GET /user/:id")
	wantTag(t, s, string(ext.HTTPUrl), "/user/42")
	for k, v := range s.Tags() {
		if strings.Contains(fmt.Sprint(v), "secret") {
			t.Errorf("tag %s = %v records a secret", k, v)
		}
	}
	for _, rec := range s.Logs() {
		for _, f := range rec.Fields {
			if strings.Contains(f.ValueString, "secret") {
				t.Errorf("log field %s = %q records a secret", f.Key, f.ValueString)
			}
		}
	}
}

func TestEscapedPathKeptEscaped(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)

	// "%3F" is an escaped "?": the tag must not make it look like a query.
	serve(r, httptest.NewRequest(http.MethodGet, "/user/a%3Fb", nil))
	wantTag(t, spanNamed(t, tr, "GET /user/:id"), string(ext.HTTPUrl), "/user/a%3Fb")
}

func TestOperationNames(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/user/:id", getUser)
	r.POST("/user/:id", getUser)
	r.GET("/named/:id", getUserNamed)
	r.NoRoute(getUser)

	for _, target := range []string{"/user/1", "/user/2", "/user/3"} {
		serve(r, httptest.NewRequest(http.MethodGet, target, nil))
	}
	serve(r, httptest.NewRequest(http.MethodPost, "/user/4", nil))
	serve(r, httptest.NewRequest(http.MethodGet, "/named/5", nil))
	serve(r, httptest.NewRequest(http.MethodGet, "/no/such/secret-path", nil))

	var got []string
	for _, s := range tr.FinishedSpans() {
		got = append(got, s.OperationName)
	}
	want := []string{"GET /user/:id", "GET /user/:id", "GET /user/:id", "POST /user/:id", "users.get", "GET"}
	if !slices.Equal(got, want) {
		t.Errorf("operation names = %q, want %q", got, want)
	}
}

// refTracer is a mocktracer that also remembers the reference type of each
// span's parent, which mocktracer itself forgets.
type refTracer struct {
	*mocktracer.MockTracer
	mu   sync.Mutex
	refs map[string]opentracing.SpanReferenceType
}

func (r *refTracer) StartSpan(operation string, opts ...opentracing.StartSpanOption) opentracing.Span {
	var o opentracing.StartSpanOptions
	for _, opt := range opts {
		opt.Apply(&o)
	}
	if len(o.References) > 0 {
		r.mu.Lock()
		r.refs[operation] = o.References[0].Type
		r.mu.Unlock()
	}
	return r.MockTracer.StartSpan(operation, opts...)
}

func TestStartFollowsFrom(t *testing.T) {
	tr := &refTracer{MockTracer: mocktracer.New(), refs: map[string]opentracing.SpanReferenceType{}}
	useTracer(t, tr)
	r := gin.New()
	r.POST("/notify", notify)
	r.POST("/auth/notify", authenticate, notify)

	// From the span in the request's context.
	serve(r, httptest.NewRequest(http.MethodPost, "/auth/notify", nil))
	s := spanNamed(t, tr.MockTracer, "tracegin_test.notify")
	wantChildOf(t, s, spanNamed(t, tr.MockTracer, "auth"))
	if got := tr.refs["tracegin_test.notify"]; got != opentracing.FollowsFromRef {
		t.Errorf("reference after an annotated handler = %v, want FollowsFromRef", got)
	}

	// From the span in the headers: still the request's server span.
	tr.Reset()
	req, parent := requestFrom(t, tr, http.MethodPost, "/notify")
	serve(r, req)
	s = spanNamed(t, tr.MockTracer, "POST /notify")
	wantChildOf(t, s, parent)
	wantServerSpan(t, s, "POST", "/notify", http.StatusAccepted)
	if got := tr.refs["POST /notify"]; got != opentracing.FollowsFromRef {
		t.Errorf("reference to the caller = %v, want FollowsFromRef", got)
	}
}

func TestBackgroundContextOutlivesRequest(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	reqCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bgErr, reqErr error
	var bgSpan, handlerSpan opentracing.Span
	r.GET("/jobs", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "")
		defer tracegin.End(c, span, nil)
		//trace:end
		// What traceinject makes of context.Background() in this body.
		bg := runtime.WithSpan(context.Background(), span)
		cancel() // the client goes away
		reqErr = c.Request.Context().Err()
		bgErr = bg.Err()
		bgSpan = opentracing.SpanFromContext(bg)
		handlerSpan = opentracing.SpanFromContext(c.Request.Context())
		c.Status(http.StatusAccepted)
	})

	serve(r, httptest.NewRequest(http.MethodGet, "/jobs", nil).WithContext(reqCtx))
	if reqErr != context.Canceled {
		t.Errorf("request context error = %v, want context.Canceled", reqErr)
	}
	if bgErr != nil {
		t.Errorf("background context error = %v, want nil", bgErr)
	}
	if handlerSpan == nil || bgSpan != handlerSpan {
		t.Errorf("background context carries %v, want the handler's span %v", bgSpan, handlerSpan)
	}
	spanNamed(t, tr, "GET /jobs")
}

func TestNoopTracer(t *testing.T) {
	useTracer(t, opentracing.NoopTracer{})
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	var before, after *http.Request
	r.GET("/user/:id", func(c *gin.Context) {
		before = c.Request
		span := tracegin.Start(c, "")
		defer tracegin.End(c, span, nil)
		after = c.Request
		if span != (runtime.Span{}) {
			t.Error("Start returned a recording span under the no-op tracer")
		}
		c.Status(http.StatusOK)
	})
	r.GET("/explode", explode)

	if w := serve(r, httptest.NewRequest(http.MethodGet, "/user/1", nil)); w.Code != http.StatusOK {
		t.Errorf("status %d, want 200", w.Code)
	}
	if before != after {
		t.Error("Start replaced c.Request under the no-op tracer")
	}
	// The panic still reaches gin.Recovery.
	if w := serve(r, httptest.NewRequest(http.MethodGet, "/explode", nil)); w.Code != http.StatusInternalServerError {
		t.Errorf("status after panic %d, want 500", w.Code)
	}

	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/user/1", nil)
	allocs := testing.AllocsPerRun(100, func() {
		span := tracegin.Start(c, "")
		tracegin.End(c, span, nil)
	})
	if allocs != 0 {
		t.Errorf("Start and End allocate %v times per call under the no-op tracer, want 0", allocs)
	}
}

// TestNamesUnderASpan: only the span that starts the request's server span
// is named after the route; a Gin function under it keeps its own name, and
// a name from the directive wins everywhere. Code from earlier versions
// (an empty name) keeps the route name.
func TestNamesUnderASpan(t *testing.T) {
	tr := useMockTracer(t)
	r := gin.New()
	r.GET("/account/:id", getAccount)
	r.GET("/both/:id", getUser, getUserNamed)
	r.GET("/named/:id", getUserNamed, getUser)
	r.GET("/legacy/:id", getUser, legacy)
	for _, c := range []struct {
		target string
		want   []string // finished, innermost first
	}{
		{"/account/1", []string{"tracegin_test.loadAccount", "GET /account/:id"}},
		{"/both/1", []string{"GET /both/:id", "users.get"}},
		{"/named/1", []string{"users.get", "tracegin_test.getUser"}},
		{"/legacy/1", []string{"GET /legacy/:id", "GET /legacy/:id"}},
	} {
		tr.Reset()
		serve(r, httptest.NewRequest(http.MethodGet, c.target, nil))
		var got []string
		for _, s := range tr.FinishedSpans() {
			got = append(got, s.OperationName)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("GET %s: spans %q, want %q", c.target, got, c.want)
		}
	}
}

// TestNoRequest: a *gin.Context built by hand without a request, as
// gin.CreateTestContext returns it, runs an annotated handler and what
// traceinject passes to its callees without a panic and without a span,
// under the no-op tracer and a recording one.
func TestNoRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   opentracing.Tracer
	}{{"noop", opentracing.NoopTracer{}}, {"mocktracer", mocktracer.New()}} {
		t.Run(tc.name, func(t *testing.T) {
			useTracer(t, tc.tr)
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			var ctx context.Context
			for _, start := range []func(*gin.Context, string) runtime.Span{tracegin.Start, tracegin.StartNamed, tracegin.StartFollowsFrom, tracegin.StartNamedFollowsFrom} {
				func() {
					span := start(c, "handler")
					defer tracegin.End(c, span, nil)
					if span != (runtime.Span{}) {
						t.Error("a span started without a request")
					}
					ctx = tracegin.RequestContext(c)
					c.Status(http.StatusNoContent)
				}()
			}
			if ctx != context.Background() || c.Request != nil {
				t.Errorf("RequestContext = %v, Request = %v; want context.Background() and no request", ctx, c.Request)
			}
			if ctx := tracegin.RequestContext(nil); ctx != context.Background() {
				t.Errorf("RequestContext(nil) = %v", ctx)
			}
			if mt, ok := tc.tr.(*mocktracer.MockTracer); ok && len(mt.FinishedSpans()) != 0 {
				t.Errorf("spans finished: %v", mt.FinishedSpans())
			}
		})
	}
}

// TestRequestContextCarriesSpan: with a request, RequestContext is the
// request's context, which carries the span of the annotated function.
func TestRequestContextCarriesSpan(t *testing.T) {
	tr := useMockTracer(t)
	var inHandler context.Context
	r := gin.New()
	r.GET("/x", func(c *gin.Context) {
		span := tracegin.Start(c, "")
		defer tracegin.End(c, span, nil)
		inHandler = tracegin.RequestContext(c)
		if inHandler != c.Request.Context() {
			t.Error("RequestContext is not c.Request.Context()")
		}
	})
	serve(r, httptest.NewRequest(http.MethodGet, "/x", nil))
	s := spanNamed(t, tr, "GET /x")
	if got := opentracing.SpanFromContext(inHandler); got != s {
		t.Errorf("RequestContext carries %v, want the handler's span", got)
	}
}
