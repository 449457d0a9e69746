package neither

import (
	"context"
	"fmt"
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
	return tr
}

// spans returns the finished spans by name; names seen several times map
// to all of their spans.
func spans(tr *mocktracer.MockTracer) map[string][]*mocktracer.MockSpan {
	m := map[string][]*mocktracer.MockSpan{}
	for _, s := range tr.FinishedSpans() {
		m[s.OperationName] = append(m[s.OperationName], s)
	}
	return m
}

func one(t *testing.T, m map[string][]*mocktracer.MockSpan, name string) *mocktracer.MockSpan {
	t.Helper()
	if len(m[name]) != 1 {
		t.Fatalf("%d spans named %s, want 1 (all: %v)", len(m[name]), name, m)
	}
	return m[name][0]
}

func childOf(t *testing.T, child, parent *mocktracer.MockSpan) {
	t.Helper()
	if child.ParentID != parent.SpanContext.SpanID {
		t.Errorf("%s: parent %d, want %s (%d)", child.OperationName, child.ParentID, parent.OperationName, parent.SpanContext.SpanID)
	}
}

func TestChainUnderGinHandler(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tr := tracer(t)
	r := gin.New()
	Routes(r)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/greet/bob", nil))
	if w.Code != http.StatusOK || w.Body.String() != "hello world!" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	m := spans(tr)
	handler := one(t, m, "GET /greet/:name")
	f1, f2, f3 := one(t, m, "neither.first"), one(t, m, "neither.second"), one(t, m, "neither.third")
	if handler.ParentID != 0 {
		t.Errorf("handler span has parent %d", handler.ParentID)
	}
	childOf(t, f1, handler)
	childOf(t, f2, f1)
	childOf(t, f3, f2)
}

func TestMethods(t *testing.T) {
	tr := tracer(t)
	got, err := Use(context.Background(), &Wrapped{Counter: &Counter{}, Label: "ab"})
	if err != nil || got != "AB=5" {
		t.Fatalf("Use = %q, %v", got, err)
	}
	m := spans(tr)
	use := one(t, m, "neither.Use")
	for name, n := range map[string]int{"neither.Counter.Add": 3, "neither.Counter.Value": 2, "neither.Label.Title": 2} {
		if len(m[name]) != n {
			t.Errorf("%d spans %s, want %d", len(m[name]), name, n)
		}
		for _, s := range m[name] {
			childOf(t, s, use)
		}
	}
}

func TestRecursionNests(t *testing.T) {
	tr := tracer(t)
	if got := fact(context.Background(), 3); got != 6 {
		t.Fatalf("fact = %d", got)
	}
	fs := tr.FinishedSpans() // innermost finishes first
	if len(fs) != 3 {
		t.Fatalf("%d spans", len(fs))
	}
	childOf(t, fs[0], fs[1])
	childOf(t, fs[1], fs[2])
	if fs[2].ParentID != 0 {
		t.Errorf("outer fact has parent %d", fs[2].ParentID)
	}
}

func TestClosureGoroutineDefer(t *testing.T) {
	tr := tracer(t)
	if got := Spawn(context.Background(), 2); got != 2 {
		t.Fatalf("Spawn = %d", got)
	}
	m := spans(tr)
	spawn := one(t, m, "neither.Spawn")
	for _, name := range []string{"neither.work", "neither.done"} {
		childOf(t, one(t, m, name), spawn)
	}
	// fact(2) recurses once: the outer call is the closure's.
	facts := m["neither.fact"]
	if len(facts) != 2 {
		t.Fatalf("%d fact spans", len(facts))
	}
	childOf(t, facts[1], spawn)
	childOf(t, facts[0], facts[1])
}

