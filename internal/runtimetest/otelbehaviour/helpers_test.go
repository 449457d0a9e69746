package otelbehaviour

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/runtime/traceotel"
)

// rec is an OpenTelemetry SDK recording every span, installed as the
// runtime's backend.
type rec struct {
	*tracetest.SpanRecorder
	tp *sdktrace.TracerProvider
}

func record(t *testing.T) *rec {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(sr))
	traceotel.Use(tp, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &rec{SpanRecorder: sr, tp: tp}
}

// parent starts a span of the test's own, as an instrumented caller would
// hold, and returns a context carrying it.
func (r *rec) parent(t *testing.T) (context.Context, trace.Span) {
	ctx, span := r.tp.Tracer("test").Start(context.Background(), "parent")
	t.Cleanup(func() { span.End() })
	return ctx, span
}

// span returns the one ended span named name.
func (r *rec) span(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d ended spans named %q, want 1 (all: %s)", len(found), name, names(r.Ended()))
	}
	return found[0]
}

// spanOfKind returns the one ended span named name of kind k.
func (r *rec) spanOfKind(t *testing.T, name string, k trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name && s.SpanKind() == k {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d ended %s spans named %q, want 1 (all: %s)", len(found), k, name, names(r.Ended()))
	}
	return found[0]
}

func names(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for i, s := range spans {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q(%s)", s.Name(), s.SpanKind())
	}
	return b.String()
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// wantAttrs checks that s has exactly these attributes (each with its type).
func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want ...attribute.KeyValue) {
	t.Helper()
	got := attrs(s)
	for _, kv := range want {
		v, ok := got[kv.Key]
		if !ok {
			t.Errorf("%s: no attribute %s, want %s", s.Name(), kv.Key, kv.Value.Emit())
			continue
		}
		if v.Type() != kv.Value.Type() || v.Emit() != kv.Value.Emit() {
			t.Errorf("%s: %s = %s (%s), want %s (%s)", s.Name(), kv.Key, v.Emit(), v.Type(), kv.Value.Emit(), kv.Value.Type())
		}
		delete(got, kv.Key)
	}
	for k, v := range got {
		t.Errorf("%s: unexpected attribute %s = %s", s.Name(), k, v.Emit())
	}
}

func wantStatus(t *testing.T, s sdktrace.ReadOnlySpan, code codes.Code, description string) {
	t.Helper()
	if st := s.Status(); st.Code != code || st.Description != description {
		t.Errorf("%s: status %s %q, want %s %q", s.Name(), st.Code, st.Description, code, description)
	}
}

// exceptions returns the exception.message of every exception event of s.
func exceptions(s sdktrace.ReadOnlySpan) []string {
	var msgs []string
	for _, e := range s.Events() {
		if e.Name != "exception" {
			continue
		}
		for _, kv := range e.Attributes {
			if kv.Key == "exception.message" {
				msgs = append(msgs, kv.Value.AsString())
			}
		}
	}
	return msgs
}

func hasStacktrace(s sdktrace.ReadOnlySpan) bool {
	for _, e := range s.Events() {
		for _, kv := range e.Attributes {
			if kv.Key == "exception.stacktrace" && kv.Value.AsString() != "" {
				return true
			}
		}
	}
	return false
}

func wantParent(t *testing.T, child sdktrace.ReadOnlySpan, parent trace.SpanContext) {
	t.Helper()
	if got := child.Parent(); got.SpanID() != parent.SpanID() || got.TraceID() != parent.TraceID() {
		t.Errorf("%s: parent %s/%s, want %s/%s", child.Name(), got.TraceID(), got.SpanID(), parent.TraceID(), parent.SpanID())
	}
	if child.SpanContext().TraceID() != parent.TraceID() {
		t.Errorf("%s: trace %s, want the parent's %s", child.Name(), child.SpanContext().TraceID(), parent.TraceID())
	}
}

func wantRoot(t *testing.T, s sdktrace.ReadOnlySpan) {
	t.Helper()
	if s.Parent().IsValid() {
		t.Errorf("%s: parent %s, want a root span", s.Name(), s.Parent().SpanID())
	}
}
