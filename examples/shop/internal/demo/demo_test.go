package demo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/uber/jaeger-client-go"

	"github.com/traceinject/traceinject/examples/shop/internal/waterfall"
)

func TestRun(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var out strings.Builder
	results, spans, err := Run(context.Background(), &out, Requests)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{200, 200, 201, 404, 500}
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("%s %s: status %d, want %d", r.Method, r.Path, r.Status, want[i])
		}
	}
	// One trace per request, each started by the demo's client span.
	if n := strings.Count(out.String(), "\ntrace "); n != len(Requests) {
		t.Errorf("printed %d traces, want %d:\n%s", n, len(Requests), out.String())
	}
	traces := map[string]bool{}
	for _, s := range spans {
		traces[s.SpanContext().TraceID().String()] = true
	}
	if len(traces) != len(Requests) {
		t.Errorf("spans belong to %d traces, want %d", len(traces), len(Requests))
	}
	if !strings.Contains(out.String(), "catalog.validate") {
		t.Errorf("no span from the threaded helper:\n%s", out.String())
	}
}

func TestWaterfall(t *testing.T) {
	mem := jaeger.NewInMemoryReporter()
	tracer, closer := jaeger.NewTracer("test", jaeger.NewConstSampler(true), mem)
	defer closer.Close()

	root := tracer.StartSpan("root", ext.SpanKindRPCServer)
	ext.HTTPStatusCode.Set(root, 500)
	child := tracer.StartSpan("child", opentracing.ChildOf(root.Context()))
	ext.LogError(child, errors.New("disk on fire"))
	child.Finish()
	later := tracer.StartSpan("later", opentracing.FollowsFrom(root.Context()))
	later.Finish()
	root.Finish()

	var spans []*jaeger.Span
	for _, s := range mem.GetSpans() {
		spans = append(spans, s.(*jaeger.Span))
	}
	got := map[string]waterfall.Span{}
	for _, s := range Waterfall(spans) {
		got[s.Name] = s
	}
	r, c, l := got["root"], got["child"], got["later"]
	if r.ParentID != "" || c.ParentID != r.SpanID || l.ParentID != r.SpanID {
		t.Errorf("parents: root %q, child %q, later %q; root id %q", r.ParentID, c.ParentID, l.ParentID, r.SpanID)
	}
	if c.Follows || !l.Follows {
		t.Errorf("follows: child %v, later %v; want false, true", c.Follows, l.Follows)
	}
	if !c.Error || r.Error {
		t.Errorf("error: child %v, root %v; want true, false", c.Error, r.Error)
	}
	tags := func(s waterfall.Span) string {
		var parts []string
		for _, t := range s.Tags {
			parts = append(parts, t.Key+"="+t.Value)
		}
		return strings.Join(parts, " ")
	}
	// span.kind and the sampler's bookkeeping are hidden; messages are quoted.
	if got, want := tags(r), "http.status_code=500"; got != want {
		t.Errorf("root tags %q, want %q", got, want)
	}
	if got, want := tags(c), `error=true error.object="disk on fire"`; got != want {
		t.Errorf("child tags %q, want %q", got, want)
	}
}
