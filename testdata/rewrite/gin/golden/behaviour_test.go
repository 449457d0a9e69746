package ginsvc

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func serve(t *testing.T, path string) (*mocktracer.MockTracer, *mocktracer.MockSpan, *Handlers, *httptest.ResponseRecorder) {
	gin.SetMode(gin.TestMode)
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })

	r := gin.New()
	// The span reaches code given c itself as a context.Context through
	// gin's fallback to c.Request.Context().
	r.ContextWithFallback = true
	r.Use(gin.Recovery())
	h := &Handlers{store: &Store{}}
	registerRoutes(r, h)

	parent := tr.StartSpan("client").(*mocktracer.MockSpan)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if err := tr.Inject(parent.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return tr, parent, h, w
}

func byName(tr *mocktracer.MockTracer) map[string]*mocktracer.MockSpan {
	m := map[string]*mocktracer.MockSpan{}
	for _, s := range tr.FinishedSpans() {
		m[s.OperationName] = s
	}
	return m
}

func TestTopLevelHandler(t *testing.T) {
	tr, parent, _, w := serve(t, "/user/7?token=secret")
	if w.Code != http.StatusOK || w.Body.String() != "7" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	spans := tr.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.OperationName != "GET /user/:id" || s.ParentID != parent.SpanContext.SpanID {
		t.Errorf("span %q parent %d, want GET /user/:id under %d", s.OperationName, s.ParentID, parent.SpanContext.SpanID)
	}
	if s.Tag("user") != "7" || s.Tag("http.url") != "/user/7" {
		t.Errorf("tags %v", s.Tags())
	}
}

func TestMethodHandlerNamedCtxThreadsSpan(t *testing.T) {
	tr, _, h, w := serve(t, "/lookup/9")
	if w.Code != http.StatusOK || w.Body.String() != "user 9" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	if !h.store.sawSpan {
		t.Error("the callee given ctx (a *gin.Context) did not see the span")
	}
	if len(tr.FinishedSpans()) != 1 {
		t.Errorf("got %d spans", len(tr.FinishedSpans()))
	}
}

func TestServerErrorMarksSpan(t *testing.T) {
	tr, _, _, w := serve(t, "/lookup/missing")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if s := byName(tr)["GET /lookup/:id"]; s == nil || s.Tag("error") != true {
		t.Errorf("want error=true on the handler span: %v", tr.FinishedSpans())
	}
}

func TestFollowsAndNestedGinFunction(t *testing.T) {
	tr, _, _, w := serve(t, "/value?id=5")
	if w.Code != http.StatusOK || w.Body.String() != "5" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	m := byName(tr)
	outer, inner := m["GET /value"], m["load user"]
	if outer == nil || inner == nil || len(tr.FinishedSpans()) != 2 {
		t.Fatalf("spans %v", tr.FinishedSpans())
	}
	if inner.ParentID != outer.SpanContext.SpanID {
		t.Errorf("load user is not a child of the handler span")
	}
	tr.Reset()
}

func TestGinFunctionErrorResult(t *testing.T) {
	tr, _, _, w := serve(t, "/value")
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status %d", w.Code)
	}
	if s := byName(tr)["load user"]; s == nil || s.Tag("error") != true {
		t.Errorf("the returned error was not recorded: %v", tr.FinishedSpans())
	}
}

func TestLiteralHandlers(t *testing.T) {
	tr, parent, _, w := serve(t, "/ping")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if s := byName(tr)["GET /ping"]; s == nil || s.Tag("kind") != "health" || s.ParentID != parent.SpanContext.SpanID {
		t.Errorf("spans %v", tr.FinishedSpans())
	}

	tr, _, _, w = serve(t, "/boom")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("gin.Recovery did not answer 500: %d", w.Code)
	}
	spans := tr.FinishedSpans()
	if len(spans) != 1 || spans[0].OperationName != "GET /boom" || spans[0].Tag("error") != true {
		t.Errorf("panic: spans %v", spans)
	}
}

func TestChainOfAnnotatedHandlers(t *testing.T) {
	tr, parent, _, w := serve(t, "/chain/3")
	if w.Code != http.StatusOK || w.Body.String() != "3" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	m := byName(tr)
	// The first handler starts the server span; the one after it runs
	// under that span and is named like any function.
	auth, user := m["auth"], m["ginsvc.GetUser"]
	if auth == nil || user == nil || len(tr.FinishedSpans()) != 2 {
		t.Fatalf("spans %v", tr.FinishedSpans())
	}
	if auth.ParentID != parent.SpanContext.SpanID || user.ParentID != auth.SpanContext.SpanID {
		t.Errorf("want client -> auth -> handler, got auth.parent=%d handler.parent=%d", auth.ParentID, user.ParentID)
	}
}

// TestHelpersNamedLikeFunctions: a handler calling two annotated Gin helpers
// gives three spans with three names; only the handler's is the route.
func TestHelpersNamedLikeFunctions(t *testing.T) {
	tr, parent, _, w := serve(t, "/page")
	if w.Code != http.StatusOK || w.Body.String() != "page" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	m := byName(tr)
	page, header, body := m["GET /page"], m["ginsvc.writeHeader"], m["ginsvc.writeBody"]
	if page == nil || header == nil || body == nil || len(tr.FinishedSpans()) != 3 {
		var names []string
		for _, s := range tr.FinishedSpans() {
			names = append(names, s.OperationName)
		}
		t.Fatalf("spans %q, want GET /page, ginsvc.writeHeader, ginsvc.writeBody", names)
	}
	// The helpers' spans stay in the request after they return (as a chain
	// handler's must), so the second helper's parent is the first's.
	if page.ParentID != parent.SpanContext.SpanID || header.ParentID != page.SpanContext.SpanID || body.SpanContext.TraceID != page.SpanContext.TraceID {
		t.Errorf("want client -> GET /page -> helpers, in one trace")
	}
	if header.Tag("span.kind") != nil || body.Tag("span.kind") != nil || page.Tag("span.kind") == nil {
		t.Errorf("only the handler's span is the server span")
	}
}
