package threading

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func tracer(t *testing.T) *mocktracer.MockTracer {
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	clear(Seen)
	return tr
}

func spanID(s opentracing.Span) int {
	if s == nil {
		return 0
	}
	return s.(*mocktracer.MockSpan).SpanContext.SpanID
}

func TestBackgroundCarriesSpan(t *testing.T) {
	tr := tracer(t)
	bg := Background(context.Background())
	spans := map[string]*mocktracer.MockSpan{}
	for _, s := range tr.FinishedSpans() {
		spans[s.OperationName] = s
	}
	outer, inner := spans["threading.Background"], spans["threading.Background.func2"]
	if outer == nil || inner == nil {
		t.Fatalf("spans %v", tr.FinishedSpans())
	}
	for _, name := range []string{"background", "todo", "goroutine"} {
		if spanID(Seen[name]) != outer.SpanContext.SpanID {
			t.Errorf("%s: callee saw span %d, want %d", name, spanID(Seen[name]), outer.SpanContext.SpanID)
		}
	}
	if spanID(Seen["inner"]) != inner.SpanContext.SpanID || inner.ParentID != outer.SpanContext.SpanID {
		t.Errorf("the annotated literal must thread its own span: saw %d, inner %d", spanID(Seen["inner"]), inner.SpanContext.SpanID)
	}
	// Still a Background context: never done, no deadline.
	if bg.Done() != nil || bg.Err() != nil {
		t.Errorf("threaded Background context is cancellable")
	}
	if _, ok := bg.Deadline(); ok {
		t.Errorf("threaded Background context has a deadline")
	}
}

func TestNewRequestCarriesSpan(t *testing.T) {
	tr := tracer(t)
	req, err := NewRequest(context.Background(), "http://example.invalid/x")
	if err != nil {
		t.Fatal(err)
	}
	s := tr.FinishedSpans()
	if len(s) != 1 || spanID(opentracing.SpanFromContext(req.Context())) != s[0].SpanContext.SpanID {
		t.Errorf("request context does not carry the span: %v", s)
	}
}

func TestGinThreadingAndCancellation(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tr := tracer(t)
	var bg context.Context
	r := gin.New()
	r.ContextWithFallback = true
	r.GET("/h", Handler, func(c *gin.Context) { bg = c.MustGet("bg").(context.Context) })
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/h", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	cancel()
	spans := tr.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("spans %v", spans)
	}
	id := spans[0].SpanContext.SpanID
	for _, name := range []string{"gin", "gin-background", "gin-request"} {
		if spanID(Seen[name]) != id {
			t.Errorf("%s: saw span %d, want %d", name, spanID(Seen[name]), id)
		}
	}
	if bg == nil || bg.Err() != nil {
		t.Errorf("the Background-derived context was cancelled with the request")
	}
	if req.Context().Err() == nil {
		t.Fatal("test setup: request context not cancelled")
	}
}
