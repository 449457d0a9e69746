// Package behaviourtest holds what the tests of several packages share: an
// OpenTelemetry SDK recorder installed as the runtime's backend with checks
// of what it recorded (the runtime's behaviour tests, the rewriter's golden
// cases), and the go.mod of a user's module that uses this one (the script
// tests, the rewriter's diagnostic cases). Only tests import it.
package behaviourtest

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

// Recorder is an OpenTelemetry SDK recording every span, installed as the
// runtime's backend (runtime/traceotel).
type Recorder struct {
	*tracetest.SpanRecorder
	Provider *sdktrace.TracerProvider
}

// Record installs a new Recorder as the runtime's backend.
func Record(t testing.TB) *Recorder {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(sr))
	traceotel.Use(tp, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Recorder{SpanRecorder: sr, Provider: tp}
}

// Parent starts a span of the test's own, as an instrumented caller would
// hold, and returns a context carrying it.
func (r *Recorder) Parent(t testing.TB) (context.Context, trace.Span) {
	ctx, span := r.Provider.Tracer("test").Start(context.Background(), "parent")
	t.Cleanup(func() { span.End() })
	return ctx, span
}

// Span returns the one ended span named name.
func (r *Recorder) Span(t testing.TB, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d ended spans named %q, want 1 (all: %s)", len(found), name, Names(r.Ended()))
	}
	return found[0]
}

// SpanOfKind returns the one ended span named name of kind k.
func (r *Recorder) SpanOfKind(t testing.TB, name string, k trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range r.Ended() {
		if s.Name() == name && s.SpanKind() == k {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d ended %s spans named %q, want 1 (all: %s)", len(found), k, name, Names(r.Ended()))
	}
	return found[0]
}

// Names lists spans by name and kind, for messages.
func Names(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for i, s := range spans {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q(%s)", s.Name(), s.SpanKind())
	}
	return b.String()
}

// Attrs is the attributes of s by key.
func Attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// WantAttrs checks that s has exactly these attributes (each with its type).
func WantAttrs(t testing.TB, s sdktrace.ReadOnlySpan, want ...attribute.KeyValue) {
	t.Helper()
	got := Attrs(s)
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

// WantStatus checks the status of s.
func WantStatus(t testing.TB, s sdktrace.ReadOnlySpan, code codes.Code, description string) {
	t.Helper()
	if st := s.Status(); st.Code != code || st.Description != description {
		t.Errorf("%s: status %s %q, want %s %q", s.Name(), st.Code, st.Description, code, description)
	}
}

// Exceptions returns the exception.message of every exception event of s.
func Exceptions(s sdktrace.ReadOnlySpan) []string {
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

// HasStacktrace reports whether an event of s carries a stack trace.
func HasStacktrace(s sdktrace.ReadOnlySpan) bool {
	for _, e := range s.Events() {
		for _, kv := range e.Attributes {
			if kv.Key == "exception.stacktrace" && kv.Value.AsString() != "" {
				return true
			}
		}
	}
	return false
}

// WantParent checks that child is a child of parent, in its trace.
func WantParent(t testing.TB, child sdktrace.ReadOnlySpan, parent trace.SpanContext) {
	t.Helper()
	if got := child.Parent(); got.SpanID() != parent.SpanID() || got.TraceID() != parent.TraceID() {
		t.Errorf("%s: parent %s/%s, want %s/%s", child.Name(), got.TraceID(), got.SpanID(), parent.TraceID(), parent.SpanID())
	}
	if child.SpanContext().TraceID() != parent.TraceID() {
		t.Errorf("%s: trace %s, want the parent's %s", child.Name(), child.SpanContext().TraceID(), parent.TraceID())
	}
}

// WantRoot checks that s has no parent.
func WantRoot(t testing.TB, s sdktrace.ReadOnlySpan) {
	t.Helper()
	if s.Parent().IsValid() {
		t.Errorf("%s: parent %s, want a root span", s.Name(), s.Parent().SpanID())
	}
}