func TestNearestContext(t *testing.T) {
	tr := tracer(t)
	root := tr.StartSpan("root").(*mocktracer.MockSpan)
	n, ctx := Nearest(opentracing.ContextWithSpan(context.Background(), root))
	if n != 6 || ctx.Err() == nil {
		t.Fatalf("Nearest = %d, %v: the local, cancelled context must be the one returned", n, ctx.Err())
	}
	m := spans(tr)
	childOf(t, m["neither.fact"][len(m["neither.fact"])-1], root)
}

func TestGenericAndNames(t *testing.T) {
	tr := tracer(t)
	if got := Instantiate(context.Background()); got != 3 {
		t.Fatalf("Instantiate = %d", got)
	}
	if got := localCtx(context.Background(), 2); got != 6 {
		t.Fatalf("localCtx = %d", got)
	}
	if got := bothTaken(context.Background(), 7); got != 7 {
		t.Fatalf("bothTaken = %d", got)
	}
	if usesGlobal(context.Background()) != ctx {
		t.Fatal("usesGlobal must return the package-level ctx")
	}
	m := spans(tr)
	if len(m["neither.Generic"]) != 2 {
		t.Errorf("%d Generic spans", len(m["neither.Generic"]))
	}
	local := one(t, m, "neither.localCtx")
	childOf(t, m["neither.fact"][len(m["neither.fact"])-1], local)
	one(t, m, "neither.bothTaken")
	one(t, m, "neither.usesGlobal")
}

func TestCallersWithoutContextStartRoots(t *testing.T) {
	tr := tracer(t)
	if _, a, b := Callers(); a != 3 || b != 2 {
		t.Fatalf("Callers = %d, %d", a, b)
	}
	fs := tr.FinishedSpans()
	if len(fs) != 4 {
		t.Fatalf("%d spans", len(fs))
	}
	for _, s := range fs {
		if s.OperationName != "neither.fact" && s.ParentID != 0 {
			t.Errorf("%s has parent %d, want a root span", s.OperationName, s.ParentID)
		}
	}
}

func TestRequestContext(t *testing.T) {
	tr := tracer(t)
	root := tr.StartSpan("root").(*mocktracer.MockSpan)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(opentracing.ContextWithSpan(req.Context(), root))
	w := httptest.NewRecorder()
	Serve(w, req)
	if w.Body.String() != "24" {
		t.Fatalf("body %q", w.Body)
	}
	m := spans(tr)
	childOf(t, m["neither.fact"][len(m["neither.fact"])-1], root)
}

func TestNamedResultIsNotAContext(t *testing.T) {
	tr := tracer(t)
	if _, n := Results(); n != 32 {
		t.Fatalf("Results = %d", n)
	}
	if s := one(t, spans(tr), "neither.localCtx"); s.ParentID != 0 {
		t.Errorf("localCtx has parent %d, want a root span", s.ParentID)
	}
}

func TestNearestIsTheHandlersRequest(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tr := tracer(t)
	outer := tr.StartSpan("outer").(*mocktracer.MockSpan)
	r := gin.New()
	Nested(opentracing.ContextWithSpan(context.Background(), outer), r)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/nested", nil))
	if w.Body.String() != "hello world" {
		t.Fatalf("body %q", w.Body)
	}
	m := spans(tr)
	childOf(t, one(t, m, "neither.third"), one(t, m, "GET /nested"))
}

func TestDerivedAndUnrelatedLocals(t *testing.T) {
	tr := tracer(t)
	if got := Derived(context.Background()); got != 6 {
		t.Fatalf("Derived = %d", got)
	}
	m := spans(tr)
	childOf(t, m["neither.fact"][len(m["neither.fact"])-1], one(t, m, "neither.Derived"))
	tr.Reset()
	if got := Unrelated(); got != 1+len(fmt.Sprint(context.Background())) {
		t.Fatalf("Unrelated = %d", got)
	}
	if s := one(t, spans(tr), "neither.fact"); s.ParentID != 0 {
		t.Errorf("fact under Unrelated has parent %d", s.ParentID)
	}
}
